/**
 * The Socket.IO relay protocol (CONTRACT section 6), shared by the relay
 * (`server/`: its Socket.IO server and every handler are typed with these event
 * maps) and the client transport (`socket-io.ts`). Types only.
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
  /**
   * Resumable peer id: the secret (16–128 characters) a client generates once
   * (per transport instance) and sends with every join. The relay derives the
   * peer id from it (base64url(SHA-256("video-call peer id:" + key)), first 22
   * characters) and returns it as `selfId`: only the key's holder can ever be
   * known by that id, across reconnections, relay restarts and relay processes.
   * A socket has one peer id for all its rooms, fixed at its first successful
   * join; a later join may omit `key`, or must repeat the same one. If another
   * socket holds the id, it is taken over (that socket is disconnected, no
   * `peer-left` is sent for the id in the rooms the new socket joins).
   * Absent: the peer id is the socket's own id, as before. The relay keeps
   * only a hash of the key.
   */
  key?: string;
  /**
   * Optional: the peer id of `key`, for a client that computed it itself. Must
   * be exactly the id the relay derives from `key` (else `bad-request`);
   * requires `key`.
   */
  id?: string;
}

export type JoinAck =
  /** `selfId`: our peer id (derived from `key` if we sent one); `peers`: the others in the room, by peer id. */
  | {
      ok: true;
      selfId: string;
      peers: { id: string; name: string }[];
      /** TURN servers with credentials minted for this peer (CONTRACT section 9), when the relay has `TURN_URLS`. */
      iceServers?: RTCIceServer[];
      /** The room's SFU (CONTRACT section 10), when the relay has `JANUS_URLS`: only for the peer it admitted. */
      sfu?: SfuAccess;
    }
  | { ok: false; error: RelayError };

/**
 * What an admitted peer needs to join its room on Janus (VideoRoom): the join ack's `sfu`, and
 * the answer to `sfu-refresh` (fresh tokens before these expire; the room created again after a
 * Janus restart).
 */
export interface SfuAccess {
  /** The Janus WebSocket URL (subprotocol `janus-protocol`). */
  url: string;
  /** Core token: the `token` of every Janus API request. */
  token: string;
  /** Room token: the `token` of the VideoRoom `join` body. */
  roomToken: string;
  /** VideoRoom room id (a string: `string_ids = true`). */
  room: string;
  /** VideoRoom `pin` of the room. */
  pin: string;
  /** Unix time (s) the tokens expire at. */
  expires: number;
}

/** The answer to `sfu-refresh`. */
export type SfuAck = { ok: true; sfu: SfuAccess } | { ok: false; error: RelayError };

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
  /** `to`: a peer id; delivered to the socket holding it, if it shares a room with the sender. */
  signal: (payload: { to: string; data: unknown }, ack?: (res: SimpleAck) => void) => void;
  leave: (payload: { room: string }, ack?: (res: SimpleAck) => void) => void;
  /**
   * For a room this socket is in, on a relay with `JANUS_URLS`: fresh SFU tokens (before the
   * join's expire), the room made again on Janus if it is gone (a Janus restart). Errors:
   * `not-joined`, `bad-config` (no SFU here), `transport` (Janus unreachable).
   */
  'sfu-refresh': (payload: { room: string }, ack: (res: SfuAck) => void) => void;
  /**
   * Answered `{ok: true}` at once: the client asks when its media links drop while its socket
   * looks connected (a network change leaves a dead socket that only the ping timeout would
   * notice); no answer in time and it reconnects now.
   */
  probe: (payload: Record<string, never>, ack: (res: SimpleAck) => void) => void;
  // The seed tutorial's protocol, spoken unchanged.
  'join-room': (room: string) => void;
  offer: (payload: SeedForward) => void;
  answer: (payload: SeedForward) => void;
  'ice-candidate': (payload: SeedForward) => void;
  'chat-message': (payload: SeedForward) => void;
}

export interface ServerToClientEvents {
  /** A peer (by peer id) joined; sent again when a peer resumes its id on a new connection. */
  'peer-joined': (payload: { id: string; name: string }) => void;
  'peer-left': (payload: { id: string }) => void;
  /** `from`: the sender's peer id. */
  signal: (payload: { from: string; data: unknown }) => void;
  // The seed tutorial's protocol.
  'user-joined': () => void;
  offer: (offer: unknown) => void;
  answer: (answer: unknown) => void;
  'ice-candidate': (candidate: unknown) => void;
  'chat-message': (message: unknown) => void;
}
