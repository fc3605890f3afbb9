import { Emitter } from '../emitter.js';
import { parseChannelMessage, type ChannelMessage } from './channel-protocol.js';
import { collectStats, type PeerStats } from './stats.js';
import { IceWatch, rtcConfiguration } from './ice-watch.js';
import type { LinkEvents, PeerLink } from './topology.js';

export { parseChannelMessage, type ChannelMessage };
export { ICE_CONNECT_TIMEOUT_MS, ICE_RESTART_AFTER_MS, ICE_RESTORE_TIMEOUT_MS, ICE_RETRY_MS } from './ice-watch.js';

/** Signals one PeerSession sends to its twin through the transport. */
export type SessionSignal = { t: 'sdp'; description: RTCSessionDescriptionInit } | { t: 'ice'; candidate: RTCIceCandidateInit | null };

/** What a session tells its owner (the events of any topology's link). */
export type SessionEvents = LinkEvents;

export interface PeerSessionOptions {
  peerId: string;
  /** Polite peers roll back their own offer on glare; decided from the ids. */
  polite: boolean;
  /**
   * Initiators make the first offer at once. Others wait for the remote offer (or for
   * `offer()`), their connection made, tracks added and ICE candidates gathered ahead.
   */
  initiator: boolean;
  iceServers: RTCIceServer[];
  /** `relay`: only through TURN (see CallEngineOptions.iceTransportPolicy). Default `all`. */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /**
   * The ICE servers to use now, read before each ICE restart: when they changed (fresh TURN
   * credentials after the signaling server was re-joined), the restart uses them
   * (`setConfiguration`). Absent: `iceServers` for good.
   */
  currentIceServers?: () => RTCIceServer[];
  /** When a connection that is not up counts as failed; defaults ICE_CONNECT_TIMEOUT_MS, ICE_RESTORE_TIMEOUT_MS. */
  iceTimeouts?: { connectMs?: number; restoreMs?: number };
  /** Sends a signal to the remote peer through the transport. */
  signal: (message: SessionSignal) => void;
  /** Current local tracks (null when that kind is off or absent). */
  tracks: () => { audio: MediaStreamTrack | null; video: MediaStreamTrack | null };
  stream: MediaStream;
  /**
   * Called for each data-channel message before it is parsed: false drops it (the engine's
   * per-peer rate limit). Absent: every message is taken.
   */
  admit?: () => boolean;
}

/**
 * An offer unanswered this long is sent again (then at twice the interval, up to the cap):
 * signaling can drop an offer or its answer (a relay blip, a database reconnect), and an
 * unanswered offer would block every later renegotiation. The resent description carries
 * every candidate gathered so far, so lost trickled candidates are covered too.
 */
export const OFFER_RESEND_MS = 3000;
const OFFER_RESEND_MAX_MS = 12000;
/** Messages held while the data channel opens; beyond this they are dropped (send returns false). */
const MAX_PENDING = 256;
/**
 * One RTCPeerConnection to one remote peer, with the perfect-negotiation
 * pattern (https://w3c.github.io/webrtc-pc/#perfect-negotiation-example):
 * either side may renegotiate at any time; on glare the impolite side ignores
 * the incoming offer and the polite side rolls its own back. ICE candidates
 * that arrive before the remote description are queued until it is set.
 *
 * When the connection drops (`disconnected` for a while, or `failed`), the
 * impolite side restarts ICE, and retries until it is connected again: the
 * restart offer may need the signaling transport to come back first.
 *
 * A connection not up within ICE_CONNECT_TIMEOUT_MS of the session's start, or lost and not
 * back within ICE_RESTORE_TIMEOUT_MS, emits `ice-failed` (once per episode; `ice-restored`
 * when it is up again). Restarts go on after it, now also from a first attempt that never got
 * anywhere, and each takes the current ICE servers (`currentIceServers`, e.g. fresh TURN
 * credentials): the connection may still come back, and it is never given up silently.
 */
export class PeerSession extends Emitter<SessionEvents> implements PeerLink {
  readonly peerId: string;
  readonly pc: RTCPeerConnection;
  readonly remoteStream = new MediaStream();
  #opts: PeerSessionOptions;
  #channel: RTCDataChannel;
  #makingOffer = false;
  #ignoreOffer = false;
  #settingRemoteAnswer = false;
  #pendingCandidates: RTCIceCandidateInit[] = [];
  #queue: Promise<void> = Promise.resolve();
  #senders: { audio?: RTCRtpSender; video?: RTCRtpSender } = {};
  #tracksAdded = false;
  /** Whether negotiation has begun (our offer, or theirs arrived); a session made ahead waits idle until then. */
  #started = false;
  #closed = false;
  #pending: string[] = [];
  #offerTimer: ReturnType<typeof setTimeout> | undefined;
  /** The failure watch and ICE restarts (see ice-watch.ts). */
  #ice: IceWatch;

