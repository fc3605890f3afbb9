import { Emitter } from '../emitter.js';
import { VideoCallError, toVideoCallError } from '../errors.js';
import type { JoinResult, Transport } from '../transports/transport.js';
import { REACTIONS, clampName, type ChannelHandlers, type ChannelMessage } from './channel-protocol.js';
import { hasTurnServer, noTurnServerMessage, validIceServers } from './ice.js';
import type { BackgroundControl } from './background-control.js';
import type { BackgroundOptions } from './background-effect.js';
import { loadBackground } from './background-loader.js';
import { loadDeviceChunk } from '../device-chunk-loader.js';
import type { DeviceKind, DeviceList, Devices } from './devices.js';
import { getUserTracks } from './media.js';
import { LocalMedia } from './local-media.js';
import { MeshTopology, type IceSettings } from './mesh.js';
import { loadExtras } from './extras-loader.js';
import type { Presence } from './presence.js';
import { channelHandlers, followLink, type PeerEventsHost } from './peer-events.js';
import { loadRecorder } from './recorder-loader.js';
import type { RecordingOptions } from './recording.js';
import { RingFlow } from './ring-flow.js';
import { Room } from './room.js';
import type { PeerStats } from './stats.js';
import type { Topology } from './topology.js';
import type { CallEngineEvents, CallEngineOptions, CallState, EngineHost, MediaTopology, PeerState, RemotePeer } from './types.js';
import { loadSfu } from './sfu-loader.js';

export type { CallEngineEvents, CallEngineOptions, CallState, PeerState, PeerStats };
export type { IceTimeouts, RingState } from './types.js';
export type { DeviceChange, DeviceInfo, DeviceKind, DeviceList } from './devices.js';
export type { LineQuality, LineReport } from './quality.js';
export { HEARTBEAT_MS, HEARTBEAT_TIMEOUT_MS } from './room.js';
export { ICE_CONNECT_TIMEOUT_MS, ICE_RESTORE_TIMEOUT_MS } from './peer-session.js';
export { hasTurnServer } from './ice.js';

export const DEFAULT_ICE_SERVERS: RTCIceServer[] = [{ urls: 'stun:stun.l.google.com:19302' }];
export const MAX_CHAT_LENGTH = 4000;
/**
 * A newcomer offers to those already in the room. If its offer has not come after this
 * long (each side may have taken the other for the newcomer, e.g. joins at the same
 * instant on a slow machine), we offer instead; perfect negotiation settles any glare.
 */
export const NEWCOMER_OFFER_WAIT_MS = 2000;

/**
 * The call engine: a thin coordinator of parts with one job each — local media
 * (`local-media.ts`), the room's membership and peer identities (`room.ts`), the media
 * topology (`topology.ts`; today the mesh, `mesh.ts`), the ring flow (`ring-flow.ts`) and
 * the data-channel message protocol (`channel-protocol.ts`, handled in `peer-events.ts`). Plain TypeScript: no DOM
 * element needed, so it is tested directly as well as through `<video-call>`.
 */
export class CallEngine extends Emitter<CallEngineEvents> {
  state: CallState = 'idle';
  room = '';
  name = '';
  /** Whether our hand is raised (lowered again on leaving). */
  hand = false;
  /** How media flows now: `mesh`, or `sfu` once the room moved there (CONTRACT section 10). */
  topology: MediaTopology = 'mesh';

  #opts: Required<CallEngineOptions>;
  #media: LocalMedia;
  /** The background effect's control, once a background was set (its chunk is loaded then). TS-private: no WeakMap in the bundle. */
  private _background?: Promise<BackgroundControl>;
  // TypeScript `private`, not `#`, for these (the bundle targets ES2021, where each `#` member costs a WeakMap).
  /** Which devices are used (their own chunk, loaded with the first capture). */
  private _devices?: Promise<Devices>;
  private _loadedDevices?: Devices;
  private _noiseSuppression = 'on';
  /** Leaving turned the camera off: the next join turns it back on. */
  private _cameraBack = false;
  #room: Room;
  #ring: RingFlow;
  #topology: Topology;
  /** What the engine does with each link's events and data-channel messages (peer-events.ts). */
  #peerEvents: PeerEventsHost;
  #handlers: ChannelHandlers<RemotePeer>;
  /** ICE servers the transport's join (or latest re-join) handed us: minted TURN credentials. */
  #transportIceServers: RTCIceServer[] = [];
  /** Whether this join already said that nothing can connect (relay-only, no TURN server). */
  #saidNoTurn = false;
  /** Who speaks, how each line is (presence.ts, in the extras fetched on the first join): watched while joined. */
  #presence: Presence | null = null;
  #host: EngineHost;
  /** The SFU chunk's controller while a room is offered an SFU; the room may then grow past maxPeers. */
  #sfu: { close(): void } | null = null;
  /** The room runs (or will run) on the SFU: no mesh links while its chunk loads. */
  #sfuWait = false;

