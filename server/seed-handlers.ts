/**
 * The seed tutorial's protocol, spoken unchanged on the same sockets: `join-room`
 * (a bare room string) makes the others in that room receive `user-joined`;
 * `offer` / `answer` / `ice-candidate` / `chat-message` with `{roomId, <field>}` are
 * forwarded to the others in that room as the bare inner value, only if the sender
 * joined it. Rooms are the internal Socket.IO rooms `s:<room>` (never the relay
 * protocol's), counted on this process only (the seed protocol has no presence store).
 */
import { RequestError, roomsOf, safeAck, SEED_ROOM, type IoSocket, type RelayContext, type SocketState } from './context.js';
import { handle } from './handlers.js';
import { quote } from './log.js';
import { checkRoom, isPlainObject, measureJson, own } from './validate.js';

/** The forwarded events and the field of `{roomId, ...}` each carries. */
const SEED_EVENTS = { offer: 'offer', answer: 'answer', 'ice-candidate': 'candidate', 'chat-message': 'message' } as const;
type SeedEvent = keyof typeof SEED_EVENTS;

/**
 * Registers the seed protocol's handlers on a new socket. `enabled` false (room grants are
 * required): `join-room` is refused with `unauthorized`, so nothing can be forwarded either.
 * The seed protocol has no acks; one passed anyway learns the outcome.
 */
export function registerSeedHandlers(ctx: RelayContext, socket: IoSocket, state: SocketState, enabled: boolean): void {
  handle(ctx, socket, state, 'join-room', (payload, ack) => {
    onSeedJoin(ctx, socket, state, payload, enabled);
    if (ack) safeAck(ack, { ok: true });
  });
  for (const event of Object.keys(SEED_EVENTS) as SeedEvent[]) {
    handle(ctx, socket, state, event, (payload, ack) => {
      onSeedForward(ctx, socket, event, payload);
      if (ack) safeAck(ack, { ok: true });
    });
  }
  socket.on('disconnect', (reason) => {
    for (const room of state.seedRooms) ctx.log(`leave room=${quote(room)} id=${socket.id} seed reason=${reason}`);
  });
}

function onSeedJoin(ctx: RelayContext, socket: IoSocket, state: SocketState, payload: unknown, enabled: boolean): void {
  if (!enabled) throw new RequestError('unauthorized', 'This relay requires room tokens; use `join`');
  const room = checkRoom(payload);
  if (room === null) throw new RequestError('bad-request', 'join-room expects a room string of 1 to 128 characters');
  if (state.seedRooms.has(room)) return;
  const { limits, maxPeers } = ctx;
  if (roomsOf(state) >= limits.maxRoomsPerSocket) {
    throw new RequestError('bad-request', `a socket may be in at most ${limits.maxRoomsPerSocket} rooms`);
  }
  // Counted on this process only: the seed protocol has no presence store. With REDIS_URL a
  // seed room may hold up to maxPeers per process (documented in docs/relay.md).
  const size = ctx.io.of('/').adapter.rooms.get(SEED_ROOM(room))?.size ?? 0;
  if (size >= maxPeers) throw new RequestError('room-full', `Room is full (at most ${maxPeers} peers)`);
  state.seedRooms.add(room);
  socket.join(SEED_ROOM(room));
  socket.to(SEED_ROOM(room)).emit('user-joined');
  ctx.log(`join room=${quote(room)} id=${socket.id} seed peers=${size}`);
}

function onSeedForward(ctx: RelayContext, socket: IoSocket, event: SeedEvent, payload: unknown): void {
  if (!isPlainObject(payload)) throw new RequestError('bad-request', `${event} expects {roomId, ${SEED_EVENTS[event]}}`);
  const room = checkRoom(own(payload, 'roomId'));
  if (room === null) throw new RequestError('bad-request', 'roomId must be a room string');
  const field = SEED_EVENTS[event];
  if (!Object.prototype.hasOwnProperty.call(payload, field)) throw new RequestError('bad-request', `${field} missing`);
  const inner = payload[field];
  const size = measureJson(inner, ctx.limits.maxMessageBytes, ctx.limits.maxDepth);
  if (!size.ok) throw new RequestError('bad-request', size.message);
  if (!socket.rooms.has(SEED_ROOM(room))) throw new RequestError('not-joined', 'Not in that room');
  socket.to(SEED_ROOM(room)).emit(event, inner);
}

/** Seed-protocol rooms with members on this process (for `/healthz`). */
export function seedRoomCount(ctx: RelayContext): number {
  let n = 0;
  for (const key of ctx.io.of('/').adapter.rooms.keys()) if (key.startsWith('s:')) n++;
  return n;
}
