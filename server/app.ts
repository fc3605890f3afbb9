/**
 * The reference Socket.IO relay for `<video-call>` (CONTRACT section 6).
 *
 * `createRelay(options)` builds an HTTP server with Socket.IO attached; it
 * reads no process globals, so tests and embedders can run several.
 * `relayOptionsFromEnv(process.env)` maps the documented environment
 * variables onto options.
 *
 * Two protocols are spoken on one socket, in separate internal room
 * namespaces so they never cross:
 * - the relay protocol: `join` / `signal` / `leave` → `peer-joined` /
 *   `peer-left` / `signal` (rooms `r:<room>`), with presence in a
 *   presence store (`presence.ts`: memory, or Redis when `redisUrl` is set);
 * - the seed tutorial's protocol: `join-room` → `user-joined`, and
 *   `offer` / `answer` / `ice-candidate` / `chat-message` forwarded to the
 *   others in the room (rooms `s:<room>`).
 *
 * Every payload is validated; bad ones get an ack error
 * `{ok:false, error:{code:'bad-request', ...}}` when the client passed an ack,
 * else are dropped. Handlers never throw.
 *
 * This file only composes the relay's modules, each a concern of its own:
 * `http.ts` (healthz, static files), `handshake.ts` (origins, connections per
 * address), `flood.ts` (rates, floods, slow readers), `relay-handlers.ts` and
 * `relay-join.ts` (the relay protocol), `seed-handlers.ts` (the seed protocol),
 * `redis.ts` (scale-out), `shutdown.ts`, around the shared `context.ts`.
 */
import type http from 'node:http';
import { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../src/transports/relay-protocol.js';
import { errorLogger, newSocketState, type IoSocket, type RelayContext, type RelayServer } from './context.js';
import { releaseOnClose, releasePollOnUpgrade, type EngineConnection } from './engine.js';
import { limitEvents, watchConnection } from './flood.js';
import { createHandshake, type Handshake } from './handshake.js';
import { createHttpServer } from './http.js';
import { safeLogger } from './log.js';
import { DEFAULT_LIMITS, DEFAULT_MAX_CONNECTIONS_PER_IP, type Relay, type RelayLimits, type RelayOptions } from './options.js';
import { JanusRooms } from './janus-rooms.js';
import { LocalPresence } from './presence.js';
import { connectRedis } from './redis.js';
import { registerRelayHandlers } from './relay-handlers.js';
import { registerSeedHandlers, seedRoomCount } from './seed-handlers.js';
import { shutdown, trackConnections } from './shutdown.js';

export type { StaticMount } from './static.js';
export {
  DEFAULT_LIMITS,
  DEFAULT_MAX_CONNECTIONS_PER_IP,
  relayOptionsFromEnv,
  type Relay,
  type RelayLimits,
  type RelayOptions,
} from './options.js';
export { mintRoomToken } from './grants.js';

/** Builds a relay. Nothing listens until {@link Relay.listen}. */
export function createRelay(options: RelayOptions = {}): Relay {
  const limits: RelayLimits = { ...DEFAULT_LIMITS, ...options.limits };
  // Every line, whatever it quotes, is escaped (server/log.ts): no client string can break or disguise it.
  const log = safeLogger(options.logger ?? ((line: string) => console.log(line)));
  const logError = errorLogger(log);
  const maxConnectionsPerIp = options.maxConnectionsPerIp ?? DEFAULT_MAX_CONNECTIONS_PER_IP;
  const handshake = createHandshake({ allowedOrigins: options.allowedOrigins, maxConnectionsPerIp, logError });
  const started = performance.now();
  const httpServer = createHttpServer({
    static: options.static ?? [],
    log,
    health: () => ({
      uptime: Math.round((performance.now() - started) / 1000),
      sockets: io.engine.clientsCount,
      rooms: ctx.presence.roomCount() + seedRoomCount(ctx),
      redis: Boolean(options.redisUrl),
    }),
  });
  const io = createIo(httpServer, limits, handshake);
  const connections = trackConnections(httpServer);
  const ctx: RelayContext = {
    io,
    limits,
    maxPeers: options.maxPeersPerRoom ?? 8,
    log,
    logError,
    presence: new LocalPresence(),
    redisClients: [],
    states: new Map(),
    byPeer: new Map(),
    byConn: new Map(),
    closing: false,
    ...(options.turn ? { turn: options.turn } : {}),
    ...(options.janus ? { janus: new JanusRooms(options.janus, { log }) } : {}),
  };
  const secret = options.secret ? new TextEncoder().encode(options.secret) : undefined;
  const seedProtocol = options.seedProtocol ?? !options.secret;
  io.engine.on('connection', (raw: EngineConnection) => onEngineConnection(ctx, handshake, raw));
  io.on('connection', (socket) => onConnection(ctx, socket, secret, seedProtocol));

  let closing: Promise<void> | undefined;
  return {
    httpServer,
    io,
    async listen(port = 0, host?: string): Promise<number> {
      if (options.redisUrl) {
        await connectRedis(ctx, { url: options.redisUrl, prefix: options.redisPrefix, heartbeatMs: options.redisHeartbeatMs });
      }
      return listenOn(httpServer, port, host);
    },
    close(): Promise<void> {
      ctx.closing = true;
      return (closing ??= shutdown(ctx, httpServer, connections));
    },
  };
}

function createIo(httpServer: http.Server, limits: RelayLimits, handshake: Handshake): RelayServer {
  return new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
    serveClient: false,
    // A client gone without closing its connection (crash, network cut) is noticed within
    // pingInterval + pingTimeout (10 s), so its peers hear of it well inside 15 s.
    pingInterval: 5000,
    pingTimeout: 5000,
    maxHttpBufferSize: limits.maxMessageBytes + 1024,
    cors: { origin: handshake.corsOrigin },
    allowRequest: handshake.allowRequest,
  });
}

/** A new engine.io connection (before its Socket.IO socket): counted, watched, released when closed. */
function onEngineConnection(ctx: RelayContext, handshake: Handshake, raw: EngineConnection): void {
  releasePollOnUpgrade(raw);
  handshake.countAddress(raw);
  watchConnection(ctx, raw);
  releaseOnClose(raw);
  raw.on('close', () => ctx.byConn.delete(raw.id));
}

/** A new Socket.IO socket: its state, its rate limit, and both protocols' handlers. */
function onConnection(ctx: RelayContext, socket: IoSocket, secret: Uint8Array | undefined, seedProtocol: boolean): void {
  if (ctx.closing) {
    socket.disconnect(true);
    return;
  }
  const state = newSocketState(ctx.limits);
  ctx.states.set(socket.id, state);
  ctx.byConn.set(socket.conn['id'], { socket, state }); // the engine.io id (typed private, but stable)
  limitEvents(ctx, socket, state);
  socket.on('disconnect', () => ctx.states.delete(socket.id));
  registerSeedHandlers(ctx, socket, state, seedProtocol);
  registerRelayHandlers(ctx, socket, state, secret);
}

/** Listens; resolves with the actual port. */
function listenOn(httpServer: http.Server, port: number, host: string | undefined): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => {
      httpServer.off('error', reject);
      resolve((httpServer.address() as { port: number }).port);
    });
  });
}
