import { Emitter } from '../emitter.js';
import { VideoCallError, toVideoCallError, type VideoCallErrorCode } from '../errors.js';
import { randomId } from '../random-id.js';
import type { PeerInfo, Transport } from '../transports/transport.js';
import { getScreenTrack, getUserTracks } from './media.js';
import { PeerSession, type ChannelMessage } from './peer-session.js';
import { ReceiveLimits } from './rate-limit.js';
import { parseEngineSignal, type EngineSignal } from './signals.js';
import { collectStats, type PeerStats } from './stats.js';

export type { PeerStats };

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
  /** Ring-flow state (ring mode only). */
  ring?: RingState;
}

export interface CallEngineOptions {
  iceServers?: RTCIceServer[];
  /** Connect to at most this many remote peers. Default 5. */
  maxPeers?: number;
  /** The 1:1 ring flow instead of the meeting flow. */
  ring?: boolean;
  /** Start with the mic / camera on. Default true. */
  audio?: boolean;
  video?: boolean;
}

export type CallEngineEvents = {
  state: CallState;
  joined: { room: string; selfId: string };
  left: { room: string };
  'peer-joined': { peerId: string; name: string };
  'peer-connected': { peerId: string };
  'peer-left': { peerId: string };
  'incoming-call': { peerId: string; name: string };
  'call-declined': { peerId: string };
  'peer-media': { peerId: string; audio: boolean; video: boolean; screen: boolean };
  'chat-message': { from: string; name: string; text: string; at: number };
  'screen-share': { active: boolean };
  error: { code: VideoCallErrorCode; message: string };
  /** Anything visible changed (peers, streams, local media, transport state). */
  change: void;
};

export const DEFAULT_ICE_SERVERS: RTCIceServer[] = [{ urls: 'stun:stun.l.google.com:19302' }];
export const MAX_CHAT_LENGTH = 4000;
/** Each connected peer is pinged over its data channel this often… */
export const HEARTBEAT_MS = 1000;
/**
 * …and counts as unheard after this long without any message from it. Between two bounds:
 * a network outage of up to ~10 s heals (ICE restart) without anyone leaving, and a peer
 * that is really gone (crash, cable pulled for good) goes within 15 s.
 */
export const HEARTBEAT_TIMEOUT_MS = 11500;
/** How long a newly listed id waits for a rename from a peer we lost track of. */
const RENAME_GRACE_MS = 1500;
/**
 * A newcomer offers to those already in the room. If its offer has not come after this
 * long (each side may have taken the other for the newcomer, e.g. joins at the same
 * instant on a slow machine), we offer instead; perfect negotiation settles any glare.
 */
export const NEWCOMER_OFFER_WAIT_MS = 2000;

interface RemotePeer extends PeerState {
  /**
   * The peer's id on the transport now. It changes when the peer's transport reconnects
   * (the peer tells us, see `renamed`); `id`, the id the element shows, never does.
   */
  tid: string;
  session: PeerSession | null;
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

/**
 * The call engine: local media, one {@link PeerSession} per remote peer, chat
 * and media state over data channels, the ring flow, and the signaling
 * transport's events. Plain TypeScript: no DOM element needed, so it is
 * tested directly as well as through `<video-call>`.
 */
export class CallEngine extends Emitter<CallEngineEvents> {
  state: CallState = 'idle';
  room = '';
  selfId = '';
  name = '';
  /** Our camera (or screen) and mic, for the local preview and for peers. */
  readonly localStream = new MediaStream();
  /** The last media error (permission-denied, no-device), shown by the UI until resolved. */
  mediaError: VideoCallError | null = null;
  transportState: Transport['state'] | null = null;

