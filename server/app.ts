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
 *   {@link Presence} store (memory, or Redis when `redisUrl` is set);
 * - the seed tutorial's protocol: `join-room` → `user-joined`, and
 *   `offer` / `answer` / `ice-candidate` / `chat-message` forwarded to the
 *   others in the room (rooms `s:<room>`).
 *
 * Every payload is validated; bad ones get an ack error
 * `{ok:false, error:{code:'bad-request', ...}}` when the client passed an ack,
 * else are dropped. Handlers never throw.
 */
import http from 'node:http';
import type { Socket as Socket_ } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import { jwtVerify, SignJWT } from 'jose';
import { createClient } from 'redis';
import { Server, type Socket } from 'socket.io';
import type { VideoCallErrorCode } from '../src/errors.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../src/transports/relay-protocol.js';
import { quote, safeLogger } from './log.js';
import { hashKey, peerIdForKey } from './peer-id.js';
import { describeError, LocalPresence, RedisPresence, type Presence, type RedisCommands } from './presence.js';
import { createStaticHandler, type StaticMount } from './static.js';
import { checkName, checkRoom, isPlainObject, measureJson, own, TokenBucket } from './validate.js';

export type { StaticMount } from './static.js';

/** Per-socket limits. Every field has a default fit for public use. */
export interface RelayLimits {
  /** Largest message a client may send, in bytes (default 64 KiB). Bigger ones never reach anyone. */
  maxMessageBytes: number;
  /** Deepest nesting allowed in forwarded data (default 32). */
  maxDepth: number;
  /** Rooms (of both protocols) one socket may be in at once (default 4). */
  maxRoomsPerSocket: number;
  /** Sustained events per second per socket (default 50). */
  eventsPerSecond: number;
  /** Burst of events allowed above the sustained rate (default 200). */
  eventBurst: number;
  /**
   * Throttled (dropped) events a socket may send before it is disconnected
   * (default 100); forgiven at a tenth of `eventsPerSecond`.
   */
  floodTolerance: number;
  /**
   * Bytes waiting to be sent to one socket (what Socket.IO queued for it plus what its
   * WebSocket has not written out yet) before the relay drops it (default 4 MiB): a
   * client that stops reading cannot make the relay buffer without bound.
   */
  maxBufferedBytes: number;
}

/** Options of {@link createRelay}. */
export interface RelayOptions {
  /** Browser origins allowed to connect (CORS and handshake). Empty, absent or `*`: any. */
  allowedOrigins?: string[];
  /** Peers per room before `room-full` (default 8). */
  maxPeersPerRoom?: number;
  /** When set, `join` requires a HS256 JWT signed with it, with `room` and `exp` claims. */
  secret?: string;
  /** When set, rooms span every relay attached to this Redis (`redis://host:port`). */
  redisUrl?: string;
  /**
   * Speak the seed tutorial's protocol too (default: yes, unless `secret` is
   * set: the seed protocol cannot carry a room grant, so it would be a way
   * around them).
   */
  seedProtocol?: boolean;
  /** Prefix of the Redis keys and channels (default `video-call:`). */
  redisPrefix?: string;
  /** Presence heartbeat in Redis mode (default 2000 ms; a process is dead after 3 missed beats). */
  redisHeartbeatMs?: number;
  /** Directories served over HTTP, e.g. the demo page and the bundle. */
  static?: StaticMount[];
  /**
   * One line per join, leave and error (default `console.log`). Never gets message contents; every
   * line is escaped first (controls, U+2028/U+2029, bidi and zero-width characters as `\uXXXX`).
   */
  logger?: (line: string) => void;
  /** Per-socket limits. */
  limits?: Partial<RelayLimits>;
  /**
   * Connections at once from one client address (the TCP peer address; forwarding headers
   * are never trusted) before further handshakes are refused (default 20; `0`: no cap).
   * Behind a reverse proxy every client has the proxy's address: raise it, or cap there.
   */
  maxConnectionsPerIp?: number;
}

/** A running (or ready to run) relay. */
export interface Relay {
  /** The HTTP server (Socket.IO, `/healthz`, static mounts). */
  httpServer: http.Server;
  /** The Socket.IO server. */
  io: Server<ClientToServerEvents, ServerToClientEvents>;
  /** Connects to Redis when configured, then listens. Resolves with the actual port (`0` picks a free one). */
  listen(port?: number, host?: string): Promise<number>;
  /**
   * Graceful shutdown: tells every room that this relay's peers are gone
   * (`peer-left`), drops the connections (clients reconnect elsewhere) and
   * closes the server and Redis clients.
   */
  close(): Promise<void>;
}

/** Default limits. */
export const DEFAULT_LIMITS: RelayLimits = {
  maxMessageBytes: 64 * 1024,
  maxDepth: 32,
  maxRoomsPerSocket: 4,
  eventsPerSecond: 50,
  eventBurst: 200,
  floodTolerance: 100,
  maxBufferedBytes: 4 * 1024 * 1024,
};

/** Default of {@link RelayOptions.maxConnectionsPerIp}. */
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 20;

/**
 * Reads the relay's settings from environment variables: `ALLOWED_ORIGINS`
 * (comma list), `MAX_PEERS_PER_ROOM`, `RELAY_SECRET`, `REDIS_URL`,
 * `REDIS_HEARTBEAT_MS`, `SEED_PROTOCOL` (`on`/`off`). (`PORT` is read by the CLI.)
 * Throws on a malformed value.
 */