  constructor(options: CallEngineOptions = {}) {
    super();
    const opts = (this.#opts = {
      iceServers: options.iceServers ?? DEFAULT_ICE_SERVERS,
      maxPeers: options.maxPeers ?? 5,
      ring: options.ring ?? false,
      audio: options.audio ?? true,
      video: options.video ?? true,
      iceTransportPolicy: options.iceTransportPolicy ?? 'all',
      iceTimeouts: options.iceTimeouts ?? {},
      topology: options.topology ?? 'auto',
      sfuUrl: options.sfuUrl ?? '',
    });
    const host: EngineHost = {
      options: opts,
      emit: (type, payload) => this.emit(type, payload),
      fail: (err, fatal, over) => this.#fail(err, fatal, over),
    };
    this.#topology = new MeshTopology(() => this.#ice());
    this.#media = new LocalMedia(
      {
        sendTrack: (kind, track) => this.#topology.setTrack(kind, track),
        changed: () => this.#mediaChanged(),
        screenShare: (active) => this.emit('screen-share', { active }),
        failed: (err) => this.#fail(err, false),
        callSeq: () => this.#room.seq,
      },
      opts,
    );
    // Without the device chunk (it could not be fetched), capture goes on with the default devices.
    // Once the chunk is here, capture starts at once (getUserMedia called within join() itself).
    this.#media.capture = (want) =>
      this._loadedDevices?.capture(want) ??
      this._deviceManager().then(
        (d) => d.capture(want),
        () => getUserTracks(want),
      );
    this.#room = new Room({
      ...host,
      state: () => this.state,
      wide: () => !!this.#sfu,
      newcomer: (peer) => this.#newcomer(peer),
      existing: (peer) => this.#ring.existing(peer) || this.#connect(peer, true),
      mediaSignal: (peer, signal) => {
        if (!this.#ring.connects(peer)) return; // nothing connects before accept
        void (peer.link ?? this.#connect(peer, false))?.handleSignal(signal);
      },
      ringSignal: (peer, signal) => this.#ring.onSignal(peer, signal),
      rejoined: (result) => this.#rejoined(result),
    });
    this.#ring = new RingFlow({
      ...host,
      peers: () => this.#room.peers.values(),
      peer: (id) => this.#room.peers.get(id),
      name: () => this.name,
      send: (tid, signal) => this.#room.send(tid, signal),
      connect: (peer, initiator) => void this.#connect(peer, initiator),
    });
    this.#peerEvents = {
      ...host,
      room: this.#room,
      mediaState: () => this.#mediaState(),
      recording: () => this.recording,
      ice: () => this.#ice(),
      hand: () => this.hand,
    };
    this.#handlers = channelHandlers(this.#peerEvents);
    this.#host = host;
  }

  /** Changes options that take effect for the next connections. */
  configure(options: CallEngineOptions): void {
    for (const [k, v] of Object.entries(options)) {
      if (v !== undefined) (this.#opts as Record<string, unknown>)[k] = v;
    }
    this.#media.configure(options);
  }

  get peers(): PeerState[] {
    return [...this.#room.peers.values()].map(
      ({ id, name, connectionState, audio, video, screen, hand, stream, ring, problem, line, recording }) => ({
        id,
        name,
        connectionState,
        audio,
        video,
        screen,
        hand,
        stream,
        ...(ring ? { ring } : {}),
        ...(problem ? { problem } : {}),
        ...(line ? { line } : {}),
        recording,
      }),
    );
  }

  /**
   * Who is speaking now, from audio levels read a few times a second (presence.ts): a peer's id,
   * our own id, or null when nobody is (a muted participant never is). Changes come as `active-speaker`.
   */
  get activeSpeaker(): string | null {
    return this.#presence?.speakers.active ?? null;
  }

  /** Who speaks and who spoke last (presence.ts), once the call's extras are here (the first join fetches them). */
  get presence(): Presence | null {
    return this.#presence;
  }

  /** Our id on the transport. */
  get selfId(): string {
    return this.#room.selfId;
  }
  set selfId(id: string) {
    this.#room.selfId = id;
  }
  get transportState(): Transport['state'] | null {
    return this.#room.transportState;
  }
  set transportState(state: Transport['state'] | null) {
    this.#room.transportState = state;
  }
  /** Our camera (or screen) and mic, for the local preview and for peers. */
  get localStream(): MediaStream {
    return this.#media.stream;
  }
  /** The last media error (permission-denied, no-device), shown by the UI until resolved. */
  get mediaError(): VideoCallError | null {
    return this.#media.error;
  }
  set mediaError(err: VideoCallError | null) {
    this.#media.error = err;
  }
  get micOn(): boolean {
    return this.#media.micOn;
  }
  get cameraOn(): boolean {
    return this.#media.cameraOn;
  }
  get screenSharing(): boolean {
    return this.#media.screenSharing;
  }
  get ring(): boolean {
    return this.#opts.ring;
  }

  // ---------------------------------------------------------------- media

  /** Starts the camera/mic (for the pre-join preview). Never rejects: failures land in `mediaError` and an `error` event. */
  startMedia(): Promise<void> {
    return this.#media.start();
  }

  /**
   * Mic on/off. Without an argument it does the opposite of what `micOn` shows: a mic shown
   * off because it was refused or is missing is turned on, which asks for it again.
   * Returns the new state.
   */
  toggleMic(on?: boolean): boolean {
    return this.#media.toggleMic(on);
  }

  /**
   * Camera on/off. Without an argument it does the opposite of what `cameraOn` shows (a
   * refused camera shown off is asked for again). Off releases the camera, so its light
   * goes out. Returns the new state.
   */
  toggleCamera(on?: boolean): boolean {
    this._cameraBack = false;
    return this.#media.toggleCamera(on);
  }

  /**
   * What is behind the person on the camera: `none`, `blur` or an image URL. Processed on this
   * device (background.ts, loaded on first use); the raw camera is shown and sent until the effect
   * is ready, and again if it fails (an `error` `background-failed` says why).
   */
  setBackground(background: string, options?: BackgroundOptions): void {
    if (this._background || (background && background != 'none')) {
      (this._background ??= loadBackground().then((m) => new m.BackgroundControl(this.#media, (err) => this.#fail(err, false))))
        .then((c) => c.set(background, options))
        // The chunk did not load: said at each setting.
        .catch((err) => this.#fail(toVideoCallError(err, 'background-failed'), false));
    }
  }

  /** The cameras, microphones and speakers the browser lists (labels once access is granted). */
  async getDevices(): Promise<DeviceList> {
    return (await this._deviceManager()).list();
  }

  /**
   * Uses that device from now on, remembered for the next visit: a live mic or camera switches at
   * once, in a call without renegotiation (every link replaces its track). Rejects with
   * `bad-request` (kind), `no-device` (no such device) or the error of a device that cannot start.
   */
  async selectDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    return (await this._deviceManager()).select(kind, deviceId);
  }

  /** The device in use (or remembered) for `kind`; '' for the default (or before the device chunk is loaded). */
  device(kind: DeviceKind): string {
    return this._loadedDevices?.current(kind) ?? '';
  }

  /**
   * The mic's noise suppression, live: `on` (the browser's), `off`, or `strong` (RNNoise, loaded on
   * first use; until it is ready, and if it cannot load — an `error` `noise-suppression-failed` —
   * the browser's).
   */
  setNoiseSuppression(mode: string): void {
    this._noiseSuppression = mode;
    void this._loadedDevices?.setNoiseSuppression(mode);
  }

  /** The devices part, loaded once (again after a failed fetch). */
  private _deviceManager(): Promise<Devices> {
    return (this._devices ??= loadDeviceChunk().then(
      ({ Devices }) => {
        const d = (this._loadedDevices = new Devices({
          media: this.#media,
          changed: (change) => this.emit('device-change', change),
          listed: () => this.emit('devices', undefined),
          failed: (err) => this.#fail(err, false),
          lost: (gone, err) => {
            this.emit('device-lost', gone);
            this.emit('error', { code: err.code, message: err.message, quiet: true });
          },
          getUserTracks,
          Error: VideoCallError,
        }));
        void d.setNoiseSuppression(this._noiseSuppression);
        return d;
      },
      (err) => {
        this._devices = undefined; // the next call fetches it again
        throw err;
      },
    ));
  }

  /** Shares a screen, window or tab in place of the camera (no renegotiation when video is already sent). */
  startScreenShare(): Promise<void> {
    return this.#media.startScreenShare();
  }

  /** Stops sharing and goes back to the camera (if it is on). */
  stopScreenShare(): void {
    this.#media.stopScreenShare();
  }

  /** Changes our display name; in a call, the others' tiles follow (told over the data channel). */
  setName(name: string): void {
    name = clampName(name);
    if (name === this.name) return;
    this.name = name;
    if (this.state === 'joined') this.#mediaChanged();
  }

  #mediaState(): Extract<ChannelMessage, { t: 'media' }> {
    const m = this.#media;
    return { t: 'media', audio: m.micOn, video: m.cameraOn || m.screenSharing, screen: m.screenSharing, name: this.name };
  }

  #mediaChanged(): void {
    this.#topology.broadcast(this.#mediaState());
    this.emit('change', undefined);
  }

  // ----------------------------------------------------------------- room

  /** Joins `room` through `transport`. Rejects (and emits `error`) when the transport refuses. */
  async join(room: string, transport: Transport, options: { name?: string; token?: string } = {}): Promise<void> {
    if (this.state === 'joining' || this.state === 'joined') await this.leave();
    const seq = ++this.#room.seq;
    this.room = room;
    this.name = clampName(options.name ?? '');
    this.#transportIceServers = [];
    this.#saidNoTurn = false;
    this.#setState('joining');
    if (this._cameraBack) this.toggleCamera(true);
    const extras = loadExtras().catch(() => null); // without them the call goes on, with no speaker or line quality
    await this.startMedia();
    if (seq !== this.#room.seq) return;
    const replayEarly = this.#room.attach(transport, seq);
    let result;
    try {
      result = await transport.join(room, { name: this.name, token: options.token });
    } catch (err) {
      if (seq !== this.#room.seq) return;
      this.#room.detach();
      const error = toVideoCallError(err, 'transport');
      this.#fail(error, true);
      throw error;
    }
    if (seq !== this.#room.seq) return;
    this.#transportIceServers = validIceServers(result.iceServers) ?? [];
    this.#room.entered(result);
    const o = this.#opts;
    const sfu = !o.ring && o.topology !== 'mesh' && (result.sfu || o.sfuUrl) ? (result.sfu ?? null) : undefined;
    // topology="sfu": straight to the SFU (no mesh links made only to be dropped).
    this.#sfuWait = sfu !== undefined && o.topology === 'sfu';
    // An SFU offered: the room may grow past maxPeers from the first list on (the media moves there
    // once the SFU chunk decides); set before the room starts, or a newcomer to a full room would
    // connect to only the first maxPeers and never see the rest.
    if (sfu !== undefined) this.#sfu = { close() {} };
    this.#setState('joined');
    void extras.then((m) => {
      if (!m || seq !== this.#room.seq) return;
      const host = this.#host;
      (this.#presence ??= new m.Presence({
        ...host,
        peers: () => this.#room.peers.values(),
        micOn: () => this.micOn,
        selfId: () => this.selfId,
      })).start();
    });
    this.emit('joined', { room, selfId: this.selfId, topology: this.topology });
    this.#cannotConnect(); // says so now, before anyone is there to connect to
    this.#room.start(result.peers);
    replayEarly();
    if (sfu !== undefined) {
      // The SFU chunk, fetched now: it moves the room's media there when it is time (sfu/index.ts).
      loadSfu().then(
        (m) => {
          if (seq !== this.#room.seq) return;
          const use = (t: Topology | null) => {
            this.#sfuWait = false;
            this.#topology = t ?? new MeshTopology(() => this.#ice());
          };
          const connect = (p: RemotePeer) => this.#ring.connects(p) && this.#connect(p, this.selfId < p.tid);
          this.#sfu = m.startSfu(this, o, this.#room, this.#peerEvents, this.#media, transport, sfu, use, connect);
        },
        (err) => {
          this.#sfuWait = false;
          for (const p of this.#room.peers.values()) if (!p.link && this.#ring.connects(p)) this.#connect(p, this.selfId < p.tid);
          this.#fail(toVideoCallError(err, 'transport'), false);
        },
      );
    }
  }

  /**
   * Leaves the room: closes every connection; keeps the local preview. `park`: the camera is
   * turned off too (its light goes out) until it is turned on or the next join.
   */
  async leave(park = false): Promise<void> {
    const wasIn = this.state === 'joined' || this.state === 'joining';
    if (park && wasIn && this.cameraOn) {
      this.#media.toggleCamera(false);
      this._cameraBack = true;
    }
    this.#room.seq++;
    this.#presence?.stop();
    this.#room.sayBye();
    this.stopScreenShare();
    for (const id of [...this.#room.peers.keys()]) this.#room.removePeer(id, false);
    this.hand = false;
    this.#sfu?.close(); // back to a mesh for the next call
    this.#sfu = null;
    this.#sfuWait = false;
    const transport = this.#room.detach();
    if (transport) await transport.leave().catch(() => {});
    if (this.state !== 'idle') this.#setState('idle');
    if (wasIn) this.emit('left', { room: this.room });
  }

  /** Leaves and stops the camera and mic. */
  async destroy(): Promise<void> {
    this.#media.abandon();
    await this.leave();
    this.#media.release();
    this._loadedDevices?.release();
  }

  /**
   * A peer the transport lists after us: it offers; if its offer does not come, we do (meeting
   * flow). Our side of the connection is made now, while its offer is on the way: the
   * connection's setup and its ICE candidates are ready when the offer arrives.
   */
  #newcomer(peer: RemotePeer): void {
    if (this.#ring.newcomer(peer)) return;
    if (!peer.link) this.#connect(peer, false);
    const seq = this.#room.seq;
    setTimeout(() => {
      if (seq !== this.#room.seq || this.#room.peers.get(peer.id) !== peer) return;
      if (peer.link) peer.link.offer();
      else this.#connect(peer, true);
    }, NEWCOMER_OFFER_WAIT_MS);
  }

  // ------------------------------------------------------------------ ICE

  /** How connections are made now: our ICE servers with the transport's, the policy, the timeouts. */
  #ice(): IceSettings {
    const { iceServers, iceTransportPolicy, iceTimeouts } = this.#opts;
    return { iceServers: [...iceServers, ...this.#transportIceServers], iceTransportPolicy, iceTimeouts };
  }

  /**
   * Relay-only without any TURN server (neither ours nor the transport's): nothing can
   * connect. Says so (`ice-failed`) once per join, instead of connections that never come up.
   */
  #cannotConnect(): boolean {
    const { iceServers, iceTransportPolicy } = this.#ice();
    if (iceTransportPolicy !== 'relay' || hasTurnServer(iceServers)) return false;
    if (!this.#saidNoTurn && this.state === 'joined') {
      this.#saidNoTurn = true;
      this.#fail(new VideoCallError('ice-failed', noTurnServerMessage()), false);
    }
    return true;
  }

  /**
   * The transport re-entered the room: fresh ICE servers it hands us replace the earlier ones,
   * for new connections and ICE restarts from now on. Peers left unconnected for want of a
   * TURN server are connected now if there is one.
   */
  #rejoined(result: JoinResult): void {
    const fresh = validIceServers(result.iceServers);
    if (!fresh) return;
    this.#transportIceServers = fresh;
    if (this.#cannotConnect()) return;
    for (const peer of this.#room.peers.values()) {
      if (peer.link || peer.problem !== 'ice-failed') continue;
      delete peer.problem;
      if (this.#ring.connects(peer)) this.#connect(peer, true);
    }
    this.emit('change', undefined);
  }

  /** Opens the media link to `peer` and follows it; null when nothing can connect (see #cannotConnect). */
  #connect(peer: RemotePeer, initiator: boolean): RemotePeer['link'] {
    if (this.#sfuWait) return null;
    if (this.#cannotConnect()) {
      if (!peer.problem) {
        peer.problem = 'ice-failed';
        this.emit('change', undefined);
      }
      return null;
    }
    const media = this.#media;
    const link = this.#topology.link({
      peerId: peer.id,
      polite: this.selfId < peer.tid,
      initiator,
      signal: (m) => this.#room.send(peer.tid, m),
      tracks: () => ({ audio: media.trackFor('audio'), video: media.trackFor('video') }),
      stream: media.stream,
      admit: () => peer.limits.message(),
    });
    peer.link = link;
    followLink(this.#peerEvents, this.#handlers, peer, link);
    return link;
  }

  // ------------------------------------------------------------ ring flow

  /** Ring flow: rings the peer who joined after us. */
  async call(peerId?: string): Promise<void> {
    this.#ring.call(peerId);
  }

  /** Ring flow: accepts the incoming call; the caller then connects to us. */
  async accept(peerId?: string): Promise<void> {
    this.#ring.accept(peerId);
  }

  /** Ring flow: declines the incoming call. */
  decline(peerId?: string): void {
    this.#ring.decline(peerId);
  }

  // ----------------------------------------------------------------- chat

  /** Sends a chat message to everyone connected (peer to peer) and echoes it locally. */
  sendChat(text: string): void {
    if (typeof text !== 'string' || !text.trim() || !this.#joined()) return;
    const message = { t: 'chat' as const, text: text.slice(0, MAX_CHAT_LENGTH), at: Date.now(), name: this.name };
    this.#topology.broadcast(message);
    this.emit('chat-message', { from: this.selfId, name: this.name, text: message.text, at: message.at });
  }

  // ------------------------------------------------------------ recording

  /** Whether we record the call (kept by the recorder, recording.ts). */
  recording = false;

  /**
   * Records the whole call in this browser (the recorder chunk, recorder.ts, fetched on first use);
   * everyone is told. Rejects with `not-joined`, `invalid-state` (already recording) or
   * `not-supported` / `transport` (the browser cannot record, the chunk cannot be loaded; also an `error`).
   */
  startRecording(options?: RecordingOptions): Promise<void> {
    return loadRecorder().then(
      (m) => m.startRecording(this, options, this.#topology),
      (err) => {
        this.#fail(err, false);
        throw err;
      },
    );
  }

  /** Stops our recording; resolves with the WebM `Blob`. Rejects with `invalid-state` when not recording. */
  stopRecording(): Promise<Blob> {
    return loadRecorder().then((m) => m.stopRecording(this));
  }

  // ------------------------------------------------------------ hands and reactions

  /** Raises or lowers our hand (toggles without `on`) for everyone in the call; returns the new state. */
  raiseHand(on = !this.hand): boolean {
    if (!this.#joined()) return false;
    on = !!on;
    if (on !== this.hand) {
      this.hand = on;
      this.#topology.broadcast({ t: 'hand', raised: on });
      this.emit('hand', { peerId: this.selfId, raised: on });
      this.emit('change', undefined);
    }
    return on;
  }

  /** Sends a short-lived reaction, one of {@link REACTIONS}, to everyone in the call (and shows it here). */
  react(emoji: string): void {
    if (!REACTIONS.includes(emoji)) throw new VideoCallError('bad-request', `react() takes one of ${REACTIONS.join(' ')}.`);
    if (!this.#joined()) return;
    this.#topology.broadcast({ t: 'react', emoji });
    this.emit('reaction', { peerId: this.selfId, emoji });
  }

  /** Whether we are in a call; if not, says so (`not-joined`). */
  #joined(): boolean {
    if (this.state === 'joined') return true;
    this.#fail(new VideoCallError('not-joined', 'Join the call first.'), false);
    return false;
  }

  /** Per-peer statistics: round-trip time, loss, bitrates, frame size. */
  async getStats(): Promise<PeerStats[]> {
    const linked = [...this.#room.peers.values()].filter((p) => p.link);
    return Promise.all(linked.map((p) => p.link!.getStats()));
  }

  // ---------------------------------------------------------------- misc

  #setState(state: CallState): void {
    this.state = state;
    this.emit('state', state);
    this.emit('change', undefined);
  }

  #fail(err: VideoCallError, fatal: boolean, over?: Promise<void>): void {
    if (fatal) this.#setState('error');
    this.emit('error', { code: err.code, message: err.message, ...(over && { over }) });
  }
}