  #opts: Required<CallEngineOptions>;
  #transport: Transport | null = null;
  #unsubscribe: (() => void)[] = [];
  #peers = new Map<string, RemotePeer>();
  #mic: MediaStreamTrack | null = null;
  #camera: MediaStreamTrack | null = null;
  #screen: MediaStreamTrack | null = null;
  #micOn: boolean;
  #cameraOn: boolean;
  #acquiring: Promise<void> | null = null;
  /** getUserMedia requests out for each kind (a permission prompt may be open). */
  #pending = { audio: 0, video: 0 };
  /**
   * Bumped by destroy(): media asked for before it (a prompt left open while the element was
   * removed) is stopped the moment it arrives, never installed, and nothing is emitted.
   */
  #epoch = 0;
  #joinSeq = 0;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  /**
   * Every id we have had in this room. A relay may still list an id of ours whose old
   * connection it has not noticed is dead: that is us, never a peer.
   */
  #ownIds = new Set<string>();
  /** Names of the peers the transport has listed, for peers whose first signal beats their admission. */
  #listedNames = new Map<string, string>();
  /** Rename secrets from ids the transport has not listed yet (their signal beat their admission). */
  #listedKeys = new Map<string, string>();
  #onPageHide = () => this.#sayBye();

  constructor(options: CallEngineOptions = {}) {
    super();
    this.#opts = {
      iceServers: options.iceServers ?? DEFAULT_ICE_SERVERS,
      maxPeers: options.maxPeers ?? 5,
      ring: options.ring ?? false,
      audio: options.audio ?? true,
      video: options.video ?? true,
    };
    this.#micOn = this.#opts.audio;
    this.#cameraOn = this.#opts.video;
  }

