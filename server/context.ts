/**
 * What the relay's modules share: the Socket.IO types of both protocols (the
 * event maps of `src/transports/relay-protocol.ts`), the per-socket state, the
 * request error every handler throws, and the {@link RelayContext} that
 * `createRelay` builds once and hands to each module.
 */
import type { Server, Socket } from 'socket.io';
import type { VideoCallErrorCode } from '../src/errors.js';
import type { ClientToServerEvents, RelayError, ServerToClientEvents } from '../src/transports/relay-protocol.js';
import type { RelayLimits } from './options.js';
import type { Presence } from './presence.js';
import type { JanusRooms } from './janus-rooms.js';
import type { TurnOptions } from './turn.js';
import { TokenBucket } from './validate.js';

export type RelayServer = Server<ClientToServerEvents, ServerToClientEvents>;
export type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents>;
/** An event the client may send (either protocol). */
export type ClientEvent = keyof ClientToServerEvents;
/** An acknowledgement callback the client passed (its answer is `{ok: true, ...}` or {@link errorAck}). */
export type Ack = (res: unknown) => void;

/** What the relay remembers about one connected socket (never sent anywhere). */
export interface SocketState {
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

/** A fresh socket's state. */
export function newSocketState(limits: RelayLimits): SocketState {
  return {
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
}

/** Rooms (of both protocols) a socket is in or joining. */
export function roomsOf(state: SocketState): number {
  return state.rooms.size + state.joining.size + state.seedRooms.size;
}

/** The internal Socket.IO room of a relay-protocol room. */
export const ROOM = (room: string) => `r:${room}`;
/** The internal Socket.IO room of a seed-protocol room (never crosses with {@link ROOM}). */
export const SEED_ROOM = (room: string) => `s:${room}`;

/** A request refused or failed: its code and message go to the client's ack. */
export class RequestError extends Error {
  constructor(
    readonly code: VideoCallErrorCode,
    message: string,
    /** For the log only (never sent to the client). */
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** The ack of a refused request. */
export function errorAck(code: VideoCallErrorCode, message: string): { ok: false; error: RelayError } {
  return { ok: false, error: { code, message } };
}

/** Answers an ack; never throws. */
export function safeAck(ack: Ack, res: unknown): void {
  try {
    ack(res);
  } catch {
    // An ack can only fail on our side if called twice; nothing to do.
  }
}

/** Writes an error line, at most {@link MAX_ERROR_LINES} per socket. */
export type ErrorLogger = (state: SocketState | undefined, where: string, code: string, message: string, id?: string) => void;

const MAX_ERROR_LINES = 20;

/** The relay's bounded error log: at most 20 lines per socket (none for handshakes, which bound their own). */
export function errorLogger(log: (line: string) => void): ErrorLogger {
  return (state, where, code, message, id = '-') => {
    if (state) {
      if (state.errorLines >= MAX_ERROR_LINES) return;
      if (++state.errorLines === MAX_ERROR_LINES) message += ' (further errors from this socket not logged)';
    }
    log(`error id=${id} event=${where} code=${code} ${message}`);
  };
}

/** A Redis client of the relay's, as far as shutdown and readiness are concerned. */
export interface RedisClientLike {
  isOpen: boolean;
  isReady: boolean;
  close(): Promise<unknown>;
  destroy(): void;
}

/** Everything the relay's modules share, built once by `createRelay`. */
export interface RelayContext {
  readonly io: RelayServer;
  readonly limits: RelayLimits;
  /** Peers per room. */
  readonly maxPeers: number;
  /** Escaped log lines (server/log.ts). */
  readonly log: (line: string) => void;
  readonly logError: ErrorLogger;
  /** Who is in which room: in memory, replaced by the Redis store when the relay starts with Redis. */
  presence: Presence;
  /** This relay's Redis connections (none without Redis). */
  redisClients: RedisClientLike[];
  /** Sockets of this process by socket id. */
  readonly states: Map<string, SocketState>;
  /** Sockets of this process by peer id (only the current holder of each id). */
  readonly byPeer: Map<string, SocketState>;
  /** Sockets of this process by engine.io connection id. */
  readonly byConn: Map<string, { socket: IoSocket; state: SocketState }>;
  /** Shutting down: new connections are turned away. */
  closing: boolean;
  /** TURN servers whose credentials each admitted peer gets in its join ack. */
  readonly turn?: TurnOptions;
  /** The rooms on Janus (`JANUS_URLS`): each admitted peer gets `sfu` in its join ack. */
  readonly janus?: JanusRooms;
}

/** Whether every Redis connection is up (always, without Redis). */
export function redisReady(ctx: RelayContext): boolean {
  return ctx.redisClients.every((c) => c.isReady);
}
