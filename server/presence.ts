/**
 * Who is in which room, for the relay's own protocol (`join` / `peer-joined` /
 * `peer-left`). Two stores behind one interface:
 *
 * - {@link LocalPresence}: in memory, one process.
 * - {@link RedisPresence} (`presence-redis.ts`): in Redis, shared by every relay process attached to
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
  /** How many members `room` has, on every relay process. */
  size(room: string): Promise<number>;
  /** Number of rooms with members (this process's view for Redis: rooms with a local member). */
  roomCount(): number;
  /** Starts background work (heartbeats). */
  start(): Promise<void>;
  /** Removes this process's members and stops background work. */
  close(): Promise<void>;
}

/** A room entry: the holding socket and the display name. */
export interface Member {
  sid: string;
  name: string;
}

/** Members indexed room → id → member. */
export class Rooms {
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

  async size(room: string): Promise<number> {
    return this.#rooms.map.get(room)?.size ?? 0;
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
