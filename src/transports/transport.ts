import type { Emitter } from '../emitter.js';
import type { VideoCallErrorCode } from '../errors.js';
import type { SfuAccess, SfuAck } from './relay-protocol.js';

/**
 * The signaling transport interface. Every way of finding peers and passing
 * them messages (a Socket.IO relay, a Firebase Realtime Database, a
 * BroadcastChannel) implements exactly this, and one conformance suite
 * (`test/browser/transport-conformance.ts`) runs unchanged against each.
 *
 * A transport instance serves one room at a time: `join` → signals → `leave`.
 */

/**
 * How transports retry an automatic re-join that failed for a passing reason (no answer in
 * time, the server's store briefly away): first after this long, doubling up to the maximum.
 */
export const REJOIN_RETRY_MS = 1000;
export const REJOIN_RETRY_MAX_MS = 10_000;

/** Connection state of a transport. */
export type TransportState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** A peer as the transport knows it. */
export interface PeerInfo {
  /** Transport-assigned id, unique within the room. */
  id: string;
  /** Display name (may be empty). */
  name: string;
}

/** What `join` resolves with. */
export interface JoinResult {
  /** Our own id in the room. */
  selfId: string;
  /** Peers already in the room when we joined (never includes ourselves). */
  peers: PeerInfo[];
  /**
   * Optional: ICE servers the signaling server hands us, e.g. TURN with credentials it minted
   * for us (the relay's `TURN_URLS` / `TURN_SECRET`; its `join` ack's `iceServers`). The engine
   * uses them together with its own `iceServers` for every new connection. On `rejoined`,
   * present ones replace the earlier ones (fresh credentials); absent ones keep them.
   */
  iceServers?: RTCIceServer[];
  /** Optional: the room's SFU, from a signaling server that orchestrates one (the relay's `JANUS_URLS`). */
  sfu?: SfuAccess;
}

export interface JoinOptions {
  name?: string;
  /** Room grant for relays that require one (see the relay's `RELAY_SECRET`). */
  token?: string;
}

/** Events a transport emits. */
export type TransportEvents = {
  /** Another peer entered the room we are in. */
  'peer-joined': PeerInfo;
  /** A peer left (said goodbye, closed its tab, or lost its connection). */
  'peer-left': { id: string };
  /** A message addressed to us. */
  signal: { from: string; data: unknown };
  /** The transport's connection state changed. */
  state: TransportState;
  /**
   * After a reconnection the transport re-entered the room on its own; our id
   * may have changed and `peers` is the room as it is now.
   */
  rejoined: JoinResult;
  /**
   * Optional: signaling for the room ended for this reason, e.g. the relay refused an
   * automatic re-join after a reconnection (`unauthorized`: the room token expired
   * meanwhile; `room-full`: the room filled up). A passing failure (the relay's store
   * briefly down, a timeout) is not a reason: the transport keeps trying, in state
   * `reconnecting`. A `VideoCallError`-shaped object. Emitted once, just before the
   * state goes to `closed`, so a listener can tell the user why rather than a bare
   * "connection closed". A transport that never ends signaling on its own need not emit it.
   */
  error: { code: VideoCallErrorCode; message: string };
};

export interface Transport extends Pick<Emitter<TransportEvents>, 'on'> {
  /** Current connection state. */
  readonly state: TransportState;
  /**
   * Joins `room`. Resolves with our id and the peers already there; rejects
   * with a `VideoCallError` (`room-full`, `unauthorized`, `transport`, `bad-config`).
   */
  join(room: string, options?: JoinOptions): Promise<JoinResult>;
  /** Sends `data` (JSON-serialisable) to the peer `to` in the joined room. */
  send(to: string, data: unknown): void;
  /** Leaves the room; the others see `peer-left`. Safe to call when not joined. */
  leave(): Promise<void>;
  /** Leaves and releases every resource (sockets, channels, listeners). */
  close(): void;
  /**
   * Optional: fresh SFU access for the joined room (new tokens; the room made again after an SFU
   * restart), as the relay's `sfu-refresh` answers it. Never settles while the relay is away.
   */
  sfu?(): Promise<SfuAck>;
  /**
   * Optional: our media links dropped, so the network may have changed under a connection
   * that still looks up. Checks it now and, if it is dead, reconnects at once (re-joining as
   * after any reconnection) instead of waiting for a keep-alive timeout.
   */
  check?(): void;
}

/** Settings the element passes to a transport factory. */
export interface TransportOptions {
  /** Socket.IO relay URL (socket.io transport). */
  server?: string;
  /** Parsed Firebase web config (firebase transport). */
  firebaseConfig?: Record<string, unknown>;
}

export type TransportFactory = (options: TransportOptions) => Transport | Promise<Transport>;
