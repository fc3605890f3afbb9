/**
 * The relay's public settings: limits, options (and their defaults), the `Relay`
 * handle, and the mapping of the documented environment variables onto options.
 * Re-exported by `app.ts`.
 */
import type http from 'node:http';
import type { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../src/transports/relay-protocol.js';
import type { StaticMount } from './static.js';
import { janusOptionsFromEnv, type JanusOptions } from './janus-rooms.js';
import { turnOptionsFromEnv, type TurnOptions } from './turn.js';

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
  /**
   * TURN servers to hand every admitted peer in its `join` ack (`iceServers`), with
   * credentials minted per peer from the TURN server's shared secret (server/turn.ts).
   * With `secret`, only peers holding a valid room grant get them. Never logged.
   */
  turn?: TurnOptions;
  /**
   * Janus instances (VideoRoom) for rooms past the mesh (CONTRACT section 10): each room goes to
   * one of them (the same from every relay process), created there with the admin key, destroyed
   * when empty; each admitted peer gets `sfu` in its join ack (tokens minted for it, never logged).
   */
  janus?: JanusOptions;
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
 * `REDIS_HEARTBEAT_MS`, `SEED_PROTOCOL` (`on`/`off`), `MAX_CONNECTIONS_PER_IP`, `TURN_URLS`,
 * `TURN_SECRET`, `TURN_TTL`, `JANUS_URLS`, `JANUS_ADMIN_KEY`, `JANUS_TOKEN_SECRET`, `JANUS_TOKEN_TTL`. (`PORT` is read by the CLI.)
 * Throws on a malformed value.
 */
export function relayOptionsFromEnv(env: NodeJS.ProcessEnv): RelayOptions {
  const options: RelayOptions = {};
  const origins = env.ALLOWED_ORIGINS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
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
  const turn = turnOptionsFromEnv(env);
  if (turn) options.turn = turn;
  const janus = janusOptionsFromEnv(env);
  if (janus) options.janus = janus;
  return options;
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
