/**
 * The relay protocol's `join {room, name?, token?, key?, id?}` (CONTRACT section 6):
 * validation, the room grant, the peer id (derived from the key, `peer-id.ts`; fixed
 * at a socket's first join), the presence store's atomic check-and-add (capacity, id
 * takeover), and the answer: `peer-joined` to the room, `{ok, selfId, peers, iceServers?, sfu?}`
 * in the ack (`iceServers`: TURN credentials minted for this peer, when the relay has TURN;
 * `sfu`: the room on Janus and tokens for this peer, when it has `JANUS_URLS`).
 */
import type { JoinAck, SfuAccess } from '../src/transports/relay-protocol.js';
import {
  redisReady,
  RequestError,
  ROOM,
  roomsOf,
  safeAck,
  type Ack,
  type IoSocket,
  type RelayContext,
  type SocketState,
} from './context.js';
import { verifyToken } from './grants.js';
import { presenceDown } from './handlers.js';
import { quote } from './log.js';
import { hashKey, peerIdForKey } from './peer-id.js';
import type { PresenceJoin } from './presence.js';
import { mintIceServers } from './turn.js';
import { checkName, checkRoom, isPlainObject, own } from './validate.js';

const MAX_TOKEN_CHARS = 4096;
/** A peer id as sent with `id` (checked against its key). Never contains `:`, so it cannot name an internal room (`r:…`, `s:…`). */
const PEER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MIN_KEY_CHARS = 16;
const MAX_KEY_CHARS = 128;

/** A well-formed join request. */
interface JoinRequest {
  room: string;
  name: string;
  token: unknown;
  /** The peer id of the key, if the client sent one. */
  derived?: string;
  /** Hash of the key (`''`: none). */
  keyHash: string;
}

/** Validates a `join` payload (its shape only; the socket's state is checked by {@link onJoin}). */
function parseJoin(payload: unknown): JoinRequest {
  if (!isPlainObject(payload)) throw new RequestError('bad-request', 'join expects {room, name?, token?, id?, key?}');
  const room = checkRoom(own(payload, 'room'));
  if (room === null) throw new RequestError('bad-request', 'room must be a string of 1 to 128 characters');
  const name = checkName(own(payload, 'name'));
  if (name === null) throw new RequestError('bad-request', 'name must be a string of at most 64 characters');
  const token = own(payload, 'token');
  if (token !== undefined && (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS)) {
    throw new RequestError('bad-request', 'token must be a string');
  }
  const proposed = own(payload, 'id');
  const key = own(payload, 'key');
  if (proposed !== undefined && key === undefined) throw new RequestError('bad-request', 'id needs its key (or send only key)');
  if (key !== undefined && (typeof key !== 'string' || key.length < MIN_KEY_CHARS || key.length > MAX_KEY_CHARS)) {
    throw new RequestError('bad-request', `key must be a string of ${MIN_KEY_CHARS} to ${MAX_KEY_CHARS} characters`);
  }
  if (proposed !== undefined && (typeof proposed !== 'string' || !PEER_ID.test(proposed))) {
    throw new RequestError('bad-request', 'id must be 1 to 64 characters of A-Z a-z 0-9 _ -');
  }
  // The peer id of a key is a function of the key: only the key's holder can be known by it.
  const derived = typeof key === 'string' ? peerIdForKey(key) : undefined;
  if (proposed !== undefined && proposed !== derived) {
    throw new RequestError('bad-request', 'id is not the peer id of this key (send only key; the ack gives the peer id)');
  }
  return { room, name, token, derived, keyHash: typeof key === 'string' ? hashKey(key) : '' };
}

/** Handles `join`: answers the ack, or throws a {@link RequestError}. */
export async function onJoin(
  ctx: RelayContext,
  socket: IoSocket,
  state: SocketState,
  payload: unknown,
  ack: Ack | undefined,
  secret: Uint8Array | undefined,
): Promise<void> {
  const { room, name, token, derived, keyHash } = parseJoin(payload);
  // One peer id per socket: its key's on its first join (else its own id), for all its rooms.
  // A later join may omit the key; if it sends one, it must be the same.
  const fixed = state.peerId ?? state.claiming;
  const id = derived ?? fixed ?? socket.id;
  if (fixed !== undefined && id !== fixed) throw new RequestError('bad-request', 'This connection already joined under another peer id');
  if (derived !== undefined && fixed !== undefined && keyHash !== state.keyHash) {
    throw new RequestError('bad-request', 'This connection already joined with another key');
  }
  // Another connected socket's own id (a stranger cannot know it before that socket joins).
  if (fixed === undefined && id !== socket.id && ctx.states.has(id)) throw new RequestError('bad-request', 'That peer id is in use');
  if (state.joining.has(room)) throw new RequestError('bad-request', 'a join of this room is already in progress');
  const isNew = !state.rooms.has(room);
  if (isNew && roomsOf(state) >= ctx.limits.maxRoomsPerSocket) {
    throw new RequestError('bad-request', `a socket may be in at most ${ctx.limits.maxRoomsPerSocket} rooms`);
  }
  const first = state.peerId === undefined;
  if (first) {
    state.claiming = id;
    state.keyHash = keyHash;
  }
  state.joining.add(room);
  try {
    if (secret) await verifyToken(secret, token, room);
    if (!socket.connected) return;
    socket.join(ROOM(room));
    const result = await presenceJoin(ctx, socket, state, { room, name, id, isNew, first });
    await recordJoin(ctx, socket, state, { room, name, id, isNew }, result, ack);
  } finally {
    state.joining.delete(room);
    if (state.joining.size === 0) state.claiming = undefined;
    if (state.peerId === undefined && state.claiming === undefined) state.keyHash = '';
  }
}

