import type { VideoCallError, VideoCallErrorCode } from '../errors.js';
import type { LineReport } from './quality.js';
import type { ReceiveLimits } from './rate-limit.js';
import type { PeerLink } from './topology.js';
import type { DeviceChange } from './devices.js';

/** `state` of a call: the element's `state` property. */
export type CallState = 'idle' | 'joining' | 'joined' | 'error';

/**
 * Where a remote peer stands in the `ring` (1:1) flow:
 * `ready` — they joined after us; we may call them ("Start call").
 * `waiting` — they were there first; we wait for their call.
 * `calling` — we rang them. `incoming` — they ring us ("Accept / Decline").
 * `declined` — they declined our call. `active` — the call is accepted.
 */
export type RingState = 'ready' | 'waiting' | 'calling' | 'incoming' | 'declined' | 'active';

/** A remote peer, as the element's `peers` property shows it. */
export interface PeerState {
  id: string;
  name: string;
  /** The RTCPeerConnection's state, or `new` before one exists. */
  connectionState: RTCPeerConnectionState;
  /** Whether their mic is on. */
  audio: boolean;
  /** Whether their camera (or screen) is sending video. */
  video: boolean;
  /** Whether they share their screen. */
  screen: boolean;
  /** Their audio/video, once tracks arrive. */
  stream: MediaStream | null;
  /** Whether their hand is raised. */
  hand: boolean;
  /** Ring-flow state (ring mode only). */
  ring?: RingState;
  /** They record the call (they told us; cleared when they stop or leave). */
  recording?: boolean;
  /**
   * Set while the connection to this peer cannot be made or restored (an `error` with code
   * `ice-failed` said why, see {@link IceTimeouts}); cleared, with a `change` event, once
   * the connection is up again. ICE restarts go on meanwhile.
   */
  problem?: 'ice-failed';
  /** How their line is (quality.ts): rated every few seconds once connected; absent before the first rating. */
  line?: LineReport;
}

/**
 * How long a connection to a peer may take before it counts as failed (`ice-failed`); the
 * defaults are `ICE_CONNECT_TIMEOUT_MS` and `ICE_RESTORE_TIMEOUT_MS` (peer-session.ts). For
 * tests, and for embedders who know their networks are faster or slower.
 */
export interface IceTimeouts {
  /** A new connection not up this long after it starts has failed. Default 15 000 ms. */
  connectMs?: number;
  /** A connection lost (disconnected, failed) and not restored this long after, by ICE restarts, has failed. Default 20 000 ms. */
  restoreMs?: number;
}

export interface CallEngineOptions {
  /**
   * STUN/TURN servers, used together with any the transport's join hands us (the relay's
   * minted TURN credentials). Default: one public STUN server.
   */
  iceServers?: RTCIceServer[];
  /**
   * `all` (default): direct connections when possible, TURN otherwise. `relay`: only through
   * a TURN server, so peers never learn each other's IP address; without any TURN server
   * (here or from the transport) nothing can connect, and `join` says so (`ice-failed`).
   */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** When a connection that is not up counts as failed (see {@link IceTimeouts}). */
  iceTimeouts?: IceTimeouts;
  /** Connect to at most this many remote peers. Default 5. */
  maxPeers?: number;
  /** The 1:1 ring flow instead of the meeting flow. */
  ring?: boolean;
  /** Start with the mic / camera on. Default true. */
  audio?: boolean;
  video?: boolean;
  /**
   * How media flows (CONTRACT section 10): `mesh`; `sfu` (through the SFU the transport offers, or
   * `sfuUrl`); `auto` (default): a mesh while the room fits `maxPeers`, the whole room on the SFU past
   * that when one is offered. The ring flow is always a mesh.
   */
  topology?: 'mesh' | 'sfu' | 'auto';
  /** A Janus WebSocket URL, for transports that offer no SFU of their own (firebase, local). */
  sfuUrl?: string;
}

/** How media flows now. */
export type MediaTopology = 'mesh' | 'sfu';

export type CallEngineEvents = {
  state: CallState;
  joined: { room: string; selfId: string; topology: MediaTopology };
  /** Media moved from the mesh to the SFU, or back. */
  topology: { topology: MediaTopology };
  left: { room: string };
  'peer-joined': { peerId: string; name: string };
  'peer-connected': { peerId: string };
  'peer-left': { peerId: string };
  'incoming-call': { peerId: string; name: string };
  'call-declined': { peerId: string };
  'peer-media': { peerId: string; audio: boolean; video: boolean; screen: boolean };
  'chat-message': { from: string; name: string; text: string; at: number };
  'screen-share': { active: boolean };
  /** Who speaks now (presence.ts): a peer's id, our own id, or null when nobody does. */
  'active-speaker': { peerId: string | null };
  /** Someone (`peerId`: a peer, or our own id) started or stopped recording the call. */
  recording: { peerId: string; active: boolean };
  /** A hand raised or lowered, ours included; `say`: worth telling a screen reader (not in a flood of them). */
  hand: { peerId: string; raised: boolean; say?: boolean };
  /** A reaction, ours included (a peer's only within its limits). */
  reaction: { peerId: string; emoji: string };
  /**
   * `quiet`: the element says it in its own way (not as an error). `over`: resolves once what went
   * wrong has gone by itself (the media server answers again), and the element stops showing it.
   * The element fires it as `vc-error` without either.
   */
  error: { code: VideoCallErrorCode; message: string; quiet?: boolean; over?: Promise<void> };
  /** The camera, microphone or speaker in use changed (chosen, unplugged, back). */
  'device-change': DeviceChange;
  /** The mic or camera in use went away with none to take its place: it is off (an `error` `no-device`, `quiet`, follows). */
  'device-lost': Omit<DeviceChange, 'reason'>;
  /** Cameras, microphones or speakers came or went. */
  devices: void;
  /** Anything visible changed (peers, streams, local media, transport state). */
  change: void;
};

/** A remote peer as the engine keeps it (internal: the parts share it). */
export interface RemotePeer extends PeerState {
  /**
   * The peer's id on the transport now. It changes when the peer's transport reconnects
   * (the peer tells us, see `renamed`); `id`, the id the element shows, never does.
   */
  tid: string;
  /** Our media link to the peer (from the topology), once there is one. */
  link: PeerLink | null;
  connectedOnce: boolean;
  /** Whether the transport lists the peer in the room. */
  present: boolean;
  /** When anything last arrived on the peer's data channel (ms epoch; 0 before). */
  lastHeard: number;
  /** The secret we gave this peer: we show it in a transport-level rename, to prove it is us. */
  ourKey: string;
  /** The secret this peer gave us: a transport-level rename of it must show it. */
  theirKey: string | null;
  /** Whether `theirKey` came over the peer's data channel (no server saw it; the transport's no longer counts). */
  keyFromChannel: boolean;
  /** What this peer may make us process (data-channel messages, chat). */
  limits: ReceiveLimits;
}

/** What every part of the engine may do to the engine itself: emit its events, report errors. */
export interface EngineHost {
  readonly options: Required<CallEngineOptions>;
  emit<K extends keyof CallEngineEvents>(type: K, payload: CallEngineEvents[K]): void;
  /** Emits `error`; a fatal one also puts the engine in state `error`. `over`: see the `error` event. */
  fail(err: VideoCallError, fatal: boolean, over?: Promise<void>): void;
}