export function relayOptionsFromEnv(env: NodeJS.ProcessEnv): RelayOptions {
  const options: RelayOptions = {};
  const origins = env.ALLOWED_ORIGINS?.split(',').map((s) => s.trim()).filter(Boolean);
  if (origins?.length) options.allowedOrigins = origins;
  if (env.MAX_PEERS_PER_ROOM) options.maxPeersPerRoom = positiveInt('MAX_PEERS_PER_ROOM', env.MAX_PEERS_PER_ROOM);
  if (env.MAX_CONNECTIONS_PER_IP) options.maxConnectionsPerIp = nonNegativeInt('MAX_CONNECTIONS_PER_IP', env.MAX_CONNECTIONS_PER_IP);
  if (env.RELAY_SECRET) options.secret = env.RELAY_SECRET;
  if (env.REDIS_URL) options.redisUrl = env.REDIS_URL;
  if (env.REDIS_HEARTBEAT_MS) options.redisHeartbeatMs = positiveInt('REDIS_HEARTBEAT_MS', env.REDIS_HEARTBEAT_MS);
  if (env.SEED_PROTOCOL) {
    if (!/^(on|off)$/.test(env.SEED_PROTOCOL)) throw new Error(`SEED_PROTOCOL must be "on" or "off", got "${env.SEED_PROTOCOL}"`);
    options.seedProtocol = env.SEED_PROTOCOL === 'on';
  }
  return options;
}

/**
 * Mints a room grant for a relay run with `RELAY_SECRET=secret`: a HS256 JWT
 * whose `room` claim is `room`, valid for `ttlSeconds` (default one hour).
 * Give it to the element as its `token` attribute.
 */
export function mintRoomToken(secret: string, room: string, ttlSeconds = 3600): Promise<string> {
  return new SignJWT({ room })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}

function nonNegativeInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${value}"`);
  return n;
}

type Ack = (res: unknown) => void;
type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** What the relay remembers about one connected socket (never sent anywhere). */
interface SocketState {
  /** Relay-protocol rooms joined: room → name. */
  rooms: Map<string, string>;
  /** Relay-protocol joins in progress. */
  joining: Set<string>;
  /** Seed-protocol rooms joined. */
  seedRooms: Set<string>;
  bucket: TokenBucket;
  tolerance: TokenBucket;
  throttled: boolean;
  /** Disconnected for flooding: anything still queued is dropped unread. */
  cut: boolean;
  errorLines: number;
  /** The socket's peer id, fixed at its first successful join (its key's, or its own id when it sent no key). */
  peerId?: string;
  /** Hash of the resume key the peer id was claimed with (`''`: none). */
  keyHash: string;
  /** The peer id being claimed by joins in progress before it is fixed. */
  claiming?: string;
}

const ROOM = (room: string) => `r:${room}`;
const SEED_ROOM = (room: string) => `s:${room}`;
const SEED_EVENTS = { offer: 'offer', answer: 'answer', 'ice-candidate': 'candidate', 'chat-message': 'message' } as const;
const MAX_ERROR_LINES = 20;
/** Distinct refused origins logged per minute. */
const MAX_REFUSED_ORIGIN_LINES = 20;
/** How long a presence command may wait for Redis's answer before the request fails with `transport`. */
const REDIS_COMMAND_TIMEOUT_MS = 2000;
/** Commands a Redis connection of the relay's may have waiting (unsent or unanswered) before new ones fail. */
const MAX_REDIS_QUEUE = 10_000;
const MAX_TOKEN_CHARS = 4096;
/** How long a closing connection may take to say goodbye before its TCP connection is destroyed. */
const CLOSE_GRACE_MS = 250;
/** The handshake refusal past `maxConnectionsPerIp` (the client's `connect_error` carries it on long-polling). */
const TOO_MANY_CONNECTIONS = 'Too many connections from this address';
const MAX_PEER_ID_CHARS = 64;
/** A peer id as sent with `id` (checked against its key). Never contains `:`, so it cannot name an internal room (`r:…`, `s:…`). */
const PEER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MIN_KEY_CHARS = 16;
const MAX_KEY_CHARS = 128;

