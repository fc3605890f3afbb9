/**
 * Limits and flood control, per connection: the event rate (a token bucket per
 * socket; a socket that keeps flooding is cut off), a coarser bound on every
 * engine-level packet, and the bound on what waits to be sent to one connection
 * (a client that stops reading is dropped). The message size and nesting bounds
 * are checked where payloads are validated (`validate.ts`), the per-address cap in
 * `handshake.ts`.
 */
import { errorAck, safeAck, type Ack, type IoSocket, type RelayContext, type SocketState } from './context.js';
import { bufferedAmount, byteSize, webSocketOf, type EngineConnection } from './engine.js';
import { TokenBucket } from './validate.js';

/**
 * Watches a new engine.io connection: a coarser limit on every engine-level packet (acks,
 * namespace connects, ...), which the per-event limiter never sees, loose enough that it
 * only catches such floods (counted as packets arrive, before Socket.IO dispatches them a
 * tick later); and the bound on what waits to be sent to it.
 */
export function watchConnection(ctx: RelayContext, raw: EngineConnection): void {
  boundBuffer(ctx, raw);
  const { limits } = ctx;
  const bucket = new TokenBucket(limits.eventBurst + limits.floodTolerance + 100, limits.eventsPerSecond * 2);
  raw.on('packet', () => {
    if (bucket.take()) return;
    const owner = ctx.byConn.get(raw.id);
    if (owner) cutOff(ctx, owner.socket, owner.state, 'connection kept flooding');
    else raw.close();
  });
}

/**
 * Bounds what waits to be sent to one connection: packets Socket.IO queued (its write
 * buffer, while the transport is busy) plus what its WebSocket has not written to the
 * network yet. A client that stops reading would otherwise make both grow without end,
 * as fast as its room sends to it; past `maxBufferedBytes` it is dropped at once, its
 * buffers discarded and its TCP connection destroyed.
 */
function boundBuffer(ctx: RelayContext, raw: EngineConnection): void {
  const max = ctx.limits.maxBufferedBytes;
  let queued = 0;
  let dropped = false;
  raw.on('packetCreate', (packet: { data?: unknown }) => {
    if (dropped) return;
    queued += byteSize(packet.data);
    const total = queued + bufferedAmount(raw);
    if (total <= max) return;
    dropped = true;
    // After the packet being sent (and the broadcast sending it) are done.
    queueMicrotask(() => {
      const owner = ctx.byConn.get(raw.id);
      ctx.logError(
        owner?.state,
        'send',
        'slow-reader',
        `${total} bytes waiting to be sent (at most ${max}); disconnected`,
        owner?.state.peerId ?? owner?.socket.id,
      );
      if (owner) owner.state.cut = true;
      const ws = webSocketOf(raw);
      raw.close(true);
      ws?.terminate();
    });
  });
  // The whole write buffer goes to the transport at once.
  raw.on('flush', () => (queued = 0));
}

/** Rate limit on every incoming event of a socket, known or not: over it, dropped with `rate-limited`. */
export function limitEvents(ctx: RelayContext, socket: IoSocket, state: SocketState): void {
  socket.use((packet, next) => {
    if (state.cut) return;
    if (state.bucket.take()) return next();
    const ack = packet[packet.length - 1];
    if (typeof ack === 'function') safeAck(ack as Ack, errorAck('rate-limited', 'Too many messages; slow down'));
    if (!state.throttled) {
      state.throttled = true;
      ctx.logError(state, 'rate', 'rate-limited', 'socket throttled', socket.id);
    }
    if (!state.tolerance.take()) cutOff(ctx, socket, state, 'socket kept flooding');
  });
}

/** Disconnects a flooding socket for good (clients do not auto-reconnect after a server disconnect). */
export function cutOff(ctx: RelayContext, socket: IoSocket, state: SocketState, why: string): void {
  if (state.cut) return;
  state.cut = true;
  ctx.logError(state, 'rate', 'rate-limited', `${why}; disconnected`, socket.id);
  socket.disconnect(true);
}
