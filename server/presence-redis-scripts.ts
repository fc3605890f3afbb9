/**
 * The Lua scripts of the Redis presence store (`presence-redis.ts`): each runs
 * atomically in Redis, so joins are check-and-add across processes and exactly
 * one survivor sweeps a dead process.
 */

// Layout (every key under the prefix):
// - room:<room>     hash  peer id → "<holder socket id>|<name>"
// - peer:<id>       hash  {sid, key (hash of the resume key, '' for a socket's own id), proc}
// - proc:<proc>     set   JSON [room, id, sid] per room entry this process wrote
// - procpeers:<proc> set  peer ids this process claimed
// - alive:<proc>    heartbeat key with a TTL; procs: set of process ids.
// A room entry or an id record belongs to the socket it names: removals check that,
// so a socket whose id was taken over (possibly on another process) never removes
// what the new holder wrote.

// KEYS: room hash, own member set, peer record, own peer set.
// ARGV: id, name, max, member entry, sid, key hash, own proc id, may take over ('1'/'0').
// Returns {'taken'} | {'full'} | {status, evicted sid or '', id1, value1, id2, value2, ...}
// with status 'new' | 'again'.
export const JOIN = `
local holder = redis.call('HMGET', KEYS[3], 'sid', 'key')
local evicted = ''
if holder[1] and holder[1] ~= ARGV[5] then
  if ARGV[8] ~= '1' or holder[2] == '' or holder[2] ~= ARGV[6] then return {'taken'} end
  evicted = holder[1]
end
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return {'full'} end
local again = cur and string.sub(cur, 1, #ARGV[5] + 1) == ARGV[5] .. '|'
redis.call('HSET', KEYS[3], 'sid', ARGV[5], 'key', ARGV[6], 'proc', ARGV[7])
redis.call('SADD', KEYS[4], ARGV[1])
local all = redis.call('HGETALL', KEYS[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[5] .. '|' .. ARGV[2])
redis.call('SADD', KEYS[2], ARGV[4])
table.insert(all, 1, evicted)
table.insert(all, 1, again and 'again' or 'new')
return all`;

// KEYS: room hash, own member set. ARGV: id, sid, member entry. Returns 1 if the entry was the socket's.
export const LEAVE = `
redis.call('SREM', KEYS[2], ARGV[3])
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and string.sub(cur, 1, #ARGV[2] + 1) == ARGV[2] .. '|' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 1
end
return 0`;

// KEYS: peer record, own peer set. ARGV: sid, id, own proc id.
// The id leaves our process's set when our socket held it, and also when a socket of
// another process took it over (or nobody holds it any more): only a takeover by another
// socket of this process keeps it listed here.
export const RELEASE = `
local rec = redis.call('HMGET', KEYS[1], 'sid', 'proc')
if rec[1] == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[2])
elseif rec[2] ~= ARGV[3] then
  redis.call('SREM', KEYS[2], ARGV[2])
end
return 1`;

// KEYS: room hash, own member set, peer record, own peer set.
// ARGV: id, sid, name, member entry, key hash, own proc id.
// Puts back one of our entries after we were swept for a stall, unless someone else holds it now.
export const RESTORE = `
local holder = redis.call('HGET', KEYS[3], 'sid')
if holder and holder ~= ARGV[2] then return 0 end
if not holder then
  redis.call('HSET', KEYS[3], 'sid', ARGV[2], 'key', ARGV[5], 'proc', ARGV[6])
  redis.call('SADD', KEYS[4], ARGV[1])
end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3]) end
redis.call('SADD', KEYS[2], ARGV[4])
return 1`;

// KEYS: process set, dead process's heartbeat key, dead process's member set, dead process's peer set.
// ARGV: dead process id, key prefix. Returns the member entries removed: only those still
// held by the dead process's sockets (an id taken over by a live socket stays).
// Atomic, so exactly one survivor announces each departure.
export const SWEEP = `
if redis.call('EXISTS', KEYS[2]) == 1 then return {} end
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return {} end
local removed = {}
for _, m in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  local e = cjson.decode(m)
  local room = ARGV[2] .. 'room:' .. e[1]
  local cur = redis.call('HGET', room, e[2])
  if cur and string.sub(cur, 1, #e[3] + 1) == e[3] .. '|' then
    redis.call('HDEL', room, e[2])
    table.insert(removed, m)
  end
end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  local peer = ARGV[2] .. 'peer:' .. id
  if redis.call('HGET', peer, 'proc') == ARGV[1] then redis.call('DEL', peer) end
end
redis.call('DEL', KEYS[3], KEYS[4])
return removed`;

// KEYS: process set, own heartbeat key. ARGV: own id, ttl ms. Returns 1 if we had been swept.
export const BEAT = `
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then return 1 end
return 0`;
