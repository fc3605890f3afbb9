/**
 * The relay protocol (CONTRACT section 6) on one socket: `join` (`relay-join.ts`),
 * `signal {to, data}` (delivered as `{from, data}` only to a peer sharing a room with
 * the sender), `leave {room}`, and the socket's departure (`peer-left` to its rooms,
 * its peer id released). Rooms are the internal Socket.IO rooms `r:<room>`, members
 * in the presence store.
 */
import type { SimpleAck } from '../src/transports/relay-protocol.js';
import { redisReady, RequestError, ROOM, safeAck, type Ack, type IoSocket, type RelayContext, type SocketState } from './context.js';
import { handle, presenceDown } from './handlers.js';
import { quote } from './log.js';
import { onJoin } from './relay-join.js';
import { checkRoom, isPlainObject, measureJson, own } from './validate.js';

const MAX_PEER_ID_CHARS = 64;
const OK: SimpleAck = { ok: true };

/** Registers the relay protocol's handlers on a new socket. `secret`: room grants are required. */
export function registerRelayHandlers(ctx: RelayContext, socket: IoSocket, state: SocketState, secret: Uint8Array | undefined): void {
  handle(ctx, socket, state, 'join', (payload, ack) => onJoin(ctx, socket, state, payload, ack, secret));
  handle(ctx, socket, state, 'signal', (payload, ack) => onSignal(ctx, socket, state, payload, ack));
  handle(ctx, socket, state, 'leave', (payload, ack) => onLeave(ctx, socket, state, payload, ack));
  handle(ctx, socket, state, 'sfu-refresh', (payload, ack) => onSfuRefresh(ctx, state, payload, ack));
  handle(ctx, socket, state, 'probe', (_payload, ack) => ack && safeAck(ack, OK));
  socket.on('disconnect', (reason) => onDisconnect(ctx, socket, state, reason));
}

function onSignal(ctx: RelayContext, socket: IoSocket, state: SocketState, payload: unknown, ack: Ack | undefined): Promise<void> | void {
  if (!isPlainObject(payload)) throw new RequestError('bad-request', 'signal expects {to, data}');
  const to = own(payload, 'to');
  // Socket ids are base64url; anything else (a room key such as `r:x`, say) is never a peer.
  if (typeof to !== 'string' || to.length > MAX_PEER_ID_CHARS || !/^[\w-]+$/.test(to)) {
    throw new RequestError('bad-request', 'to must be a peer id');
  }
  const data = own(payload, 'data');
  const size = measureJson(data, ctx.limits.maxMessageBytes, ctx.limits.maxDepth);
  if (!size.ok) throw new RequestError('bad-request', size.message);
  if (to === (state.peerId ?? socket.id)) throw new RequestError('bad-request', 'cannot signal oneself');
  // An addressee connected to this process: its own rooms (set once its presence join is
  // done, cleared before its presence leave) answer at once, without a promise per signal
  // or, with Redis, a round trip. Only addressees on other processes need the presence store.
  const local = ctx.byPeer.get(to);
  if (local) {
    for (const room of state.rooms.keys()) {
      if (local.rooms.has(room)) return forwardSignal(ctx, socket, state, to, data, ack);
    }
    throw new RequestError('not-joined', 'No such peer in your rooms');
  }
  return signalRemote(ctx, socket, state, to, data, ack);
}

async function signalRemote(
  ctx: RelayContext,
  socket: IoSocket,
  state: SocketState,
  to: string,
  data: unknown,
  ack: Ack | undefined,
): Promise<void> {
  let shared = false;
  try {
    // Publishing is how it would reach the other process.
    if (!redisReady(ctx)) throw new Error('Redis connection not ready');
    for (const room of state.rooms.keys()) {
      if (await ctx.presence.has(room, to)) {
        shared = true;
        break;
      }
    }
  } catch (e) {
    throw presenceDown(e);
  }
  if (!shared) throw new RequestError('not-joined', 'No such peer in your rooms');
  forwardSignal(ctx, socket, state, to, data, ack);
}

function forwardSignal(ctx: RelayContext, socket: IoSocket, state: SocketState, to: string, data: unknown, ack: Ack | undefined): void {
  if (!socket.connected) return;
  ctx.io.to(to).emit('signal', { from: state.peerId!, data });
  if (ack) safeAck(ack, OK);
}

