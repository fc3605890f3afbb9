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
  /**
   * How long a command may wait for Redis's answer before it fails (default 2000 ms).
   * Counted by this store, so it holds for a command already written to a Redis that
   * stopped answering (stalled, or a silent network cut), which the client's own timeout
   * does not cover.
   */
  commandTimeoutMs?: number;
  /**
   * Called with members removed from Redis without their room having heard of it: those of
   * a process that died (`relay-process-gone`), and those removed by a retried removal
   * after Redis was out of reach (`retried`: a departure whose `peer-left` could not reach
   * other processes then, or a join whose answer was lost). Announce `peer-left` for them.
   */
  onGone: (gone: { room: string; id: string }[], reason: 'relay-process-gone' | 'retried') => void;
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
 * Removals retried per heartbeat at most, so a long backlog drains over several beats
 * instead of holding one beat's work for minutes (the liveness refresh runs every beat anyway).
 */
const MAX_RETRIES_PER_BEAT = 100;

/** A Redis command that got no answer within {@link RedisPresenceOptions.commandTimeoutMs} (it may still run). */
export class PresenceTimeoutError extends Error {
  constructor(ms: number) {
    super(`Redis did not answer within ${ms} ms`);
    this.name = 'PresenceTimeoutError';
  }
}

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
  /** A liveness refresh is waiting for Redis. */
  #refreshing = false;
  /** The rest of a beat (restore, retries, sweeps) is running. */
  #maintaining = false;
  /** Our members must be put back: a refresh found that we had been swept. */
  #mustRestore = false;
  /** The last heartbeat failure, while they go on. */
  #beatError: string | undefined;
  readonly #commandTimeoutMs: number;

  constructor(
    private readonly client: RedisCommands,
    private readonly opts: RedisPresenceOptions,
  ) {
    this.#commandTimeoutMs = opts.commandTimeoutMs ?? 2000;
  }

  /**
   * `command`, or a {@link PresenceTimeoutError} if Redis has not answered it in time. The
   * command itself is not cancelled (once written, it may still run): callers treat a
   * timeout like a lost answer.
   */
  #timed<T>(command: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PresenceTimeoutError(this.#commandTimeoutMs)), this.#commandTimeoutMs);
    });
    return Promise.race([command, deadline]).finally(() => clearTimeout(timer));
  }

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
      const command = this.client.eval(JOIN, {
        keys: [this.#roomKey(room), this.#procKey(), this.#peerKey(id), this.#procPeersKey()],
        arguments: [id, name, String(max), JSON.stringify([room, id, sid]), sid, peer.keyHash, this.procId, peer.mayTakeOver ? '1' : '0'],
      });
      reply = (await this.#timed(command)) as string[];
    } catch (err) {
      // Sent but not answered (our deadline, a timeout, the connection lost): the script may
      // have run, or may still run once a stalled Redis goes on (after the removals queued
      // here: one connection keeps the order). Undo it once Redis answers again, unless a
      // later join of this socket makes it true meanwhile.
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
    return this.#timed(
      this.client.eval(LEAVE, { keys: [this.#roomKey(room), this.#procKey()], arguments: [id, sid, JSON.stringify([room, id, sid])] }),
    ).then((reply) => reply === 1);
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
    await this.#timed(this.client.eval(RELEASE, { keys: [this.#peerKey(id), this.#procPeersKey()], arguments: [sid, id, this.procId] }));
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
   * Retries the removals that failed, oldest first, at most {@link MAX_RETRIES_PER_BEAT}
   * per beat, each still conditional on the socket holding the entry in Redis. One whose
   * entry this process holds again (the socket re-joined) is dropped; one whose socket has a
   * join in flight waits for a later beat. A room entry it did remove was never announced
   * gone to the other processes (or was never announced at all): it is announced now.
   * Stops at the first failure (Redis gone again).
   */
  async #retryPending(): Promise<void> {
    let sent = 0;
    const gone: { room: string; id: string }[] = [];
    try {
      for (const [key, op] of this.#pending) {
        if (sent >= MAX_RETRIES_PER_BEAT) break;
        if (this.#joining.has(`${op.id}\n${op.sid}`)) continue;
        const live = op.kind === 'leave' ? this.#local.map.get(op.room)?.get(op.id)?.sid === op.sid : this.#peers.get(op.id)?.sid === op.sid;
        if (!live) {
          sent++;
          if (op.kind === 'release') await this.#release(op.id, op.sid);
          else if (await this.#leave(op.room, op.id, op.sid)) gone.push({ room: op.room, id: op.id });
        }
        if (this.#pending.get(key) === op) this.#pending.delete(key);
      }
    } finally {
      if (gone.length > 0) this.opts.onGone(gone, 'retried');
    }
  }

  async has(room: string, id: string): Promise<boolean> {
    const reply = await this.#timed(this.client.hExists(this.#roomKey(room), id));
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

  /**
   * One heartbeat: first our own liveness (every beat, whatever else is still running, so a
   * long backlog of retried removals never gets us declared dead), then, unless the previous
   * beat's is still running, the rest: our members put back if we had been swept, failed
   * removals retried, dead processes swept. Every command has a deadline, so a stalled Redis
   * never wedges the heartbeat.
   */
  async #beat(): Promise<void> {
    if (this.#refreshing) return;
    this.#refreshing = true;
    const procs = `${this.opts.prefix}procs`;
    try {
      const swept = await this.#timed(
        this.client.eval(BEAT, { keys: [procs, this.#aliveKey()], arguments: [this.procId, String(this.opts.heartbeatMs * 3)] }),
      );
      if (swept === 1 && this.#local.map.size > 0) this.#mustRestore = true;
    } catch (err) {
      this.#beatFailed(err);
      return;
    } finally {
      this.#refreshing = false;
    }
    if (this.#maintaining) return;
    this.#maintaining = true;
    try {
      if (this.#mustRestore) await this.#restore();
      if (this.#pending.size > 0) await this.#retryPending();
      await this.#sweep(procs);
      if (this.#beatError !== undefined) this.opts.log('presence heartbeat: Redis answers again');
      this.#beatError = undefined;
    } catch (err) {
      this.#beatFailed(err);
    } finally {
      this.#maintaining = false;
    }
  }

  #beatFailed(err: unknown): void {
    // While Redis is down every beat fails the same way: log it once, not every beat.
    const message = describeError(err);
    if (message !== this.#beatError) this.opts.log(`error presence heartbeat: ${message}`);
    this.#beatError = message;
  }

  /** We stalled long enough to be declared dead: put our members back (unless taken over meanwhile). */
  async #restore(): Promise<void> {
    this.opts.log(`presence restored after a stall proc=${this.procId}`);
    for (const [room, members] of [...this.#local.map]) {
      for (const [id, { sid, name }] of [...members]) {
        await this.#timed(
          this.client.eval(RESTORE, {
            keys: [this.#roomKey(room), this.#procKey(), this.#peerKey(id), this.#procPeersKey()],
            arguments: [id, sid, name, JSON.stringify([room, id, sid]), this.#peers.get(id)?.keyHash ?? '', this.procId],
          }),
        );
      }
    }
    this.#mustRestore = false;
  }

  /** Removes the members of processes whose heartbeat expired, and has them announced. */
  async #sweep(procs: string): Promise<void> {
    for (const other of await this.#timed(this.client.sMembers(procs))) {
      if (other === this.procId) continue;
      // Announced whenever the sweep's answer comes, even after our deadline: the script
      // removed them either way, and exactly one process gets them back.
      const sweep = this.client
        .eval(SWEEP, {
          keys: [procs, this.#aliveKey(other), this.#procKey(other), this.#procPeersKey(other)],
          arguments: [other, this.opts.prefix],
        })
        .then((removed) => {
          if ((removed as string[]).length === 0) return;
          const gone = (removed as string[]).map((entry) => {
            const [room, id] = JSON.parse(entry) as [string, string, string];
            return { room, id };
          });
          this.opts.log(`presence swept dead proc=${other} members=${gone.length}`);
          this.opts.onGone(gone, 'relay-process-gone');
        });
      await this.#timed(sweep);
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