  constructor(options: PeerSessionOptions) {
    super();
    this.#opts = options;
    this.peerId = options.peerId;
    const pc = (this.pc = new RTCPeerConnection(rtcConfiguration(options.iceServers, options.iceTransportPolicy)));
    this.#ice = new IceWatch({
      pc,
      polite: options.polite,
      iceServers: options.iceServers,
      iceTransportPolicy: options.iceTransportPolicy,
      currentIceServers: options.currentIceServers,
      iceTimeouts: options.iceTimeouts,
      closed: () => this.#closed,
      failed: (info) => this.emit('ice-failed', info),
      restored: () => this.emit('ice-restored', undefined),
    });
    // Negotiated channel id 0: both sides create the same channel, no ondatachannel race.
    this.#channel = pc.createDataChannel('video-call', { negotiated: true, id: 0 });
    this.#channel.onopen = () => {
      for (const m of this.#pending.splice(0)) this.#channel.send(m);
      this.emit('open', undefined);
    };
    this.#channel.onclose = () => {
      if (!this.#closed) this.emit('closed', undefined);
    };
    this.#channel.onmessage = (e) => {
      if (this.#opts.admit && !this.#opts.admit()) return;
      const msg = parseChannelMessage(e.data);
      if (msg) this.emit('message', msg);
    };
    // Renegotiation (tracks added later, ICE restarts); never before the session has started.
    pc.onnegotiationneeded = () => void (this.#started && this.#negotiate());
    pc.onicecandidate = ({ candidate }) => options.signal({ t: 'ice', candidate: candidate ? candidate.toJSON() : null });
    pc.onconnectionstatechange = () => {
      this.emit('connection', pc.connectionState);
      this.#ice.update();
    };
    pc.ontrack = ({ track }) => {
      for (const old of this.remoteStream.getTracks()) {
        if (old.kind === track.kind && old !== track) this.remoteStream.removeTrack(old);
      }
      if (!this.remoteStream.getTrackById(track.id)) this.remoteStream.addTrack(track);
      track.addEventListener('ended', () => this.emit('track', this.remoteStream));
      this.emit('track', this.remoteStream);
    };
    // Our tracks go in at once, on both sides: the remote offer's media sections take the
    // transceivers they made (one round trip), and nothing is left to do between that offer
    // and our answer. The initiator offers at once too (not a task later, on
    // negotiationneeded: the offer is made while the page renders the call).
    this.#addTracks();
    if (options.initiator) this.offer();
  }

  /**
   * Starts the connection from our side: tracks added and the first offer made, unless an
   * offer already went either way (then negotiation is under way). Idempotent.
   */
  offer(): void {
    if (this.#closed || this.#makingOffer || this.pc.localDescription || this.pc.remoteDescription) return;
    this.#start();
    void this.#negotiate();
  }

  /** The connection is being made from now on (an offer sent or received): the failure watch runs. */
  #start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#ice.start();
  }

  /** Signaling with the peer is back: if the connection is down, ICE restarts now (see IceWatch.nudge). */
  retry(): void {
    this.#ice.nudge();
  }

  /** Whether the connection has failed (`ice-failed` was emitted) and has not come back since. */
  get iceFailed(): boolean {
    return this.#ice.failed;
  }

  get connectionState(): RTCPeerConnectionState {
    return this.pc.connectionState;
  }

  /** Handles a signal from the remote peer. Signals are processed strictly in order. */
  handleSignal(message: SessionSignal): Promise<void> {
    this.#queue = this.#queue
      .then(() => this.#handle(message))
      .catch((err) => {
        if (!this.#closed) console.warn(`[video-call] signal from ${this.peerId} failed:`, err);
      });
    return this.#queue;
  }

  /**
   * Sends `track` as our outgoing `kind`: replaces the sender's track without
   * renegotiation when there is a sender, else adds one (renegotiates).
   */
  async setTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    if (this.#closed || !this.#tracksAdded) return;
    const sender = this.#senders[kind];
    if (sender) await sender.replaceTrack(track);
    else if (track) this.#senders[kind] = this.pc.addTrack(track, this.#opts.stream);
  }

  /**
   * Sends a message over the data channel. While the channel is still opening (the peer
   * connection can report "connected" before its SCTP association is up) messages wait, up to
   * MAX_PENDING, and go out in order on open; false when the message cannot be sent.
   */
  send(message: ChannelMessage): boolean {
    const state = this.#channel.readyState;
    if (state === 'open') this.#channel.send(JSON.stringify(message));
    else if (state === 'connecting' && this.#pending.length < MAX_PENDING) this.#pending.push(JSON.stringify(message));
    else return false;
    return true;
  }

  get channelOpen(): boolean {
    return this.#channel.readyState === 'open';
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  getStats(): Promise<PeerStats> {
    return collectStats(this.peerId, this.pc);
  }

  report(): Promise<RTCStatsReport> {
    return this.pc.getStats();
  }

  audio(): [RTCRtpReceiver | undefined, RTCRtpSender | undefined] {
    return [this.pc.getReceivers().find((r) => r.track.kind === 'audio'), this.#senders.audio];
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ice.stop();
    clearTimeout(this.#offerTimer);
    this.#channel.close();
    this.pc.close();
    for (const t of this.remoteStream.getTracks()) t.stop();
    this.removeAllListeners();
  }

  #addTracks(): void {
    if (this.#tracksAdded) return;
    this.#tracksAdded = true;
    const { audio, video } = this.#opts.tracks();
    if (audio) this.#senders.audio = this.pc.addTrack(audio, this.#opts.stream);
    if (video) this.#senders.video = this.pc.addTrack(video, this.#opts.stream);
  }

  async #negotiate(): Promise<void> {
    if (this.#closed) return;
    try {
      this.#makingOffer = true;
      // Offering first (e.g. the data channel, or glare won): our tracks belong in this offer.
      this.#addTracks();
      await this.pc.setLocalDescription();
      this.#opts.signal({ t: 'sdp', description: this.pc.localDescription!.toJSON() });
      this.#watchOffer(OFFER_RESEND_MS);
    } catch (err) {
      if (!this.#closed) console.warn('[video-call] offer failed:', err);
    } finally {
      this.#makingOffer = false;
    }
  }

  /** Sends our offer again while it stays unanswered (see OFFER_RESEND_MS). */
  #watchOffer(ms: number): void {
    clearTimeout(this.#offerTimer);
    this.#offerTimer = setTimeout(() => {
      if (this.#closed || this.pc.signalingState !== 'have-local-offer' || !this.pc.localDescription) return;
      this.#opts.signal({ t: 'sdp', description: this.pc.localDescription.toJSON() });
      this.#watchOffer(Math.min(ms * 2, OFFER_RESEND_MAX_MS));
    }, ms);
  }

  async #handle(message: SessionSignal): Promise<void> {
    if (this.#closed) return;
    this.#start();
    const pc = this.pc;
    if (message.t === 'sdp') {
      const description = message.description;
      // An answer we are not waiting for is a copy (our offer was sent again and both copies
      // were answered, or signaling delivered a queued duplicate): nothing to apply.
      if (description.type === 'answer' && pc.signalingState !== 'have-local-offer') return;
      const readyForOffer = !this.#makingOffer && (pc.signalingState === 'stable' || this.#settingRemoteAnswer);
      const collision = description.type === 'offer' && !readyForOffer;
      this.#ignoreOffer = !this.#opts.polite && collision;
      if (this.#ignoreOffer) return;
      this.#settingRemoteAnswer = description.type === 'answer';
      // The answer to a restart offer gathers anew: with fresh ICE servers, if there are any.
      if (description.type === 'offer' && pc.remoteDescription) this.#ice.useCurrentIceServers();
      try {
        await pc.setRemoteDescription(description); // rolls back our own offer on glare (polite side)
      } finally {
        this.#settingRemoteAnswer = false;
      }
      if (description.type === 'offer') {
        this.#addTracks();
        await pc.setLocalDescription();
        this.#opts.signal({ t: 'sdp', description: pc.localDescription!.toJSON() });
      }
      for (const c of this.#pendingCandidates.splice(0)) void this.#addCandidate(c);
    } else if (message.t === 'ice') {
      if (!message.candidate) return;
      if (!pc.remoteDescription) this.#pendingCandidates.push(message.candidate);
      else void this.#addCandidate(message.candidate);
    }
  }

  /**
   * Not awaited by the signal queue: the connection applies candidates in order, behind any
   * description being set, so the queue need not wait for each one's round trip (a burst of
   * trickled candidates would otherwise hold back ICE, one candidate at a time).
   */
  async #addCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (err) {
      // A candidate for an offer we ignored (glare) is expected to fail; any other is
      // worth a warning, but one bad candidate must not stop the rest of the signalling.
      if (!this.#ignoreOffer && !this.#closed) console.warn('[video-call] ICE candidate rejected:', err);
    }
  }
}