async function onLeave(ctx: RelayContext, socket: IoSocket, state: SocketState, payload: unknown, ack: Ack | undefined): Promise<void> {
  if (!isPlainObject(payload)) throw new RequestError('bad-request', 'leave expects {room}');
  const room = checkRoom(own(payload, 'room'));
  if (room === null) throw new RequestError('bad-request', 'room must be a string of 1 to 128 characters');
  if (!state.rooms.has(room)) throw new RequestError('not-joined', 'Not in that room');
  state.rooms.delete(room);
  socket.leave(ROOM(room));
  await departed(ctx, socket, state.peerId!, room, 'reason=leave');
  if (ack) safeAck(ack, OK);
}

/**
 * `sfu-refresh {room}`: fresh SFU tokens for a room this socket is in; the room is made again on
 * Janus if it is gone (a Janus restart, or destroyed while the room was empty on Janus).
 */
async function onSfuRefresh(ctx: RelayContext, state: SocketState, payload: unknown, ack: Ack | undefined): Promise<void> {
  if (!isPlainObject(payload)) throw new RequestError('bad-request', 'sfu-refresh expects {room}');
  const room = checkRoom(own(payload, 'room'));
  if (room === null) throw new RequestError('bad-request', 'room must be a string of 1 to 128 characters');
  if (!state.rooms.has(room)) throw new RequestError('not-joined', 'Not in that room');
  if (!ctx.janus) throw new RequestError('bad-config', 'This relay offers no SFU');
  let sfu;
  try {
    sfu = await ctx.janus.admit(room, { maxPeers: ctx.maxPeers, fresh: true });
  } catch (e) {
    throw new RequestError('transport', 'The SFU cannot be reached right now; try again shortly', (e as Error).message);
  }
  if (ack) safeAck(ack, { ok: true, sfu });
}

/** The socket is gone: its rooms hear `peer-left`, its peer id is released. */
function onDisconnect(ctx: RelayContext, socket: IoSocket, state: SocketState, reason: string): void {
  const id = state.peerId;
  if (id === undefined) return;
  for (const room of state.rooms.keys()) void departed(ctx, socket, id, room, `reason=${reason}`);
  state.rooms.clear();
  if (ctx.byPeer.get(id) === state) ctx.byPeer.delete(id);
  ctx.presence
    .release(id, socket.id)
    .catch((e: unknown) => ctx.log(`error id=${id} event=disconnect code=transport ${(e as Error).message}`));
}

/**
 * Removes a member from presence and tells the room, unless its entry now belongs to
 * another socket that took the peer id over (then the id is still there: say nothing).
 */
async function departed(ctx: RelayContext, socket: IoSocket, id: string, room: string, why: string): Promise<void> {
  let gone = true;
  try {
    gone = await ctx.presence.leave(room, id, socket.id);
  } catch (e) {
    ctx.log(`error id=${id} event=leave code=transport ${(e as Error).message}`);
  }
  if (!gone) {
    ctx.log(`leave room=${quote(room)} id=${id} ${why} taken-over`);
    return;
  }
  ctx.io.to(ROOM(room)).except(socket.id).emit('peer-left', { id });
  ctx.log(`leave room=${quote(room)} id=${id} ${why}`);
  void releaseSfu(ctx, room);
}

/**
 * Nobody is left in `room`: destroy it on Janus. Not while this process has members there, nor
 * while the presence store lists members of other relay processes (on the mesh, they may move to
 * the SFU later): the last process to lose its members does it. With the store out of reach, as
 * before it knew: release() still leaves the room alone while Janus lists participants, and a
 * peer that finds it gone later asks again (`sfu-refresh`), which makes it again.
 */
export async function releaseSfu(ctx: RelayContext, room: string): Promise<void> {
  const janus = ctx.janus;
  if (!janus || (ctx.io.sockets.adapter.rooms.get(ROOM(room))?.size ?? 0) > 0) return;
  const elsewhere = await ctx.presence.size(room).catch(() => 0);
  if (elsewhere > 0) return ctx.log(`janus keep room=${quote(room)} members=${elsewhere}`);
  await janus.release(room).catch((e: unknown) => ctx.log(`error event=leave code=sfu ${(e as Error).message}`));
}