class RequestError extends Error {
  constructor(
    readonly code: VideoCallErrorCode,
    message: string,
    /** For the log only (never sent to the client). */
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** Builds a relay. Nothing listens until {@link Relay.listen}. */
export function createRelay(options: RelayOptions = {}): Relay {
  const limits: RelayLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const maxPeers = options.maxPeersPerRoom ?? 8;
  // Every line, whatever it quotes, is escaped (server/log.ts): no client string can break or disguise it.
  const log = safeLogger(options.logger ?? ((line: string) => console.log(line)));
  const secret = options.secret ? new TextEncoder().encode(options.secret) : undefined;
  const seedProtocol = options.seedProtocol ?? !options.secret;
  const origins = normaliseOrigins(options.allowedOrigins);
  const serveStatic = createStaticHandler(options.static ?? []);
  const started = performance.now();
  const states = new Map<string, SocketState>();
  /** Sockets of this process by peer id (only the current holder of each id). */
  const byPeer = new Map<string, SocketState>();
  let presence: Presence = new LocalPresence();
  let redisClients: { isOpen: boolean; isReady: boolean; close(): Promise<unknown>; destroy(): void }[] = [];
  let closing: Promise<void> | undefined;
  /** Whether every Redis connection is up (always, without Redis). */
  const redisReady = () => redisClients.every((c) => c.isReady);

  const httpServer = http.createServer((req, res) => {
    void handleHttp(req, res).catch((err: unknown) => {
      log(`error http ${(err as Error).message}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://relay').pathname;
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (pathname === '/healthz') {
      const body = JSON.stringify({
        ok: true,
        uptime: Math.round((performance.now() - started) / 1000),
        sockets: io.engine.clientsCount,
        rooms: presence.roomCount() + seedRoomCount(),
        redis: Boolean(options.redisUrl),
      });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(body);
      return;
    }
    if (await serveStatic(req, res, pathname)) return;
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not Found');
  }

  const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
    serveClient: false,
    // A client gone without closing its connection (crash, network cut) is noticed within
    // pingInterval + pingTimeout (10 s), so its peers hear of it well inside 15 s.
    pingInterval: 5000,
    pingTimeout: 5000,
    maxHttpBufferSize: limits.maxMessageBytes + 1024,
    cors: { origin: (origin, cb) => cb(null, origins === null || origin === undefined || origins.has(origin.toLowerCase())) },
    allowRequest: (req, cb) => {
      if (!originAllowed(origins, req.headers.origin)) {
        logRefusedOrigin(req.headers.origin!);
        return cb('origin not allowed', false);
      }
      const address = addressOf(req);
      if (maxPerIp > 0 && (perAddress.get(address) ?? 0) >= maxPerIp) {
        logRefused(`address ${address}`, `too many connections from ${quote(address)} (at most ${maxPerIp}; further refusals of it this minute not logged)`);
        return cb(TOO_MANY_CONNECTIONS, false);
      }
      cb(null, true);
    },
  });

  /** Connections of this process by client address (the TCP peer's: forwarding headers can be forged). */
  const perAddress = new Map<string, number>();
  const maxPerIp = options.maxConnectionsPerIp ?? DEFAULT_MAX_CONNECTIONS_PER_IP;
  /** Every TCP connection of the HTTP server (WebSockets included), for shutdown. */
  const connections = new Set<Socket_>();
  httpServer.on('connection', (conn: Socket_) => {
    connections.add(conn);
    conn.once('close', () => connections.delete(conn));
  });

  function seedRoomCount(): number {
    let n = 0;
    for (const key of io.of('/').adapter.rooms.keys()) if (key.startsWith('s:')) n++;
    return n;
  }

  // Refused handshakes: one log line per origin (or address) per minute, and at most
  // MAX_REFUSED_ORIGIN_LINES of them a minute, so a flood cannot fill the disk; how many
  // went unlogged is told when the next minute begins.
  let refusedWindow = 0;
  const refusedKeys = new Set<string>();
  let refusedUnlogged = 0;
  function logRefusedOrigin(origin: string): void {
    const shown = origin.length > 100 ? `${origin.slice(0, 100)}…` : origin;
    logRefused(`origin ${shown}`, `origin ${quote(shown)} not allowed (further refusals of it this minute not logged)`);
  }
  function logRefused(key: string, message: string): void {
    const now = performance.now();
    if (now - refusedWindow >= 60_000) {
      if (refusedUnlogged > 0) logError(undefined, 'handshake', 'unauthorized', `${refusedUnlogged} more refused handshakes not logged in the last minute`);
      refusedWindow = now;
      refusedKeys.clear();
      refusedUnlogged = 0;
    }
    if (refusedKeys.has(key) || refusedKeys.size >= MAX_REFUSED_ORIGIN_LINES) {
      refusedUnlogged++;
      return;
    }
    refusedKeys.add(key);
    logError(undefined, 'handshake', 'unauthorized', message);
  }

  function logError(state: SocketState | undefined, where: string, code: string, message: string, id = '-'): void {
    if (state) {
      if (state.errorLines >= MAX_ERROR_LINES) return;
      if (++state.errorLines === MAX_ERROR_LINES) message += ' (further errors from this socket not logged)';
    }
    log(`error id=${id} event=${where} code=${code} ${message}`);
  }

  // A coarser limit on every engine-level packet (acks, namespace connects, ...), which the
  // per-event limiter below never sees; loose enough that it only catches such floods.
  // Events are counted here as they arrive, before Socket.IO dispatches them a tick later.
  const byConn = new Map<string, { socket: IoSocket; state: SocketState }>();
  io.engine.on('connection', (raw: EngineConnection) => {
    releasePollOnUpgrade(raw);
    countAddress(raw);
    boundBuffer(raw);
    releaseOnClose(raw);
    const bucket = new TokenBucket(limits.eventBurst + limits.floodTolerance + 100, limits.eventsPerSecond * 2);
    raw.on('packet', () => {
      if (bucket.take()) return;
      const owner = byConn.get(raw.id);
      if (owner) cutOff(owner.socket, owner.state, 'connection kept flooding');
      else raw.close();
    });
    raw.on('close', () => byConn.delete(raw.id));
  });

  /**
   * Counts the connection against its address's cap; one that got past the check in
   * `allowRequest` by racing others from the same address is closed at once.
   */
  function countAddress(raw: EngineConnection): void {
    const address = addressOf(raw.request);
    const n = (perAddress.get(address) ?? 0) + 1;
    perAddress.set(address, n);
    raw.on('close', () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
    });
    if (maxPerIp > 0 && n > maxPerIp) raw.close();
  }

  /**
   * Bounds what waits to be sent to one connection: packets Socket.IO queued (its write
   * buffer, while the transport is busy) plus what its WebSocket has not written to the
   * network yet. A client that stops reading would otherwise make both grow without end,
   * as fast as its room sends to it; past `maxBufferedBytes` it is dropped at once, its
   * buffers discarded and its TCP connection destroyed.
   */
  function boundBuffer(raw: EngineConnection): void {
    let queued = 0;
    let dropped = false;
    raw.on('packetCreate', (packet: { data?: unknown }) => {
      if (dropped) return;
      queued += byteSize(packet.data);
      const total = queued + bufferedAmount(raw);
      if (total <= limits.maxBufferedBytes) return;
      dropped = true;
      // After the packet being sent (and the broadcast sending it) are done.
      queueMicrotask(() => {
        const owner = byConn.get(raw.id);
        logError(owner?.state, 'send', 'slow-reader', `${total} bytes waiting to be sent (at most ${limits.maxBufferedBytes}); disconnected`, owner?.state.peerId ?? owner?.socket.id);
        if (owner) owner.state.cut = true;
        const ws = webSocketOf(raw);
        raw.close(true);
        ws?.terminate();
      });
    });
    // The whole write buffer goes to the transport at once.
    raw.on('flush', () => (queued = 0));
  }

  /**
   * Once a connection is closed, its WebSocket gets a moment to finish the closing
   * handshake, then its TCP connection is destroyed: one whose client stopped reading
   * never answers, and would keep its buffers for the WebSocket library's 30 s.
   */
  function releaseOnClose(raw: EngineConnection): void {
    let ws = webSocketOf(raw);
    raw.on('upgrade', () => (ws = webSocketOf(raw) ?? ws));
    raw.on('close', () => {
      const socket = ws;
      if (socket && socket.readyState !== 3) setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
    });
  }

  /** Disconnects a flooding socket for good (clients do not auto-reconnect after a server disconnect). */
  function cutOff(socket: IoSocket, state: SocketState, why: string): void {
    if (state.cut) return;
    state.cut = true;
    logError(state, 'rate', 'rate-limited', `${why}; disconnected`, socket.id);
    socket.disconnect(true);
  }

  io.on('connection', (socket) => {
    if (closing) {
      socket.disconnect(true);
      return;
    }
    const state: SocketState = {
      rooms: new Map(),
      joining: new Set(),
      seedRooms: new Set(),
      bucket: new TokenBucket(limits.eventBurst, limits.eventsPerSecond),
      tolerance: new TokenBucket(limits.floodTolerance, limits.eventsPerSecond / 10),
      throttled: false,
      cut: false,
      errorLines: 0,
      keyHash: '',
    };
    states.set(socket.id, state);
    byConn.set(socket.conn['id'], { socket, state }); // the engine.io id (typed private, but stable)

    // Rate limit on every incoming event, known or not.
    socket.use((packet, next) => {
      if (state.cut) return;
      if (state.bucket.take()) return next();
      const ack = packet[packet.length - 1];
      if (typeof ack === 'function') safeAck(ack as Ack, err('rate-limited', 'Too many messages; slow down'));
      if (!state.throttled) {
        state.throttled = true;
        logError(state, 'rate', 'rate-limited', 'socket throttled', socket.id);
      }
      if (!state.tolerance.take()) cutOff(socket, state, 'socket kept flooding');
    });

    handle(socket, state, 'join', (payload, ack) => onJoin(socket, state, payload, ack));
    handle(socket, state, 'signal', (payload, ack) => onSignal(socket, state, payload, ack));
    handle(socket, state, 'leave', (payload, ack) => onLeave(socket, state, payload, ack));
    // The seed protocol has no acks; one passed anyway learns the outcome.
    handle(socket, state, 'join-room', (payload, ack) => {
      onSeedJoin(socket, state, payload);
      if (ack) safeAck(ack, { ok: true });
    });
    for (const event of Object.keys(SEED_EVENTS) as (keyof typeof SEED_EVENTS)[]) {
      handle(socket, state, event, (payload, ack) => {
        onSeedForward(socket, event, payload);
        if (ack) safeAck(ack, { ok: true });
      });
    }

    socket.on('disconnect', (reason) => {
      states.delete(socket.id);
      for (const room of state.seedRooms) log(`leave room=${quote(room)} id=${socket.id} seed reason=${reason}`);
      const id = state.peerId;
      if (id === undefined) return;
      for (const room of state.rooms.keys()) void departed(socket, id, room, `reason=${reason}`);
      state.rooms.clear();
      if (byPeer.get(id) === state) byPeer.delete(id);
      presence.release(id, socket.id).catch((e: unknown) => log(`error id=${id} event=disconnect code=transport ${(e as Error).message}`));
    });
  });

  /** Registers a handler that gets `(payload, ack?)` whatever the client sent, and never throws. */
  function handle(
    socket: IoSocket,
    state: SocketState,
    event: string,
    fn: (payload: unknown, ack: Ack | undefined) => Promise<unknown> | unknown,
  ): void {
    (socket as unknown as { on(e: string, l: (...args: unknown[]) => void): void }).on(event, (...args) => {
      const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as Ack) : undefined;
      try {
        const result = fn(args[0], ack);
        if (result instanceof Promise) result.catch((e: unknown) => failed(socket, state, event, ack, e));
      } catch (e) {
        failed(socket, state, event, ack, e);
      }
    });
  }

  /**
   * A presence store failure (Redis unreachable: its commands fail fast) as the error the
   * client gets: `transport`, which it may retry; the reason goes to the log.
   */
  function presenceDown(e: unknown): RequestError {
    if (e instanceof RequestError) return e;
    return new RequestError('transport', 'The relay cannot reach its presence store right now; try again shortly', describeError(e));
  }

  /** A handler threw or rejected: log it (bounded) and answer the ack with the error. */
  function failed(socket: IoSocket, state: SocketState, event: string, ack: Ack | undefined, e: unknown): void {
    const code = e instanceof RequestError ? e.code : 'transport';
    const message = e instanceof RequestError ? e.message : 'Internal relay error';
    const logged = e instanceof RequestError ? (e.detail === undefined ? message : `${message} (${e.detail})`) : describeError(e);
    logError(state, event, code, logged, socket.id);
    if (ack) safeAck(ack, err(code, message));
  }

  async function onJoin(socket: IoSocket, state: SocketState, payload: unknown, ack: Ack | undefined): Promise<void> {
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
    // One peer id per socket: its key's on its first join (else its own id), for all its rooms.
    // A later join may omit the key; if it sends one, it must be the same.
    const keyHash = typeof key === 'string' ? hashKey(key) : '';
    const fixed = state.peerId ?? state.claiming;
    const id = derived ?? fixed ?? socket.id;
    if (fixed !== undefined && id !== fixed) throw new RequestError('bad-request', 'This connection already joined under another peer id');
    if (key !== undefined && fixed !== undefined && keyHash !== state.keyHash) {
      throw new RequestError('bad-request', 'This connection already joined with another key');
    }
    // Another connected socket's own id (a stranger cannot know it before that socket joins).
    if (fixed === undefined && id !== socket.id && states.has(id)) throw new RequestError('bad-request', 'That peer id is in use');
    if (state.joining.has(room)) throw new RequestError('bad-request', 'a join of this room is already in progress');
    const isNew = !state.rooms.has(room);
    if (isNew && roomsOf(state) >= limits.maxRoomsPerSocket) {
      throw new RequestError('bad-request', `a socket may be in at most ${limits.maxRoomsPerSocket} rooms`);
    }
    const first = state.peerId === undefined;
    if (first) {
      state.claiming = id;
      state.keyHash = keyHash;
    }
    state.joining.add(room);
    try {
      if (secret) await verifyToken(token, room);
      if (!socket.connected) return;
      socket.join(ROOM(room));
      let result;
      try {
        // Every Redis connection of ours must be up, not only presence's: a join whose
        // `peer-joined` could not be published would leave the other processes unaware of it.
        if (!redisReady()) throw new Error('Redis connection not ready');
        result = await presence.join(room, { id, sid: socket.id, keyHash: state.keyHash, mayTakeOver: first }, name, maxPeers);
      } catch (e) {
        if (isNew) socket.leave(ROOM(room));
        throw presenceDown(e);
      }
      if (result.status !== 'ok') {
        if (isNew) socket.leave(ROOM(room));
        if (result.status === 'full') throw new RequestError('room-full', `Room is full (at most ${maxPeers} peers)`);
        throw new RequestError('bad-request', 'That peer id is in use');
      }
      if (state.peerId === undefined) {
        state.peerId = id;
        byPeer.set(id, state);
        // Signals to the id go to the room named after it: a socket's own room, or this one.
        if (id !== socket.id) socket.join(id);
      }
      // The client proved the key: the old connection goes even if this one dropped meanwhile.
      if (result.evicted !== undefined) evict(result.evicted, id);
      if (!socket.connected) {
        // Its disconnect handler ran before this room was recorded: undo what it could not.
        if (await presence.leave(room, id, socket.id)) io.to(ROOM(room)).emit('peer-left', { id });
        if (byPeer.get(id) === state) byPeer.delete(id);
        await presence.release(id, socket.id);
        return;
      }
      state.rooms.set(room, name);
      // (`already` with a room this socket is not in: an earlier join whose answer Redis
      // never gave did write the entry; the room has not heard of it yet.)
      if (!result.already || isNew) {
        socket.to(ROOM(room)).emit('peer-joined', { id, name });
        const how = result.evicted !== undefined ? ' resumed' : '';
        log(`join room=${quote(room)} id=${id} peers=${result.peers.length}${how}`);
      }
      if (ack) safeAck(ack, { ok: true, selfId: id, peers: result.peers });
    } finally {
      state.joining.delete(room);
      if (state.joining.size === 0) state.claiming = undefined;
      if (state.peerId === undefined && state.claiming === undefined) state.keyHash = '';
    }
  }

  /**
   * Disconnects the socket that held `id` before a takeover, wherever it is (through the
   * adapter in Redis mode). Its rooms' entries already name the new holder, so its
   * departure announces nothing there.
   */
  function evict(sid: string, id: string): void {
    log(`evict id=${id} reason=resumed`);
    io.in(sid).disconnectSockets(true);
  }

  async function verifyToken(token: unknown, room: string): Promise<void> {
    if (typeof token !== 'string' || token === '') throw new RequestError('unauthorized', 'This room requires a token');
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(token, secret!, { algorithms: ['HS256'], requiredClaims: ['exp'] }));
    } catch (e) {
      const expired = (e as { code?: string }).code === 'ERR_JWT_EXPIRED';
      throw new RequestError('unauthorized', expired ? 'Token expired' : 'Invalid token');
    }
    if (claims.room !== room) throw new RequestError('unauthorized', 'Token is for another room');
  }

  function onSignal(socket: IoSocket, state: SocketState, payload: unknown, ack: Ack | undefined): Promise<void> | void {
    if (!isPlainObject(payload)) throw new RequestError('bad-request', 'signal expects {to, data}');
    const to = own(payload, 'to');
    // Socket ids are base64url; anything else (a room key such as `r:x`, say) is never a peer.
    if (typeof to !== 'string' || to.length > MAX_PEER_ID_CHARS || !/^[\w-]+$/.test(to)) {
      throw new RequestError('bad-request', 'to must be a peer id');
    }
    const data = own(payload, 'data');
    const size = measureJson(data, limits.maxMessageBytes, limits.maxDepth);
    if (!size.ok) throw new RequestError('bad-request', size.message);
    if (to === (state.peerId ?? socket.id)) throw new RequestError('bad-request', 'cannot signal oneself');
    // An addressee connected to this process: its own rooms (set once its presence join is
    // done, cleared before its presence leave) answer at once, without a promise per signal
    // or, with Redis, a round trip. Only addressees on other processes need the presence store.
    const local = byPeer.get(to);
    if (local) {
      for (const room of state.rooms.keys()) {
        if (local.rooms.has(room)) return forwardSignal(socket, state, to, data, ack);
      }
      throw new RequestError('not-joined', 'No such peer in your rooms');
    }
    return signalRemote(socket, state, to, data, ack);
  }

  async function signalRemote(socket: IoSocket, state: SocketState, to: string, data: unknown, ack: Ack | undefined): Promise<void> {
    let shared = false;
    try {
      // Publishing is how it would reach the other process.
      if (!redisReady()) throw new Error('Redis connection not ready');
      for (const room of state.rooms.keys()) {
        if (await presence.has(room, to)) {
          shared = true;
          break;
        }
      }
    } catch (e) {
      throw presenceDown(e);
    }
    if (!shared) throw new RequestError('not-joined', 'No such peer in your rooms');
    forwardSignal(socket, state, to, data, ack);
  }

  function forwardSignal(socket: IoSocket, state: SocketState, to: string, data: unknown, ack: Ack | undefined): void {
    if (!socket.connected) return;
    io.to(to).emit('signal', { from: state.peerId!, data });
    if (ack) safeAck(ack, { ok: true });
  }

  async function onLeave(socket: IoSocket, state: SocketState, payload: unknown, ack: Ack | undefined): Promise<void> {
    if (!isPlainObject(payload)) throw new RequestError('bad-request', 'leave expects {room}');
    const room = checkRoom(own(payload, 'room'));
    if (room === null) throw new RequestError('bad-request', 'room must be a string of 1 to 128 characters');
    if (!state.rooms.has(room)) throw new RequestError('not-joined', 'Not in that room');
    state.rooms.delete(room);
    socket.leave(ROOM(room));
    await departed(socket, state.peerId!, room, 'reason=leave');
    if (ack) safeAck(ack, { ok: true });
  }

  /**
   * Removes a member from presence and tells the room, unless its entry now belongs to
   * another socket that took the peer id over (then the id is still there: say nothing).
   */
  async function departed(socket: IoSocket, id: string, room: string, why: string): Promise<void> {
    let gone = true;
    try {
      gone = await presence.leave(room, id, socket.id);
    } catch (e) {
      log(`error id=${id} event=leave code=transport ${(e as Error).message}`);
    }
    if (!gone) {
      log(`leave room=${quote(room)} id=${id} ${why} taken-over`);
      return;
    }
    io.to(ROOM(room)).except(socket.id).emit('peer-left', { id });
    log(`leave room=${quote(room)} id=${id} ${why}`);
  }

  function onSeedJoin(socket: IoSocket, state: SocketState, payload: unknown): void {
    if (!seedProtocol) throw new RequestError('unauthorized', 'This relay requires room tokens; use `join`');
    const room = checkRoom(payload);
    if (room === null) throw new RequestError('bad-request', 'join-room expects a room string of 1 to 128 characters');
    if (state.seedRooms.has(room)) return;
    if (roomsOf(state) >= limits.maxRoomsPerSocket) {
      throw new RequestError('bad-request', `a socket may be in at most ${limits.maxRoomsPerSocket} rooms`);
    }
    // Counted on this process only: the seed protocol has no presence store. With REDIS_URL a
    // seed room may hold up to maxPeers per process (documented in docs/relay.md).
    const size = io.of('/').adapter.rooms.get(SEED_ROOM(room))?.size ?? 0;
    if (size >= maxPeers) throw new RequestError('room-full', `Room is full (at most ${maxPeers} peers)`);
    state.seedRooms.add(room);
    socket.join(SEED_ROOM(room));
    socket.to(SEED_ROOM(room)).emit('user-joined');
    log(`join room=${quote(room)} id=${socket.id} seed peers=${size}`);
  }

  function onSeedForward(socket: IoSocket, event: keyof typeof SEED_EVENTS, payload: unknown): void {
    if (!isPlainObject(payload)) throw new RequestError('bad-request', `${event} expects {roomId, ${SEED_EVENTS[event]}}`);
    const room = checkRoom(own(payload, 'roomId'));
    if (room === null) throw new RequestError('bad-request', 'roomId must be a room string');
    const field = SEED_EVENTS[event];
    if (!Object.prototype.hasOwnProperty.call(payload, field)) throw new RequestError('bad-request', `${field} missing`);
    const inner = payload[field];
    const size = measureJson(inner, limits.maxMessageBytes, limits.maxDepth);
    if (!size.ok) throw new RequestError('bad-request', size.message);
    if (!socket.rooms.has(SEED_ROOM(room))) throw new RequestError('not-joined', 'Not in that room');
    socket.to(SEED_ROOM(room)).emit(event, inner);
  }

  function roomsOf(state: SocketState): number {
    return state.rooms.size + state.joining.size + state.seedRooms.size;
  }

  async function start(): Promise<void> {
    if (!options.redisUrl) return;
    const prefix = options.redisPrefix ?? 'video-call:';
    let ready = false;
    // Publishing (messages to the other processes) has no offline queue either: while Redis
    // is unreachable, a broadcast is dropped at once (the peers on other processes cannot be
    // reached anyway) instead of piling up in memory and being delivered, stale, once Redis
    // is back. And at most MAX_REDIS_QUEUE commands wait for their answers, so a Redis that
    // stalls (connection up, nothing answered) does not make them pile up without end either.
    const pub = createClient({
      url: options.redisUrl,
      disableOfflineQueue: true,
      commandsQueueMaxLength: MAX_REDIS_QUEUE,
      socket: {
        // At start-up, fail after a few tries (the CLI exits with the reason); once up, retry forever.
        reconnectStrategy: (retries: number, cause: Error) =>
          !ready && retries >= 3 ? new Error(`Cannot connect to Redis at ${options.redisUrl}: ${cause.message}`) : Math.min(100 * 2 ** retries, 2000),
      },
    });
    const sub = pub.duplicate({ disableOfflineQueue: false, commandsQueueMaxLength: undefined });
    // Presence has a connection of its own that fails fast while Redis is unreachable: a
    // command is refused at once instead of waiting in node-redis's offline queue, and one
    // not answered in time fails (presence's own deadline, which also covers a command
    // already written to a Redis that stalled). So a join during an outage is answered
    // (`transport`) instead of hanging, and nothing stale runs late once Redis is back.
    const store = pub.duplicate({ disableOfflineQueue: true, commandOptions: { timeout: REDIS_COMMAND_TIMEOUT_MS } });
    let lastError = '';
    const clients = [pub, sub, store];
    for (const client of clients) {
      client.on('error', (e: Error) => {
        // Reconnection attempts repeat the same error: log it once per change.
        if (e.message !== lastError) log(`error redis ${(lastError = e.message)}`);
      });
      client.on('ready', () => {
        if (lastError) log('redis connected again');
        lastError = '';
      });
    }
    redisClients = clients;
    try {
      await Promise.all(clients.map((c) => c.connect()));
    } catch (e) {
      for (const c of clients) if (c.isOpen) c.destroy();
      throw e;
    }
    ready = true;
    // The adapter publishes without handling a failure (every publish while Redis is
    // unreachable rejects at once, and one in flight when it goes away): that must not become
    // an unhandled rejection that ends the process. Logged once per outage: every broadcast
    // fails alike meanwhile.
    const publish = pub.publish.bind(pub);
    let publishFailing = false;
    (pub as { publish: unknown }).publish = (...args: Parameters<typeof publish>) =>
      publish(...args).then(
        (n) => {
          publishFailing = false;
          return n;
        },
        (e: unknown) => {
          if (!publishFailing) log(`error redis publish ${describeError(e)} (messages to other relay processes are dropped until Redis is back)`);
          publishFailing = true;
          return 0;
        },
      );
    io.adapter(createAdapter(pub, sub, { key: `${prefix}sio` }));
    presence = new RedisPresence(store as unknown as RedisCommands, {
      prefix,
      heartbeatMs: options.redisHeartbeatMs ?? 2000,
      commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS,
      log,
      onGone: (gone, reason) => {
        for (const { room, id } of gone) {
          io.to(ROOM(room)).emit('peer-left', { id });
          log(`leave room=${quote(room)} id=${id} reason=${reason}`);
        }
      },
    });
    await presence.start();
  }

  async function shutdown(): Promise<void> {
    // Tell every room this process's peers are gone, while the adapter still reaches other processes.
    for (const [sid, state] of states) {
      const id = state.peerId;
      if (id === undefined) continue;
      for (const room of state.rooms.keys()) {
        io.to(ROOM(room)).except(sid).emit('peer-left', { id });
        log(`leave room=${quote(room)} id=${id} reason=relay-shutdown`);
      }
      state.rooms.clear();
    }
    await presence.close();
    const closed = io.close();
    httpServer.closeAllConnections();
    // Connections still open after a moment (a client that stopped reading never completes
    // the WebSocket closing handshake) are cut, so shutdown never waits on a client.
    const cut = setTimeout(() => {
      for (const conn of connections) conn.destroy();
    }, CLOSE_GRACE_MS);
    await closed;
    clearTimeout(cut);
    // Redis down at shutdown must not hang it: drop what is not connected.
    await Promise.allSettled(redisClients.map((c) => (c.isReady ? c.close() : c.isOpen ? c.destroy() : undefined)));
  }

  return {
    httpServer,
    io,
    async listen(port = 0, host?: string): Promise<number> {
      await start();
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
      return (httpServer.address() as { port: number }).port;
    },
    close(): Promise<void> {
      return (closing ??= shutdown());
    },
  };
}

/** The parts of an engine.io connection the relay touches (engine.io's `Socket`, typed loosely). */
interface EngineConnection {
  id: string;
  request: http.IncomingMessage;
  upgrading?: boolean;
  transport?: EngineTransport;
  on(e: 'packet' | 'close' | 'upgrading' | 'upgrade' | 'flush', l: () => void): void;
  on(e: 'packetCreate', l: (packet: { data?: unknown }) => void): void;
  close(discard?: boolean): void;
}
interface EngineTransport {
  name: string;
  writable: boolean;
  /** The `ws` WebSocket, for the websocket transport. */
  socket?: WebSocketLike;
  send(packets: { type: string }[]): void;
  on(e: 'ready', l: () => void): void;
  off(e: 'ready', l: () => void): void;
}

/**
 * Finishes a polling → WebSocket upgrade at once instead of within 100 ms.
 *
 * A browser client starts on HTTP long-polling and probes a WebSocket. Once the probe is
 * answered, the client pauses polling, which waits for its pending GET to return, and until
 * the upgrade completes it buffers every emit (a `join`, the first offer and its candidates).
 * engine.io releases that GET with a no-op packet from a 100 ms interval timer, so each new
 * connection stalled up to 100 ms (50 on average) right when a call is being set up (measured
 * by `npm run bench`, connect time). Here the pending GET is released as soon as the probe is
 * answered (or, if it is not pending yet, as soon as it arrives): the same no-op engine.io
 * sends, only without the wait.
 */
function releasePollOnUpgrade(raw: EngineConnection): void {
  raw.on('upgrading', () => {
    const polling = raw.transport;
    if (!polling || polling.name !== 'polling') return;
    const release = () => {
      if (!raw.upgrading || raw.transport !== polling) return polling.off('ready', release);
      if (!polling.writable) return; // no GET pending: wait for the next one
      polling.off('ready', release);
      polling.send([{ type: 'noop' }]);
    };
    polling.on('ready', release);
    release();
  });
}

/** The `ws` library's WebSocket, as far as the relay uses it. */
interface WebSocketLike {
  readyState: number;
  bufferedAmount: number;
  terminate(): void;
}

function webSocketOf(raw: EngineConnection): WebSocketLike | undefined {
  const socket = raw.transport?.name === 'websocket' ? raw.transport.socket : undefined;
  return socket && typeof socket.terminate === 'function' ? socket : undefined;
}

/** Bytes the connection's WebSocket has queued but not yet written out (0 for long-polling). */
function bufferedAmount(raw: EngineConnection): number {
  return webSocketOf(raw)?.bufferedAmount ?? 0;
}

/** Roughly how much memory a packet's payload holds (string length, or binary bytes). */
function byteSize(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/** The TCP peer's address of a request (IPv4-mapped IPv6 written as IPv4). */
function addressOf(req: http.IncomingMessage): string {
  const address = req.socket?.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function err(code: VideoCallErrorCode, message: string) {
  return { ok: false, error: { code, message } };
}

function safeAck(ack: Ack, res: unknown): void {
  try {
    ack(res);
  } catch {
    // An ack can only fail on our side if called twice; nothing to do.
  }
}

/** Lower-cased origin set, or null for "any". */
function normaliseOrigins(list: string[] | undefined): Set<string> | null {
  const cleaned = (list ?? []).map((o) => o.trim().replace(/\/+$/, '').toLowerCase()).filter(Boolean);
  if (cleaned.length === 0 || cleaned.includes('*')) return null;
  return new Set(cleaned);
}

/**
 * Whether a handshake may proceed: with a list, only a listed `Origin`
 * (CONTRACT section 6). A page the relay serves itself (`--demo`, `--static`)
 * is no exception: list its origin too. (Admitting any origin whose host is
 * the `Host` header would ignore the scheme, and behind a proxy that shares a
 * domain it would admit every page of that domain, listed or not.) No
 * `Origin` header means a non-browser client (browsers send one on every
 * WebSocket handshake and cross-origin request), which an origin check
 * cannot stop anyway.
 */
function originAllowed(origins: Set<string> | null, origin: string | undefined): boolean {
  if (origins === null || origin === undefined) return true;
  return origins.has(origin.toLowerCase());
}