interface Joining {
  room: string;
  name: string;
  id: string;
  /** The socket was not in the room before. */
  isNew: boolean;
}

/** The presence store's check-and-add; a refusal (full, id held) or a store failure undoes the Socket.IO room. */
async function presenceJoin(
  ctx: RelayContext,
  socket: IoSocket,
  state: SocketState,
  { room, name, id, isNew, first }: Joining & { first: boolean },
): Promise<Extract<PresenceJoin, { status: 'ok' }>> {
  let result;
  try {
    // Every Redis connection of ours must be up, not only presence's: a join whose
    // `peer-joined` could not be published would leave the other processes unaware of it.
    if (!redisReady(ctx)) throw new Error('Redis connection not ready');
    result = await ctx.presence.join(room, { id, sid: socket.id, keyHash: state.keyHash, mayTakeOver: first }, name, ctx.maxPeers);
  } catch (e) {
    if (isNew) socket.leave(ROOM(room));
    throw presenceDown(e);
  }
  if (result.status !== 'ok') {
    if (isNew) socket.leave(ROOM(room));
    if (result.status === 'full') throw new RequestError('room-full', `Room is full (at most ${ctx.maxPeers} peers)`);
    throw new RequestError('bad-request', 'That peer id is in use');
  }
  return result;
}

/** A join the store accepted: fix the peer id, evict its previous holder, tell the room, answer. */
async function recordJoin(
  ctx: RelayContext,
  socket: IoSocket,
  state: SocketState,
  { room, name, id, isNew }: Joining,
  result: Extract<PresenceJoin, { status: 'ok' }>,
  ack: Ack | undefined,
): Promise<void> {
  if (state.peerId === undefined) {
    state.peerId = id;
    ctx.byPeer.set(id, state);
    // Signals to the id go to the room named after it: a socket's own room, or this one.
    if (id !== socket.id) socket.join(id);
  }
  // The client proved the key: the old connection goes even if this one dropped meanwhile.
  if (result.evicted !== undefined) evict(ctx, result.evicted, id);
  if (!socket.connected) {
    // Its disconnect handler ran before this room was recorded: undo what it could not.
    if (await ctx.presence.leave(room, id, socket.id)) ctx.io.to(ROOM(room)).emit('peer-left', { id });
    if (ctx.byPeer.get(id) === state) ctx.byPeer.delete(id);
    await ctx.presence.release(id, socket.id);
    return;
  }
  state.rooms.set(room, name);
  // (`already` with a room this socket is not in: an earlier join whose answer Redis
  // never gave did write the entry; the room has not heard of it yet.)
  if (!result.already || isNew) {
    socket.to(ROOM(room)).emit('peer-joined', { id, name });
    const how = result.evicted !== undefined ? ' resumed' : '';
    ctx.log(`join room=${quote(room)} id=${id} peers=${result.peers.length}${how}`);
  }
  // TURN credentials and SFU tokens minted for this peer alone, only once it is admitted (never logged).
  const sfu = await admitSfu(ctx, room, id);
  const answer: JoinAck = {
    ok: true,
    selfId: id,
    peers: result.peers,
    ...(ctx.turn ? { iceServers: mintIceServers(ctx.turn, id) } : {}),
    ...(sfu ? { sfu } : {}),
  };
  if (ack) safeAck(ack, answer);
}

/**
 * The room on its Janus, and tokens for this peer (when the relay has `JANUS_URLS`). Janus out
 * of reach is no reason to refuse the join: the peer gets no `sfu` (its room stays a mesh) and
 * may ask again with `sfu-refresh`.
 */
async function admitSfu(ctx: RelayContext, room: string, id: string): Promise<SfuAccess | undefined> {
  if (!ctx.janus) return undefined;
  try {
    return await ctx.janus.admit(room, { maxPeers: ctx.maxPeers });
  } catch (e) {
    ctx.log(`error id=${id} event=join code=sfu ${(e as Error).message}`);
    return undefined;
  }
}

/**
 * Disconnects the socket that held `id` before a takeover, wherever it is (through the
 * adapter in Redis mode). Its rooms' entries already name the new holder, so its
 * departure announces nothing there.
 */
function evict(ctx: RelayContext, sid: string, id: string): void {
  ctx.log(`evict id=${id} reason=resumed`);
  ctx.io.in(sid).disconnectSockets(true);
}