  /** Changes options that take effect for the next connections. */
  configure(options: CallEngineOptions): void {
    for (const [k, v] of Object.entries(options)) {
      if (v !== undefined) (this.#opts as Record<string, unknown>)[k] = v;
    }
    // The starting mic/camera state applies until media has been acquired.
    if (options.audio !== undefined && !this.#mic) this.#micOn = options.audio;
    if (options.video !== undefined && !this.#camera) this.#cameraOn = options.video;
  }

  get peers(): PeerState[] {
    return [...this.#peers.values()].map(({ id, name, connectionState, audio, video, screen, stream, ring }) => ({
      id, name, connectionState, audio, video, screen, stream, ...(ring ? { ring } : {}),
    }));
  }

  get micOn(): boolean {
    return this.#micOn && !!this.#mic;
  }
  get cameraOn(): boolean {
    return this.#cameraOn && !!this.#camera;
  }
  get screenSharing(): boolean {
    return !!this.#screen;
  }
  get ring(): boolean {
    return this.#opts.ring;
  }

  // ---------------------------------------------------------------- media

  /** Starts the camera/mic (for the pre-join preview). Never rejects: failures land in `mediaError` and an `error` event. */
  startMedia(): Promise<void> {
    if (this.#mic || this.#camera || this.#acquiring) return this.#acquiring ?? Promise.resolve();
    // The mic is acquired even when starting muted, so unmuting is instant; the camera only when wanted (its light).
    // A kind a toggle is already asking for is not asked twice (one prompt).
    const want = { audio: !this.#pending.audio, video: this.#cameraOn && !this.#pending.video };
    if (!want.audio && !want.video) return Promise.resolve();
    const acquiring: Promise<void> = this.#acquire(want).finally(() => {
      if (this.#acquiring === acquiring) this.#acquiring = null;
    });
    return (this.#acquiring = acquiring);
  }

  async #acquire(want: { audio: boolean; video: boolean }): Promise<void> {
    const epoch = this.#epoch;
    if (want.audio) this.#pending.audio++;
    if (want.video) this.#pending.video++;
    let got: Awaited<ReturnType<typeof getUserTracks>>;
    try {
      got = await getUserTracks(want);
    } finally {
      if (epoch === this.#epoch) {
        if (want.audio) this.#pending.audio--;
        if (want.video) this.#pending.video--;
      }
    }
    if (epoch !== this.#epoch) {
      // Destroyed while the prompt was open: nobody will show, send or stop these.
      got.audio?.stop();
      got.video?.stop();
      return;
    }
    // The mic is installed even when muted meanwhile (#setMic keeps it disabled): unmuting stays instant.
    if (got.audio) {
      if (this.#mic) got.audio.stop();
      else this.#setMic(got.audio);
    }
    // The camera only if still wanted: turned off while the prompt was open, its light goes out now.
    if (got.video) {
      if (this.#cameraOn && !this.#camera) this.#setCamera(got.video);
      else got.video.stop();
    }
    if (got.error) this.#mediaFailed(got.error);
    else if (got.audio || got.video) this.mediaError = null;
    this.#mediaChanged();
  }

  #mediaFailed(err: VideoCallError): void {
    this.mediaError = err;
    this.#fail(err, false);
  }

  #setMic(track: MediaStreamTrack): void {
    this.#mic?.stop();
    if (this.#mic) this.localStream.removeTrack(this.#mic);
    this.#mic = track;
    track.enabled = this.#micOn;
    this.localStream.addTrack(track);
    this.#eachSession((s) => s.setTrack('audio', track));
  }

  #setCamera(track: MediaStreamTrack | null): void {
    if (this.#camera) {
      this.#camera.stop();
      this.localStream.removeTrack(this.#camera);
    }
    this.#camera = track;
    if (!this.#screen) {
      if (track) this.localStream.addTrack(track);
      this.#eachSession((s) => s.setTrack('video', track));
    }
  }

  /**
   * Mic on/off. Without an argument it does the opposite of what `micOn` shows: a mic shown
   * off because it was refused or is missing is turned on, which asks for it again.
   * Returns the new state.
   */
  toggleMic(on?: boolean): boolean {
    this.#micOn = on ?? !this.micOn;
    if (this.#mic) this.#mic.enabled = this.#micOn;
    else if (this.#micOn && !this.#pending.audio) void this.#acquire({ audio: true, video: false });
    this.#mediaChanged();
    return this.#micOn;
  }

  /**
   * Camera on/off. Without an argument it does the opposite of what `cameraOn` shows (a
   * refused camera shown off is asked for again). Off releases the camera, so its light
   * goes out. Returns the new state.
   */
  toggleCamera(on?: boolean): boolean {
    this.#cameraOn = on ?? !this.cameraOn;
    if (!this.#cameraOn) this.#setCamera(null);
    else if (!this.#camera && !this.#pending.video) {
      const epoch = this.#epoch;
      void this.#acquire({ audio: false, video: true }).then(() => {
        if (epoch !== this.#epoch) return;
        if (!this.#camera) this.#cameraOn = false;
        this.#mediaChanged();
      });
    }
    this.#mediaChanged();
    return this.#cameraOn;
  }

  /** Shares a screen, window or tab in place of the camera (no renegotiation when video is already sent). */
  async startScreenShare(): Promise<void> {
    if (this.#screen) return;
    const epoch = this.#epoch;
    const joinSeq = this.#joinSeq;
    let track: MediaStreamTrack;
    try {
      track = await getScreenTrack();
    } catch (err) {
      // Not a camera/mic problem: `mediaError` (the camera/mic message) stays as it is.
      if (epoch === this.#epoch) this.#fail(toVideoCallError(err, 'no-device'), false);
      throw err;
    }
    // Destroyed or left while the picker was open, or already sharing (a second picker): not installed.
    if (epoch !== this.#epoch || joinSeq !== this.#joinSeq || this.#screen) {
      track.stop();
      return;
    }
    this.#screen = track;
    // The browser's own "Stop sharing" button ends the track.
    track.addEventListener('ended', () => this.stopScreenShare());
    if (this.#camera) this.localStream.removeTrack(this.#camera);
    this.localStream.addTrack(track);
    this.#eachSession((s) => s.setTrack('video', track));
    this.emit('screen-share', { active: true });
    this.#mediaChanged();
  }

  /** Stops sharing and goes back to the camera (if it is on). */
  stopScreenShare(): void {
    const track = this.#screen;
    if (!track) return;
    this.#screen = null;
    track.stop();
    this.localStream.removeTrack(track);
    if (this.#camera) this.localStream.addTrack(this.#camera);
    this.#eachSession((s) => s.setTrack('video', this.#camera));
    this.emit('screen-share', { active: false });
    this.#mediaChanged();
  }

  #mediaState(): Extract<ChannelMessage, { t: 'media' }> {
    return { t: 'media', audio: this.micOn, video: this.cameraOn || this.screenSharing, screen: this.screenSharing, name: this.name };
  }

  /** Changes our display name; in a call, the others' tiles follow (told over the data channel). */
  setName(name: string): void {
    if (name === this.name) return;
    this.name = name;
    if (this.state === 'joined') this.#mediaChanged();
  }

  #mediaChanged(): void {
    const state = this.#mediaState();
    this.#eachSession((s) => s.send(state));
    this.emit('change', undefined);
  }

  #tracks = () => ({ audio: this.#mic, video: this.#screen ?? this.#camera });

  // ----------------------------------------------------------------- room

  /** Joins `room` through `transport`. Rejects (and emits `error`) when the transport refuses. */
  async join(room: string, transport: Transport, options: { name?: string; token?: string } = {}): Promise<void> {
    if (this.state === 'joining' || this.state === 'joined') await this.leave();
    const seq = ++this.#joinSeq;
    this.room = room;
    this.name = options.name ?? '';
    this.#setState('joining');
    await this.startMedia();
    if (seq !== this.#joinSeq) return;
    this.#transport = transport;
    // Room events can arrive before our own join resolves (the others may hear of us,
    // and ring us, first): they wait in #early and are replayed once we are in.
    const early: (() => void)[] = [];
    let ended = false;
    const inRoom = <T>(fn: (payload: T) => void) => (payload: T) => {
      if (this.state === 'joined') fn(payload);
      else if (this.state === 'joining' && seq === this.#joinSeq) early.push(() => fn(payload));
    };
    this.#unsubscribe = [
      transport.on('peer-joined', inRoom((p) => this.#onPeerJoined(p))),
      transport.on('peer-left', inRoom(({ id }) => this.#onPeerLeft(id))),
      transport.on('signal', inRoom(({ from, data }) => this.#onSignal(from, data))),
      // Why signaling for the room ended (e.g. the token expired before an automatic rejoin):
      // reported with its own code, in place of the generic "closed" message that follows.
      transport.on('error', (e) => {
        if (this.state !== 'joined' || seq !== this.#joinSeq) return;
        ended = true;
        const reason = e.message.trim();
        this.#signalingEnded(e.code, /[.!?]$/.test(reason) ? reason : `${reason}.`);
      }),
      transport.on('state', (s) => {
        this.transportState = s;
        if (s === 'closed' && this.state === 'joined' && !ended) {
          this.#signalingEnded('transport', 'The connection to the signaling server was closed.');
        }
        this.emit('change', undefined);
      }),
      transport.on('rejoined', ({ selfId, peers }) => this.#onRejoined(selfId, peers)),
    ];
    let result;
    try {
      result = await transport.join(room, { name: this.name, token: options.token });
    } catch (err) {
      if (seq !== this.#joinSeq) return;
      this.#detach();
      const error = toVideoCallError(err, 'transport');
      this.#fail(error, true);
      throw error;
    }
    if (seq !== this.#joinSeq) return;
    this.selfId = result.selfId;
    this.#ownIds = new Set([result.selfId]);
    this.#listedNames = new Map(result.peers.map((p) => [p.id, p.name]));
    this.#listedKeys.clear();
    this.transportState = transport.state;
    this.#setState('joined');
    this.emit('joined', { room, selfId: this.selfId });
    this.#heartbeat = setInterval(() => this.#beat(), HEARTBEAT_MS);
    globalThis.addEventListener?.('pagehide', this.#onPageHide);
    this.#connectTo(result.peers);
    for (const replay of early.splice(0)) replay();
  }

  /** Leaves the room: closes every connection; keeps the local preview. */
  async leave(): Promise<void> {
    const wasIn = this.state === 'joined' || this.state === 'joining';
    this.#joinSeq++;
    this.#sayBye();
    this.stopScreenShare();
    for (const id of [...this.#peers.keys()]) this.#removePeer(id, false);
    const transport = this.#transport;
    this.#detach();
    if (transport) await transport.leave().catch(() => {});
    if (this.state !== 'idle') this.#setState('idle');
    if (wasIn) this.emit('left', { room: this.room });
  }

  /** Signaling for the room has ended for `reason`; the peer connections stay up. */
  #signalingEnded(code: VideoCallErrorCode, reason: string): void {
    this.#fail(new VideoCallError(code, `${reason} Calls in progress go on, but nobody new can join; leave and join again to reconnect.`), false);
  }

  /** Leaves and stops the camera and mic. */
  async destroy(): Promise<void> {
    this.#epoch++;
    this.#pending = { audio: 0, video: 0 };
    this.#acquiring = null;
    await this.leave();
    this.#setCamera(null);
    this.#mic?.stop();
    if (this.#mic) this.localStream.removeTrack(this.#mic);
    this.#mic = null;
  }

  #detach(): void {
    clearInterval(this.#heartbeat);
    globalThis.removeEventListener?.('pagehide', this.#onPageHide);
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    this.#transport = null;
    this.transportState = null;
  }

  #connectTo(all: PeerInfo[]): void {
    const peers = all.filter((p) => !this.#ownIds.has(p.id));
    const slots = this.#opts.ring ? 1 : this.#opts.maxPeers;
    const accepted = peers.slice(0, Math.max(0, slots - this.#peers.size));
    for (const p of accepted) {
      const peer = this.#addPeer(p.id, p.name);
      if (this.#opts.ring) peer.ring = 'waiting';
      else this.#startSession(peer, true);
    }
    const refused = peers.length - accepted.length;
    if (refused > 0 && !this.#opts.ring) {
      this.#fail(
        new VideoCallError('room-full', `This room has more people than this call can connect to (${this.#opts.maxPeers}); you are connected to the first ${accepted.length}.`),
        false,
      );
    }
  }

  #peerByTid(tid: string): RemotePeer | undefined {
    for (const p of this.#peers.values()) if (p.tid === tid) return p;
    return undefined;
  }

  /** Connected and heard from recently: the peer is there, whatever the transport says. */
  #alive(p: RemotePeer): boolean {
    return !!p.session && p.connectedOnce && Date.now() - p.lastHeard < HEARTBEAT_TIMEOUT_MS;
  }

  /**
   * Peers we were connected to that the transport no longer lists, or that went silent:
   * they may come back under a new id (transports that do not keep ids).
   */
  #hasOrphans(): boolean {
    return [...this.#peers.values()].some((p) => p.connectedOnce && (!p.present || !this.#alive(p)));
  }

  /** Runs `fn` now, or, while a lost peer may still announce its new id, a little later. */
  #afterRenames(fn: () => void): void {
    if (!this.#hasOrphans()) return fn();
    const seq = this.#joinSeq;
    setTimeout(() => seq === this.#joinSeq && this.state === 'joined' && fn(), RENAME_GRACE_MS);
  }

  #onPeerJoined({ id: tid, name }: PeerInfo): void {
    if (this.#ownIds.has(tid)) return;
    this.#listedNames.set(tid, name);
    const known = this.#peerByTid(tid);
    if (known) {
      known.present = true;
      if (name) known.name = name;
      this.emit('change', undefined);
      return;
    }
    this.#afterRenames(() => {
      if (this.#peerByTid(tid)) return; // a peer we knew, under its new id
      const slots = this.#opts.ring ? 1 : this.#opts.maxPeers;
      if (this.#peers.size >= slots) {
        this.#send(tid, { t: 'full' });
        return;
      }
      const peer = this.#addPeer(tid, name);
      if (this.#opts.ring) peer.ring = 'ready';
      else {
        const seq = this.#joinSeq;
        setTimeout(() => {
          if (seq === this.#joinSeq && this.#peers.get(peer.id) === peer && !peer.session) this.#startSession(peer, true);
        }, NEWCOMER_OFFER_WAIT_MS);
      }
      this.emit('change', undefined);
    });
  }

  /**
   * The transport says a peer left. A peer still connected and heard from over its data
   * channel stays (its signaling blipped; media goes on); the heartbeat decides later.
   */
  #onPeerLeft(tid: string): void {
    const peer = this.#peerByTid(tid);
    if (!peer) return;
    if (this.#alive(peer)) peer.present = false;
    else this.#removePeer(peer.id);
  }

  /**
   * The transport reconnected and re-entered the room on its own. Calls in progress go
   * on over their own connections. If our id changed we tell each peer, over the data
   * channel (works while the relay is down) and over the transport (works while the peer
   * connection is down), so they know us under the new id. Peers the transport lists
   * that we do not know are connected to, after a moment for their own renames.
   */
  #onRejoined(selfId: string, peers: PeerInfo[]): void {
    if (this.state !== 'joined') return;
    const previous = this.selfId;
    this.selfId = selfId;
    this.#ownIds.add(selfId);
    if (previous !== selfId) {
      for (const p of this.#peers.values()) {
        p.session?.send({ t: 'renamed', id: selfId });
        this.#send(p.tid, { t: 'renamed', previous, key: p.ourKey });
      }
    }
    for (const p of peers) {
      this.#listedNames.set(p.id, p.name);
      const known = this.#peerByTid(p.id);
      if (known && !known.name && p.name) known.name = p.name;
    }
    const listed = new Set(peers.map((p) => p.id));
    for (const p of [...this.#peers.values()]) {
      p.present = listed.has(p.tid);
      if (!p.present && !this.#alive(p)) this.#removePeer(p.id);
    }
    this.#afterRenames(() => this.#connectTo(peers.filter((p) => !this.#peerByTid(p.id))));
    this.emit('change', undefined);
  }

  /**
   * A peer we know now goes by `tid` on the transport (its rename was proven). The id may already
   * stand for a peer listed before the rename arrived, which is then dropped; never for one we are
   * connected to, nor for us: nobody takes over another's id.
   */
  #renamed(peer: RemotePeer, tid: string): void {
    const other = this.#peerByTid(tid);
    if (this.#ownIds.has(tid) || other?.connectedOnce) return;
    if (other && other !== peer) this.#removePeer(other.id);
    peer.tid = tid;
    peer.present = true;
    this.emit('change', undefined);
  }

  /** Pings every connected peer; drops peers unheard for too long that the transport does not vouch for. */
  #beat(): void {
    for (const p of [...this.#peers.values()]) {
      p.session?.send({ t: 'ping' });
      const unheard = !!p.session && p.connectedOnce && !this.#alive(p);
      if (unheard && (!p.present || this.transportState !== 'connected')) this.#removePeer(p.id);
    }
  }

  /** Tells every connected peer we are going (leave, closing the tab), so they need not wait. */
  #sayBye(): void {
    for (const p of this.#peers.values()) p.session?.send({ t: 'bye' });
  }

  #addPeer(id: string, name: string): RemotePeer {
    const peer: RemotePeer = {
      id,
      tid: id,
      present: true,
      lastHeard: 0,
      name,
      connectionState: 'new',
      // Assumed on until the peer's first media state arrives over the data channel;
      // `peer-media` fires only when that state differs.
      audio: true,
      video: true,
      screen: false,
      stream: null,
      session: null,
      connectedOnce: false,
      ourKey: randomId(),
      theirKey: this.#listedKeys.get(id) ?? null,
      keyFromChannel: false,
      limits: new ReceiveLimits(() =>
        this.#fail(new VideoCallError('rate-limited', `${peer.name || 'A participant'} is sending too many messages; some were not shown.`), false),
      ),
    };
    this.#listedKeys.delete(id);
    this.#peers.set(id, peer);
    // Our rename secret, for renames before a data channel exists (the ring flow before accept).
    this.#send(id, { t: 'key', key: peer.ourKey });
    this.emit('peer-joined', { peerId: id, name });
    return peer;
  }

  #removePeer(id: string, announce = true): void {
    const peer = this.#peers.get(id);
    if (!peer) return;
    peer.session?.close();
    this.#peers.delete(id);
    if (announce) this.emit('peer-left', { peerId: id });
    this.emit('change', undefined);
  }

  #startSession(peer: RemotePeer, initiator: boolean): PeerSession {
    const session = new PeerSession({
      peerId: peer.id,
      polite: this.selfId < peer.tid,
      initiator,
      iceServers: this.#opts.iceServers,
      signal: (m) => this.#send(peer.tid, m),
      tracks: this.#tracks,
      stream: this.localStream,
      admit: () => peer.limits.message(),
    });
    peer.session = session;
    session.on('connection', (state) => {
      peer.connectionState = state;
      if (state === 'connected' && !peer.connectedOnce) {
        peer.connectedOnce = true;
        this.emit('peer-connected', { peerId: peer.id });
      }
      this.emit('change', undefined);
    });
    session.on('track', (stream) => {
      peer.stream = stream;
      this.emit('change', undefined);
    });
    session.on('open', () => {
      peer.lastHeard = Date.now();
      // A fresh rename secret that only the peer sees (the transport's may have been read on the way).
      peer.ourKey = randomId();
      session.send({ t: 'key', key: peer.ourKey });
      session.send(this.#mediaState());
    });
    session.on('message', (m) => {
      peer.lastHeard = Date.now();
      this.#onChannelMessage(peer, m);
    });
    // The remote closed its connection (left, closed the tab): gone now, not after a timeout.
    session.on('closed', () => this.#removePeer(peer.id));
    return session;
  }

  #onChannelMessage(peer: RemotePeer, m: ChannelMessage): void {
    if (m.t === 'media') {
      if (m.name !== undefined && m.name !== peer.name) {
        peer.name = m.name; // renamed during the call
        this.emit('change', undefined);
      }
      if (peer.audio === m.audio && peer.video === m.video && peer.screen === m.screen) return;
      Object.assign(peer, { audio: m.audio, video: m.video, screen: m.screen });
      this.emit('peer-media', { peerId: peer.id, audio: m.audio, video: m.video, screen: m.screen });
      this.emit('change', undefined);
    } else if (m.t === 'chat') {
      if (!peer.limits.chat()) return;
      this.emit('chat-message', { from: peer.id, name: m.name || peer.name, text: m.text, at: m.at });
    } else if (m.t === 'renamed') {
      this.#renamed(peer, m.id);
    } else if (m.t === 'key') {
      peer.theirKey = m.key;
      peer.keyFromChannel = true;
    } else if (m.t === 'bye') {
      this.#removePeer(peer.id);
    }
  }

  #send(to: string, signal: EngineSignal): void {
    try {
      this.#transport?.send(to, signal);
    } catch (err) {
      this.#fail(toVideoCallError(err, 'transport'), false);
    }
  }

  #onSignal(from: string, data: unknown): void {
    const signal = parseEngineSignal(data);
    if (!signal || this.#ownIds.has(from)) return;
    let peer = this.#peerByTid(from);
    switch (signal.t) {
      case 'renamed': {
        // Only with the secret `previous` gave us: any room member can claim to have been anyone.
        const known = this.#peerByTid(signal.previous);
        if (known && known !== peer && known.theirKey !== null && known.theirKey === signal.key) this.#renamed(known, from);
        return;
      }
      case 'key':
        if (!peer) this.#listedKeys.set(from, signal.key);
        else if (!peer.keyFromChannel) peer.theirKey = signal.key;
        return;
      case 'sdp':
      case 'ice':
        if (!peer) {
          // Their signal overtook their presence (possible on some transports).
          if (this.#opts.ring || this.#peers.size >= this.#opts.maxPeers) {
            this.#send(from, { t: 'full' });
            return;
          }
          peer = this.#addPeer(from, this.#listedNames.get(from) ?? '');
        }
        if (this.#opts.ring && peer.ring !== 'active') return; // nothing connects before accept
        (peer.session ?? this.#startSession(peer, false)).handleSignal(signal);
        return;
      case 'ring':
        if (!this.#opts.ring || !peer) return;
        if (signal.name) peer.name = signal.name;
        peer.ring = 'incoming';
        // The public id (peers[], accept(peerId)), not `from`: they differ after the peer's transport reconnects.
        this.emit('incoming-call', { peerId: peer.id, name: peer.name });
        this.emit('change', undefined);
        return;
      case 'accept':
        if (!peer || peer.ring !== 'calling') return;
        peer.ring = 'active';
        this.#startSession(peer, true);
        this.emit('change', undefined);
        return;
      case 'decline':
        if (!peer || peer.ring !== 'calling') return;
        peer.ring = 'declined';
        this.emit('call-declined', { peerId: peer.id });
        this.emit('change', undefined);
        return;
      case 'full':
        if (!peer) return;
        this.#removePeer(peer.id, true);
        this.#fail(new VideoCallError('room-full', `${peer.name || 'A participant'} cannot take more connections (their call is full).`), false);
        return;
    }
  }

  // ------------------------------------------------------------ ring flow

  #ringPeer(peerId: string | undefined, states: RingState[]): RemotePeer {
    if (!this.#opts.ring) throw new VideoCallError('invalid-state', 'call(), accept() and decline() belong to the ring flow (the `ring` attribute).');
    const peer = peerId ? this.#peers.get(peerId) : [...this.#peers.values()].find((p) => states.includes(p.ring!));
    if (!peer || !states.includes(peer.ring!)) {
      throw new VideoCallError('invalid-state', states.includes('incoming') ? 'There is no incoming call to answer.' : 'There is nobody to call yet.');
    }
    return peer;
  }

  /** Ring flow: rings the peer who joined after us. */
  async call(peerId?: string): Promise<void> {
    const peer = this.#ringPeer(peerId, ['ready', 'declined']);
    peer.ring = 'calling';
    this.#send(peer.tid, { t: 'ring', name: this.name });
    this.emit('change', undefined);
  }

  /** Ring flow: accepts the incoming call; the caller then connects to us. */
  async accept(peerId?: string): Promise<void> {
    const peer = this.#ringPeer(peerId, ['incoming']);
    peer.ring = 'active';
    this.#send(peer.tid, { t: 'accept' });
    this.emit('change', undefined);
  }

  /** Ring flow: declines the incoming call. */
  decline(peerId?: string): void {
    const peer = this.#ringPeer(peerId, ['incoming']);
    peer.ring = 'waiting';
    this.#send(peer.tid, { t: 'decline' });
    this.emit('change', undefined);
  }

  // ----------------------------------------------------------------- chat

  /** Sends a chat message to everyone connected (peer to peer) and echoes it locally. */
  sendChat(text: string): void {
    if (typeof text !== 'string' || !text.trim()) return;
    if (this.state !== 'joined') {
      this.#fail(new VideoCallError('not-joined', 'Join the call to send messages.'), false);
      return;
    }
    const message = { t: 'chat' as const, text: text.slice(0, MAX_CHAT_LENGTH), at: Date.now(), name: this.name };
    this.#eachSession((s) => s.send(message));
    this.emit('chat-message', { from: this.selfId, name: this.name, text: message.text, at: message.at });
  }

  /** Per-peer statistics: round-trip time, loss, bitrates, frame size. */
  async getStats(): Promise<PeerStats[]> {
    const connected = [...this.#peers.values()].filter((p) => p.session);
    return Promise.all(connected.map((p) => collectStats(p.id, p.session!.pc)));
  }

  // ---------------------------------------------------------------- misc

  #eachSession(fn: (s: PeerSession) => unknown): void {
    for (const p of this.#peers.values()) {
      if (p.session) {
        Promise.resolve(fn(p.session)).catch((err) => console.warn('[video-call]', err));
      }
    }
  }

  #setState(state: CallState): void {
    this.state = state;
    this.emit('state', state);
    this.emit('change', undefined);
  }

  #fail(err: VideoCallError, fatal: boolean): void {
    if (fatal) this.#setState('error');
    this.emit('error', { code: err.code, message: err.message });
  }
}
