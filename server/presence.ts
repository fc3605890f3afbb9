/**
 * Who is in which room, for the relay's own protocol (`join` / `peer-joined` /
 * `peer-left`). Two stores behind one interface:
 *
 * - {@link LocalPresence}: in memory, one process.
 * - {@link RedisPresence}: in Redis, shared by every relay process attached to
 *   it. Each process keeps a heartbeat key with a TTL; survivors sweep the
 *   members of a process whose heartbeat expired (it crashed or was killed and
 *   could not say goodbye) and announce `peer-left` for them.
 *
 * Joins are atomic check-and-add, so `MAX_PEERS_PER_ROOM` holds across processes.
 *
 * Peer ids: a peer id is held by one socket at a time, relay-wide (across every
 * process in Redis mode), with the hash of the key it was claimed with (empty
 * for a socket's own id, which nobody else may claim). A join claiming an id
 * held by another socket with the same key hash takes it over: the room entry
 * moves to the new socket in the same atomic step and the old socket's id is
 * returned as `evicted`, for the relay to disconnect it. Room entries and the
 * id record name the socket holding them, so the old socket's leaves, its
 * process's sweep and its process's shutdown never remove what the new socket
 * now holds.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ClientClosedError, ClientOfflineError, TimeoutError } from 'redis';

/** A member of a room. */
export interface PresencePeer {
  id: string;
  name: string;
}

/** Who claims a peer id in {@link Presence.join}. */
export interface PeerClaim {
  /** The peer id. */
  id: string;
  /** The socket claiming it (its Socket.IO id). */
  sid: string;
  /** Hash of the client's resume key; `''` for a socket's own id (never taken over). */
  keyHash: string;
  /** Whether this may take the id over from another socket with the same key hash (only on a socket's first claim). */
  mayTakeOver: boolean;
}

/** Outcome of {@link Presence.join}. */
export type PresenceJoin =
  | { status: 'full' }
  /** The id is held by another socket that this claim may not take over. */
  | { status: 'taken' }
  | {
      status: 'ok';
      /** Members before this join, without the joiner. */
      peers: PresencePeer[];
      /** The joiner's socket was already a member (a repeated join). */
      already: boolean;
      /** The socket id of the previous holder of the peer id, which the relay must disconnect. */
      evicted?: string;
    };

/** A room membership store. Methods reject only when the backing store fails. */
export interface Presence {
  /**
   * Claims the peer id for the socket (relay-wide) and adds it to `room`,
   * unless the room already has `max` members or the id is held by another
   * socket this claim may not take over. Atomic.
   */
  join(room: string, peer: PeerClaim, name: string, max: number): Promise<PresenceJoin>;
  /**
   * Removes `id` from `room` if socket `sid` holds that entry. Resolves true
   * when it did (announce `peer-left`), false when the entry is gone or held
   * by another socket that took the id over (say nothing).
   */
  leave(room: string, id: string, sid: string): Promise<boolean>;
  /** Frees the peer id if socket `sid` still holds it (on disconnect). */
  release(id: string, sid: string): Promise<void>;
  /** Whether `id` is a member of `room`. */
  has(room: string, id: string): Promise<boolean>;
  /** Number of rooms with members (this process's view for Redis: rooms with a local member). */
  roomCount(): number;
  /** Starts background work (heartbeats). */
  start(): Promise<void>;
  /** Removes this process's members and stops background work. */
  close(): Promise<void>;
}

/** A room entry: the holding socket and the display name. */
interface Member {
  sid: string;
  name: string;
}

/** Members indexed room → id → member. */
class Rooms {
  readonly map = new Map<string, Map<string, Member>>();
  add(room: string, id: string, member: Member): void {
    let members = this.map.get(room);
    if (!members) this.map.set(room, (members = new Map()));
    members.set(id, member);
  }
  delete(room: string, id: string): void {
    const members = this.map.get(room);
    if (!members) return;
    members.delete(id);
    if (members.size === 0) this.map.delete(room);
  }
}

/** In-memory presence for a single relay process. */
export class LocalPresence implements Presence {
  #rooms = new Rooms();
  /** Peer id → holder. */
  #peers = new Map<string, { sid: string; keyHash: string }>();

