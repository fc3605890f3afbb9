/**
 * Presence shared through Redis by every relay process attached to it (the
 * {@link Presence} interface and the in-memory store are in `presence.ts`; the Lua
 * scripts in `presence-redis-scripts.ts`). Each process keeps a heartbeat key with
 * a TTL; survivors sweep the members of a process whose heartbeat expired (it
 * crashed or was killed and could not say goodbye) and announce `peer-left` for
 * them. Room entries and id records name the socket holding them, so removals never
 * undo what a socket that took an id over (possibly on another process) wrote.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ClientClosedError, ClientOfflineError, TimeoutError } from 'redis';
import { Rooms, type PeerClaim, type Presence, type PresenceJoin, type PresencePeer } from './presence.js';
import { BEAT, JOIN, LEAVE, RELEASE, RESTORE, SWEEP } from './presence-redis-scripts.js';

/** The few Redis commands presence uses (a `redis` v4+ client has them). */
export interface RedisCommands {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  hExists(key: string, field: string): Promise<unknown>;
  hLen(key: string): Promise<number>;
  sRem(key: string, member: string): Promise<unknown>;
  sMembers(key: string): Promise<string[]>;
  del(keys: string[]): Promise<unknown>;
}

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

/** `command`, or a {@link PresenceTimeoutError} if Redis has not answered it within `ms` (the command itself may still run). */
export function timed<T>(command: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PresenceTimeoutError(ms)), ms);
  });
  return Promise.race([command, deadline]).finally(() => clearTimeout(timer));
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
    return timed(command, this.#commandTimeoutMs);
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
        const live =
          op.kind === 'leave' ? this.#local.map.get(op.room)?.get(op.id)?.sid === op.sid : this.#peers.get(op.id)?.sid === op.sid;
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

  async size(room: string): Promise<number> {
    return Number(await this.#timed(this.client.hLen(this.#roomKey(room))));
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
