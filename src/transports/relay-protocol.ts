/**
 * The Socket.IO relay protocol (CONTRACT section 6), shared by the relay
 * (`server/app.ts`) and the client transport (`socket-io.ts`). Types only.
 */
import type { VideoCallErrorCode } from '../errors.js';

export interface RelayError {
  code: VideoCallErrorCode;
  message: string;
}

export interface JoinPayload {
  room: string;
  name?: string;
  token?: string;
}

export type JoinAck =
  | { ok: true; selfId: string; peers: { id: string; name: string }[] }
  | { ok: false; error: RelayError };

/** Optional ack for `signal` and `leave`: a client may pass one to learn of errors. */
export type SimpleAck = { ok: true } | { ok: false; error: RelayError };

/** The seed tutorial's room-scoped forwards: `{roomId, offer|answer|candidate|message}`. */
export interface SeedForward {
  roomId: string;
  offer?: unknown;
  answer?: unknown;
  candidate?: unknown;
  message?: unknown;
}

export interface ClientToServerEvents {
  join: (payload: JoinPayload, ack: (res: JoinAck) => void) => void;
  signal: (payload: { to: string; data: unknown }, ack?: (res: SimpleAck) => void) => void;
  leave: (payload: { room: string }, ack?: (res: SimpleAck) => void) => void;
  // The seed tutorial's protocol, spoken unchanged.
  'join-room': (room: string) => void;
  offer: (payload: SeedForward) => void;
  answer: (payload: SeedForward) => void;
  'ice-candidate': (payload: SeedForward) => void;
  'chat-message': (payload: SeedForward) => void;
}

export interface ServerToClientEvents {
  'peer-joined': (payload: { id: string; name: string }) => void;
  'peer-left': (payload: { id: string }) => void;
  signal: (payload: { from: string; data: unknown }) => void;
  // The seed tutorial's protocol.
  'user-joined': () => void;
  offer: (offer: unknown) => void;
  answer: (answer: unknown) => void;
  'ice-candidate': (candidate: unknown) => void;
  'chat-message': (message: unknown) => void;
}