  async join(room: string, peer: PeerClaim, name: string, max: number): Promise<PresenceJoin> {
    const { id, sid } = peer;
    const holder = this.#peers.get(id);
    let evicted: string | undefined;
    if (holder && holder.sid !== sid) {
      if (!peer.mayTakeOver || holder.keyHash === '' || holder.keyHash !== peer.keyHash) return { status: 'taken' };
      evicted = holder.sid;
    }
    const members = this.#rooms.map.get(room);
    const current = members?.get(id);
    if (!current && (members?.size ?? 0) >= max) return { status: 'full' };
    const peers: PresencePeer[] = [];
    for (const [pid, m] of members ?? []) if (pid !== id) peers.push({ id: pid, name: m.name });
    this.#peers.set(id, { sid, keyHash: peer.keyHash });
    this.#rooms.add(room, id, { sid, name });
    return { status: 'ok', peers, already: current?.sid === sid, ...(evicted === undefined ? {} : { evicted }) };
  }

  async leave(room: string, id: string, sid: string): Promise<boolean> {
    if (this.#rooms.map.get(room)?.get(id)?.sid !== sid) return false;
    this.#rooms.delete(room, id);
    return true;
  }

  async release(id: string, sid: string): Promise<void> {
    if (this.#peers.get(id)?.sid === sid) this.#peers.delete(id);
  }

  async has(room: string, id: string): Promise<boolean> {
    return this.#rooms.map.get(room)?.has(id) ?? false;
  }

  roomCount(): number {
    return this.#rooms.map.size;
  }

  async start(): Promise<void> {}

  async close(): Promise<void> {
    this.#rooms.map.clear();
    this.#peers.clear();
  }
}

/** The few Redis commands presence uses (a `redis` v4+ client has them). */
export interface RedisCommands {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  hExists(key: string, field: string): Promise<unknown>;
  sRem(key: string, member: string): Promise<unknown>;
  sMembers(key: string): Promise<string[]>;
  del(keys: string[]): Promise<unknown>;
}

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
const JOIN = `
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
const LEAVE = `
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
const RELEASE = `
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
const RESTORE = `
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
const SWEEP = `
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
const BEAT = `
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then return 1 end
return 0`;

/** Options of {@link RedisPresence}. */
export interface RedisPresenceOptions {
  /** Prefix of every key this store uses. */
  prefix: string;
  /** Heartbeat period; a process is declared dead after 3 missed beats. */
  heartbeatMs: number;
  /** Called with the members removed because their process died. */
  onSwept: (gone: { room: string; id: string }[]) => void;
  /** Error logger. */
  log: (line: string) => void;
}

/**
 * A removal to retry once Redis answers again: a `leave` or `release` that failed, or the
 * undoing of a `join` whose answer was lost (its script may have run).
 */
type Pending = { kind: 'leave'; room: string; id: string; sid: string } | { kind: 'release'; id: string; sid: string };

/** Removals kept for retrying at most (beyond that the oldest are dropped; a dead process's are swept anyway). */
const MAX_PENDING = 10_000;

/**
 * Whether a Redis command certainly never reached Redis (the client was offline or closed),
 * so nothing it would have written can be there.
 */
function neverSent(err: unknown): boolean {
  return err instanceof ClientOfflineError || err instanceof ClientClosedError;
}

/** An error's message, or its class name when it has none (node-redis's `TimeoutError`). */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.message || (err instanceof TimeoutError ? 'Redis command timed out' : err.constructor.name);
}

/**
 * Presence shared through Redis by every relay process.
 *
 * Give it a client that fails fast while Redis is unreachable (`disableOfflineQueue`, a
 * command timeout): every method then rejects at once instead of waiting for Redis, and
 * removals that failed (a leave, a release, a join whose answer was lost) are retried,
 * still conditionally, by the heartbeat once Redis answers again, so no stale member is
 * left behind by an outage.
 */
export class RedisPresence implements Presence {
  readonly procId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  #local = new Rooms();
  /** Peer ids claimed by this process's sockets → holder. */
  #peers = new Map<string, { sid: string; keyHash: string }>();
  /** Removals to retry, by a key naming what they remove. */
  #pending = new Map<string, Pending>();
  /** Joins waiting for Redis's answer, by `id` + `sid`: their room entries must not be undone meanwhile. */
  #joining = new Map<string, number>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #beating = false;
  /** The last heartbeat failure, while they go on. */
  #beatError: string | undefined;

  constructor(
    private readonly client: RedisCommands,
    private readonly opts: RedisPresenceOptions,
  ) {}

  #roomKey(room: string): string {
    return `${this.opts.prefix}room:${room}`;
  }
  #procKey(id = this.procId): string {
    return `${this.opts.prefix}proc:${id}`;
  }
  #procPeersKey(id = this.procId): string {
    return `${this.opts.prefix}procpeers:${id}`;
  }
  #peerKey(id: string): string {
    return `${this.opts.prefix}peer:${id}`;
  }
  #aliveKey(id = this.procId): string {
    return `${this.opts.prefix}alive:${id}`;
  }

  async join(room: string, peer: PeerClaim, name: string, max: number): Promise<PresenceJoin> {
    const { id, sid } = peer;
    const claim = `${id}\n${sid}`;
    this.#joining.set(claim, (this.#joining.get(claim) ?? 0) + 1);
    let reply: string[];
    try {
      reply = (await this.client.eval(JOIN, {
        keys: [this.#roomKey(room), this.#procKey(), this.#peerKey(id), this.#procPeersKey()],
        arguments: [id, name, String(max), JSON.stringify([room, id, sid]), sid, peer.keyHash, this.procId, peer.mayTakeOver ? '1' : '0'],
      })) as string[];
    } catch (err) {
      // Sent but not answered (timeout, connection lost): the script may have run. Undo it
      // once Redis answers again, unless a later join of this socket makes it true meanwhile.
      if (!neverSent(err)) {
        this.#defer({ kind: 'leave', room, id, sid });
        this.#defer({ kind: 'release', id, sid });
      }
      throw err;
    } finally {
      const n = this.#joining.get(claim)! - 1;
      if (n === 0) this.#joining.delete(claim);
      else this.#joining.set(claim, n);
    }
    if (reply[0] === 'full') return { status: 'full' };
    if (reply[0] === 'taken') return { status: 'taken' };
    const peers: PresencePeer[] = [];
    for (let i = 2; i + 1 < reply.length; i += 2) {
      const value = reply[i + 1]!;
      if (reply[i] !== id) peers.push({ id: reply[i]!, name: value.slice(value.indexOf('|') + 1) });
    }
    this.#peers.set(id, { sid, keyHash: peer.keyHash });
    this.#local.add(room, id, { sid, name });
    const evicted = reply[1];
    return { status: 'ok', peers, already: reply[0] === 'again', ...(evicted ? { evicted } : {}) };
  }

  async leave(room: string, id: string, sid: string): Promise<boolean> {
    if (this.#local.map.get(room)?.get(id)?.sid === sid) this.#local.delete(room, id);
    try {
      return await this.#leave(room, id, sid);
    } catch (err) {
      this.#defer({ kind: 'leave', room, id, sid });
      throw err;
    }
  }

  #leave(room: string, id: string, sid: string): Promise<boolean> {
    return this.client
      .eval(LEAVE, { keys: [this.#roomKey(room), this.#procKey()], arguments: [id, sid, JSON.stringify([room, id, sid])] })
      .then((reply) => reply === 1);
  }

  async release(id: string, sid: string): Promise<void> {
    if (this.#peers.get(id)?.sid === sid) this.#peers.delete(id);
    try {
      await this.#release(id, sid);
    } catch (err) {
      this.#defer({ kind: 'release', id, sid });
      throw err;
    }
  }

  async #release(id: string, sid: string): Promise<void> {
    await this.client.eval(RELEASE, { keys: [this.#peerKey(id), this.#procPeersKey()], arguments: [sid, id, this.procId] });
  }

  #defer(op: Pending): void {
    const key = JSON.stringify(op.kind === 'leave' ? [op.kind, op.room, op.id, op.sid] : [op.kind, op.id, op.sid]);
    this.#pending.delete(key);
    this.#pending.set(key, op);
    if (this.#pending.size > MAX_PENDING) {
      this.#pending.delete(this.#pending.keys().next().value!);
      this.opts.log('error presence: too many removals waiting for Redis; dropped the oldest');
    }
  }

  /**
   * Retries the removals that failed, in order, each still conditional on the socket
   * holding the entry in Redis. One whose entry this process holds again (the socket
   * re-joined) is dropped; one whose socket has a join in flight waits for the next beat.
   * Stops at the first failure (Redis gone again).
   */
  async #retryPending(): Promise<void> {
    for (const [key, op] of [...this.#pending]) {
      if (this.#joining.has(`${op.id}\n${op.sid}`)) continue;
      const live = op.kind === 'leave' ? this.#local.map.get(op.room)?.get(op.id)?.sid === op.sid : this.#peers.get(op.id)?.sid === op.sid;
      if (!live) {
        if (op.kind === 'leave') await this.#leave(op.room, op.id, op.sid);
        else await this.#release(op.id, op.sid);
      }
      if (this.#pending.get(key) === op) this.#pending.delete(key);
    }
  }

  async has(room: string, id: string): Promise<boolean> {
    const reply = await this.client.hExists(this.#roomKey(room), id);
    return reply === 1 || reply === true;
  }

  roomCount(): number {
    return this.#local.map.size;
  }

  async start(): Promise<void> {
    await this.#beat();
    this.#timer = setInterval(() => void this.#beat(), this.opts.heartbeatMs);
    this.#timer.unref();
  }

  /** Refreshes our heartbeat, restores our members if we were swept, and sweeps dead processes. */
  async #beat(): Promise<void> {
    if (this.#beating) return;
    this.#beating = true;
    try {
      const procs = `${this.opts.prefix}procs`;
      const swept = await this.client.eval(BEAT, {
        keys: [procs, this.#aliveKey()],
        arguments: [this.procId, String(this.opts.heartbeatMs * 3)],
      });
      if (swept === 1 && this.#local.map.size > 0) {
        // We stalled long enough to be declared dead: put our members back (unless taken over meanwhile).
        this.opts.log(`presence restored after a stall proc=${this.procId}`);
        for (const [room, members] of this.#local.map) {
          for (const [id, { sid, name }] of members) {
            await this.client.eval(RESTORE, {
              keys: [this.#roomKey(room), this.#procKey(), this.#peerKey(id), this.#procPeersKey()],
              arguments: [id, sid, name, JSON.stringify([room, id, sid]), this.#peers.get(id)?.keyHash ?? '', this.procId],
            });
          }
        }
      }
      if (this.#pending.size > 0) await this.#retryPending();
      for (const other of await this.client.sMembers(procs)) {
        if (other === this.procId) continue;
        const removed = (await this.client.eval(SWEEP, {
          keys: [procs, this.#aliveKey(other), this.#procKey(other), this.#procPeersKey(other)],
          arguments: [other, this.opts.prefix],
        })) as string[];
        if (removed.length === 0) continue;
        const gone = removed.map((entry) => {
          const [room, id] = JSON.parse(entry) as [string, string, string];
          return { room, id };
        });
        this.opts.log(`presence swept dead proc=${other} members=${gone.length}`);
        this.opts.onSwept(gone);
      }
      if (this.#beatError !== undefined) this.opts.log('presence heartbeat: Redis answers again');
      this.#beatError = undefined;
    } catch (err) {
      // While Redis is down every beat fails the same way: log it once, not every beat.
      const message = describeError(err);
      if (message !== this.#beatError) this.opts.log(`error presence heartbeat: ${message}`);
      this.#beatError = message;
    } finally {
      this.#beating = false;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    const entries = [...this.#local.map].flatMap(([room, members]) => [...members].map(([id, { sid }]) => ({ room, id, sid })));
    const peers = [...this.#peers];
    const pending = [...this.#pending.values()];
    this.#local.map.clear();
    this.#peers.clear();
    this.#pending.clear();
    const cleanUp = async () => {
      // Conditional removals: an entry or id taken over by a socket elsewhere stays.
      await Promise.all([
        ...entries.map(({ room, id, sid }) => this.#leave(room, id, sid)),
        ...peers.map(([id, { sid }]) => this.#release(id, sid)),
        ...pending.map((op) => (op.kind === 'leave' ? this.#leave(op.room, op.id, op.sid) : this.#release(op.id, op.sid))),
      ]);
      await this.client.del([this.#procKey(), this.#procPeersKey(), this.#aliveKey()]);
      await this.client.sRem(`${this.opts.prefix}procs`, this.procId);
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      // With Redis unreachable, give up after a while: survivors will sweep us anyway.
      await Promise.race([
        cleanUp(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('Redis did not answer')), 2000))),
      ]);
    } catch (err) {
      this.opts.log(`error presence close: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
