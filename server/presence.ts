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
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** A member of a room. */
export interface PresencePeer {
  id: string;
  name: string;
}

/** Outcome of {@link Presence.join}. */
export type PresenceJoin =
  | { full: true }
  | {
      full: false;
      /** Members before this join, without the joiner. */
      peers: PresencePeer[];
      /** The joiner was already a member (a repeated join). */
      already: boolean;
    };

/** A room membership store. Methods reject only when the backing store fails. */
export interface Presence {
  /** Adds `id` to `room` unless the room already has `max` members. */
  join(room: string, id: string, name: string, max: number): Promise<PresenceJoin>;
  /** Removes `id` from `room` (no-op when absent). */
  leave(room: string, id: string): Promise<void>;
  /** Whether `id` is a member of `room`. */
  has(room: string, id: string): Promise<boolean>;
  /** Number of rooms with members (this process's view for Redis: rooms with a local member). */
  roomCount(): number;
  /** Starts background work (heartbeats). */
  start(): Promise<void>;
  /** Removes this process's members and stops background work. */
  close(): Promise<void>;
}

/** Members indexed room → id → name. */
class Rooms {
  readonly map = new Map<string, Map<string, string>>();
  add(room: string, id: string, name: string): void {
    let members = this.map.get(room);
    if (!members) this.map.set(room, (members = new Map()));
    members.set(id, name);
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

  async join(room: string, id: string, name: string, max: number): Promise<PresenceJoin> {
    const members = this.#rooms.map.get(room);
    const already = members?.has(id) ?? false;
    if (!already && (members?.size ?? 0) >= max) return { full: true };
    const peers = [...(members ?? [])].filter(([pid]) => pid !== id).map(([pid, pname]) => ({ id: pid, name: pname }));
    this.#rooms.add(room, id, name);
    return { full: false, peers, already };
  }

  async leave(room: string, id: string): Promise<void> {
    this.#rooms.delete(room, id);
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
  }
}

/** The few Redis commands presence uses (a `redis` v4+ client has them). */
export interface RedisCommands {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  hExists(key: string, field: string): Promise<unknown>;
  hSet(key: string, field: string, value: string): Promise<unknown>;
  hDel(key: string, field: string): Promise<unknown>;
  sAdd(key: string, member: string): Promise<unknown>;
  sRem(key: string, member: string): Promise<unknown>;
  sMembers(key: string): Promise<string[]>;
  del(keys: string[]): Promise<unknown>;
}

// KEYS: room hash, this process's member set. ARGV: id, name, max, member entry.
// Returns {status, id1, name1, id2, name2, ...} with status 'full' | 'new' | 'again'.
const JOIN = `
local again = redis.call('HEXISTS', KEYS[1], ARGV[1])
if again == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return {'full'} end
local all = redis.call('HGETALL', KEYS[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[4])
table.insert(all, 1, again == 1 and 'again' or 'new')
return all`;

// KEYS: room hash, this process's member set. ARGV: id, member entry.
const LEAVE = `
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
return 1`;

// KEYS: process set, dead process's heartbeat key, dead process's member set.
// ARGV: dead process id, key prefix. Returns the member entries removed.
// Atomic, so exactly one survivor announces each departure.
const SWEEP = `
if redis.call('EXISTS', KEYS[2]) == 1 then return {} end
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return {} end
local removed = {}
for _, m in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  local e = cjson.decode(m)
  if redis.call('HDEL', ARGV[2] .. 'room:' .. e[1], e[2]) == 1 then table.insert(removed, m) end
end
redis.call('DEL', KEYS[3])
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

/** Presence shared through Redis by every relay process. */
export class RedisPresence implements Presence {
  readonly procId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  #local = new Rooms();
  #timer: ReturnType<typeof setInterval> | undefined;
  #beating = false;

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
  #aliveKey(id = this.procId): string {
    return `${this.opts.prefix}alive:${id}`;
  }

  async join(room: string, id: string, name: string, max: number): Promise<PresenceJoin> {
    const reply = (await this.client.eval(JOIN, {
      keys: [this.#roomKey(room), this.#procKey()],
      arguments: [id, name, String(max), JSON.stringify([room, id])],
    })) as string[];
    if (reply[0] === 'full') return { full: true };
    const peers: PresencePeer[] = [];
    for (let i = 1; i + 1 < reply.length; i += 2) {
      if (reply[i] !== id) peers.push({ id: reply[i]!, name: reply[i + 1]! });
    }
    this.#local.add(room, id, name);
    return { full: false, peers, already: reply[0] === 'again' };
  }

  async leave(room: string, id: string): Promise<void> {
    this.#local.delete(room, id);
    await this.client.eval(LEAVE, {
      keys: [this.#roomKey(room), this.#procKey()],
      arguments: [id, JSON.stringify([room, id])],
    });
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
        // We stalled long enough to be declared dead: put our members back.
        this.opts.log(`presence restored after a stall proc=${this.procId}`);
        for (const [room, members] of this.#local.map) {
          for (const [id, name] of members) {
            await this.client.hSet(this.#roomKey(room), id, name);
            await this.client.sAdd(this.#procKey(), JSON.stringify([room, id]));
          }
        }
      }
      for (const other of await this.client.sMembers(procs)) {
        if (other === this.procId) continue;
        const removed = (await this.client.eval(SWEEP, {
          keys: [procs, this.#aliveKey(other), this.#procKey(other)],
          arguments: [other, this.opts.prefix],
        })) as string[];
        if (removed.length === 0) continue;
        const gone = removed.map((entry) => {
          const [room, id] = JSON.parse(entry) as [string, string];
          return { room, id };
        });
        this.opts.log(`presence swept dead proc=${other} members=${gone.length}`);
        this.opts.onSwept(gone);
      }
    } catch (err) {
      this.opts.log(`error presence heartbeat: ${(err as Error).message}`);
    } finally {
      this.#beating = false;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    const entries = [...this.#local.map].flatMap(([room, members]) => [...members.keys()].map((id) => ({ room, id })));
    this.#local.map.clear();
    const cleanUp = async () => {
      await Promise.all(entries.map(({ room, id }) => this.client.hDel(this.#roomKey(room), id)));
      await this.client.del([this.#procKey(), this.#aliveKey()]);
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
