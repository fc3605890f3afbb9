import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { CallEngine, DEFAULT_ICE_SERVERS, type CallState, type PeerState, type PeerStats } from '../../call/call-engine.js';
import { VideoCallError, toVideoCallError, type VideoCallErrorCode } from '../../errors.js';
import { getTransportFactory } from '../../transports/registry.js';
import type { Transport } from '../../transports/transport.js';
import '../../transports/defaults.js';
import { renderChat } from './chat.js';
import { ChatFeed } from './chat-feed.js';
import { renderControls } from './controls.js';
import { icons } from './icons.js';
import { displayName } from './text.js';
import { renderTile } from './tile.js';
import { styles } from './video-call.styles.js';

/** `detail` of each event `<video-call>` fires. */
export interface VideoCallEventMap {
  'vc-joined': { room: string; selfId: string };
  'vc-left': { room: string };
  'vc-peer-joined': { peerId: string; name: string };
  'vc-peer-connected': { peerId: string };
  'vc-peer-left': { peerId: string };
  'vc-incoming-call': { peerId: string; name: string };
  'vc-peer-media': { peerId: string; audio: boolean; video: boolean; screen: boolean };
  'vc-chat-message': { from: string; name: string; text: string; at: number };
  'vc-screen-share': { active: boolean };
  'vc-error': { code: VideoCallErrorCode; message: string };
}

/** A remote peer as `peers` lists it. */
export type VideoCallPeer = Pick<PeerState, 'id' | 'name' | 'connectionState' | 'audio' | 'video' | 'screen'>;
export type { PeerStats };

const onOff = {
  fromAttribute: (v: string | null) => (v === 'off' || v === 'false' ? 'off' : 'on'),
  toAttribute: (v: string) => v,
};
const jsonish = {
  fromAttribute: (v: string | null) => v ?? undefined,
  toAttribute: (v: unknown) => (v == null ? null : typeof v === 'string' ? v : JSON.stringify(v)),
};
/** A transport name reflects; a transport object does not (its JSON would be junk as an attribute). */
const transportConverter = {
  ...jsonish,
  toAttribute: (v: unknown) => (typeof v === 'string' ? v : null),
};

interface Config {
  transport: Transport | string;
  iceServers: RTCIceServer[];
  firebaseConfig?: Record<string, unknown>;
}

/**
 * An embeddable video call: camera and mic with a preview, WebRTC mesh calls,
 * chat, screen share, and pluggable signaling (a Socket.IO relay, Firebase, or
 * `local` between tabs of one browser).
 *
 * Give it a room (and, for the default `socket.io` transport, a relay in `server`). Before
 * joining it shows a pre-join screen (camera preview, name, mic and camera toggles, Join);
 * `autojoin` skips it. In the call it shows one tile per participant, a control bar (mic,
 * camera, screen share, chat, leave) and a chat panel. It fills the height it is given
 * (at least `--vc-min-height`) and adapts to phone widths. It has no slots.
 *
 * @tagname video-call
 * @summary A video call in one tag: `<video-call room="1234"></video-call>`.
 *
 * @event {CustomEvent<{room: string, selfId: string}>} vc-joined - Joined the room.
 * @event {CustomEvent<{room: string}>} vc-left - Left the room.
 * @event {CustomEvent<{peerId: string, name: string}>} vc-peer-joined - Another participant entered the room.
 * @event {CustomEvent<{peerId: string}>} vc-peer-connected - Media from that peer is arriving (the peer connection is up).
 * @event {CustomEvent<{peerId: string}>} vc-peer-left - A participant left, closed the tab or lost the network.
 * @event {CustomEvent<{peerId: string, name: string}>} vc-incoming-call - Ring flow: a peer is calling; `accept()` or `decline()`.
 * @event {CustomEvent<{peerId: string, audio: boolean, video: boolean, screen: boolean}>} vc-peer-media - A peer muted, turned its camera off or on, or shares its screen.
 * @event {CustomEvent<{from: string, name: string, text: string, at: number}>} vc-chat-message - A chat message, ours included (`from` is then our own id); `at` is epoch ms.
 * @event {CustomEvent<{active: boolean}>} vc-screen-share - Our own screen share started or stopped.
 * @event {CustomEvent<{code: string, message: string}>} vc-error - Something went wrong. `code` is one of `permission-denied`, `no-device`, `bad-config`, `transport`, `room-full`, `unauthorized`, `rate-limited`, `not-joined`, `invalid-state`, `bad-request`; `message` is readable by a person.
 *
 * @csspart local-video - The `<video>` of our own camera or screen.
 * @csspart remote-video - The `<video>` of a remote peer; carries `data-peer-id`.
 * @csspart tile - Every participant's tile (also `local-tile` / `remote-tile`).
 * @csspart controls - The control bar.
 * @csspart chat - The chat panel.
 * @csspart prejoin - The pre-join screen.
 * @csspart join-button - The pre-join screen's Join button.
 * @csspart error - The error message.
 *
 * @cssprop [--vc-bg=#0f1115] - Background of the call.
 * @cssprop [--vc-fg=#f3f4f6] - Text colour.
 * @cssprop [--vc-muted-fg=#a1a7b3] - Secondary text colour.
 * @cssprop [--vc-surface=#1b1e25] - Tiles, panels and cards.
 * @cssprop [--vc-accent=#3b66e6] - Primary buttons and active controls.
 * @cssprop [--vc-accent-text=the accent mixed 50% with white] - The accent used as text or an icon on the surfaces (the room name, your own name in the chat, Send); set it with a light theme.
 * @cssprop [--vc-accent-fg=#ffffff] - Text on the accent colour.
 * @cssprop [--vc-danger=#d13438] - Leave button and muted badges.
 * @cssprop [--vc-focus=#9ab8ff] - Focus ring.
 * @cssprop [--vc-radius=12px] - Corner radius of tiles and panels.
 * @cssprop [--vc-gap=8px] - Space between tiles.
 * @cssprop [--vc-font=system-ui, sans-serif] - Font family.
 * @cssprop [--vc-min-height=420px] - Minimum height of the element.
 * @cssprop [--vc-chat-width=320px] - Width of the chat panel on wide layouts.
 * @cssprop [--vc-control-size=48px] - Size of the control-bar buttons on wide layouts (44px on narrow ones).
 */
export class VideoCall extends LitElement {
  static override styles = styles;

  /** Room id to join. Changing it while joined leaves and joins the new room. */
  @property({ reflect: true }) room = '';

  /**
   * Signaling: `socket.io` (a relay; the default), `firebase` (Firebase Realtime Database)
   * or `local` (tabs of one browser, no server), or any name given to `registerTransport()`.
   * The property also accepts a transport object (see the `Transport` interface); an object is not reflected to the attribute.
   */
  @property({ reflect: true, converter: transportConverter }) transport: string | Transport = 'socket.io';

  /** Socket.IO relay URL, for `transport="socket.io"`. Defaults to the page's origin. */
  @property({ reflect: true }) server = '';

  /** JSON of the Firebase web config (`databaseURL` required), for `transport="firebase"`. */
  @property({ attribute: 'firebase-config', reflect: true, converter: jsonish }) firebaseConfig?: string | Record<string, unknown>;

  /** JSON array of `RTCIceServer` (STUN/TURN, with credentials). Defaults to one public STUN server. */
  @property({ attribute: 'ice-servers', reflect: true, converter: jsonish }) iceServers?: string | RTCIceServer[];

  /** Display name shown to the others. Changed during a call, their tiles follow. */
  @property({ reflect: true }) name = '';

  /** Room grant (a JWT) sent with `join` when the relay requires one. */
  @property({ reflect: true }) token = '';

  /** Join as soon as the element is on the page, skipping the pre-join screen. */
  @property({ type: Boolean, reflect: true }) autojoin = false;

  /** 1:1 ring flow: the peer already waiting gets "Start call"; the other gets "Accept" / "Decline". */
  @property({ type: Boolean, reflect: true }) ring = false;

  /**
   * `on` or `off`: start with the microphone on or off (off still opens it, muted, so unmuting is
   * instant). Changed later, it mutes or unmutes like the mic button.
   */
  @property({ reflect: true, converter: onOff }) audio: 'on' | 'off' = 'on';

  /**
   * `on` or `off`: start with the camera on or off (off does not open the camera until it is
   * turned on). Changed later, it turns the camera on or off like the camera button.
   */
  @property({ reflect: true, converter: onOff }) video: 'on' | 'off' = 'on';

  /**
   * Connect to at most this many remote peers (mesh limit); beyond it, `vc-error` `room-full`.
   * A value that is not a whole number of at least 1 fires `bad-config` and falls back to 5.
   */
  @property({ attribute: 'max-peers', type: Number, reflect: true }) maxPeers = 5;

  @state() private _chatOpen = false;
  @state() private _error: { code: VideoCallErrorCode; message: string } | null = null;
  @state() private _configError: VideoCallError | null = null;
  /** A bad value that has a safe fallback (max-peers): shown, but it blocks nothing. */
  @state() private _configWarning: VideoCallError | null = null;
  /** Ring flow: who declined our call (shown until the next call or join). */
  @state() private _declinedBy: string | null = null;
  /** The browser refused unmuted autoplay (no click on the page yet): remote videos play muted. */
  @state() private _soundBlocked = false;

  #engine = new CallEngine();
  #ownedTransport: Transport | null = null;
  #config: Config | null = null;
  /** Chat messages, unread count and announcements, taken in once per frame however fast they come. */
  #chat = new ChatFeed(this, () => this._chatOpen);
  #joinedKey = '';
  #joinPromise: Promise<void> | null = null;
  #chatAtBottom = true;
  /** Key of the newest message rendered, to scroll only when new ones came. */
  #lastShown = 0;

  constructor() {
    super();
    const e = this.#engine;
    e.on('change', () => this.requestUpdate());
    e.on('state', () => this.requestUpdate());
    // (Errors stay shown after joining: a refused camera is still refused in the call.)
    e.on('joined', (d) => this.#emit('vc-joined', d));
    e.on('left', (d) => this.#emit('vc-left', d));
    e.on('peer-joined', (d) => this.#emit('vc-peer-joined', d));
    e.on('peer-connected', (d) => this.#emit('vc-peer-connected', d));
    e.on('peer-left', (d) => this.#emit('vc-peer-left', d));
    e.on('incoming-call', (d) => this.#emit('vc-incoming-call', d));
    e.on('call-declined', ({ peerId }) => {
      this._declinedBy = this.#engine.peers.find((p) => p.id === peerId)?.name || 'They';
    });
    e.on('peer-media', (d) => this.#emit('vc-peer-media', d));
    e.on('screen-share', (d) => this.#emit('vc-screen-share', d));
    e.on('error', (d) => {
      this._error = d;
      this.#emit('vc-error', d);
    });
    e.on('chat-message', (d) => {
      this.#chat.add(d, d.from === this.#engine.selfId);
      this.#emit('vc-chat-message', d);
    });
  }

  // ------------------------------------------------------------ read-only

  /**
   * Where the element stands: `idle` (pre-join screen), `joining`, `joined` (in the call) or
   * `error` (a bad configuration or a refused join). Read-only.
   */
  get state(): CallState {
    const s = this.#engine.state;
    return this._configError && s !== 'joined' && s !== 'joining' ? 'error' : s;
  }

  /**
   * The remote participants, each `{id, name, connectionState, audio, video, screen}`
   * (`connectionState` is the `RTCPeerConnection`'s; `audio`/`video`/`screen` what they send).
   * A fresh array on each read. Read-only.
   */
  get peers(): VideoCallPeer[] {
    return this.#engine.peers.map(({ id, name, connectionState, audio, video, screen }) => ({ id, name, connectionState, audio, video, screen }));
  }

  /** Our own camera (or shared screen) and microphone, as shown in our own tile. Read-only. */
  get localStream(): MediaStream {
    return this.#engine.localStream;
  }

  // -------------------------------------------------------------- methods

  /**
   * Joins `room` (what the pre-join screen's Join button does). Resolves once in the room;
   * rejects with a `VideoCallError` whose `code` is that of the `vc-error` fired too (e.g.
   * `room-full`, `unauthorized`, `transport`, `bad-config`) when it cannot join. Calling it again
   * while a join is under way returns the same promise.
   */
  join(): Promise<void> {
    return (this.#joinPromise ??= this.#join().finally(() => (this.#joinPromise = null)));
  }

  async #join(): Promise<void> {
    const config = this.#config ?? this.#validate();
    if (!config || this._configError) throw this._configError;
    if (!this.room) {
      const err = new VideoCallError('bad-config', 'Set the room attribute to the room you want to join.');
      this.#reportConfig(err);
      throw err;
    }
    // Leave with the old transport still open: closing it first would look like a lost relay.
    const e = this.#engine;
    if (e.state === 'joined' || e.state === 'joining') await e.leave();
    this.#assertOnPage();
    this.#releaseTransport();
    this._error = null;
    this._declinedBy = null;
    this.#chat.clear();
    this.#engine.configure({
      iceServers: config.iceServers,
      maxPeers: this.maxPeers,
      ring: this.ring,
    });
    let transport: Transport;
    try {
      if (typeof config.transport === 'string') {
        transport = this.#ownedTransport = await getTransportFactory(config.transport)({
          server: this.server || undefined,
          firebaseConfig: config.firebaseConfig,
        });
      } else {
        transport = config.transport;
      }
    } catch (err) {
      const error = toVideoCallError(err, 'bad-config');
      this._error = error;
      this.#emit('vc-error', { code: error.code, message: error.message });
      throw error;
    }
    this.#assertOnPage();
    this.#joinedKey = this.#joinKey();
    // The room (or signaling) changed while we were joining: go where it now says, whether or
    // not the old room let us in.
    const moved = () => this.isConnected && !!this.room && this.#joinKey() !== this.#joinedKey;
    try {
      await this.#engine.join(this.room, transport, { name: this.name, token: this.token || undefined });
    } catch (err) {
      if (moved()) return this.#join();
      throw err;
    }
    if (moved()) return this.#join();
  }

  /** A join must not go on for an element taken off the page meanwhile (it would capture and join unseen). */
  #assertOnPage(): void {
    if (this.isConnected) return;
    this.#releaseTransport();
    throw new VideoCallError('invalid-state', 'The element was removed from the page.');
  }

  /**
   * Leaves the room (fires `vc-left`); the element goes back to its pre-join screen with the
   * camera preview still on. Safe to call when not joined.
   */
  async leave(): Promise<void> {
    await this.#engine.leave();
    this.#releaseTransport();
  }

  /**
   * Ring flow (`ring`): rings the peer who joined after us (what "Start call" does); they get
   * `vc-incoming-call`. Rejects with code `invalid-state` outside the ring flow or when there is
   * nobody to call.
   */
  call(): Promise<void> {
    return this.#engine.call();
  }

  /**
   * Ring flow (`ring`): accepts the incoming call (what "Accept" does); media starts flowing.
   * Rejects with code `invalid-state` when there is no incoming call.
   */
  accept(): Promise<void> {
    return this.#engine.accept();
  }

  /**
   * Ring flow (`ring`): declines the incoming call (what "Decline" does); the caller is told and
   * may call again. Throws a `VideoCallError` with code `invalid-state` when there is no incoming call.
   */
  decline(): void {
    this.#engine.decline();
  }

  /**
   * Turns the microphone on or off and returns the new state (`true`: on). The others see the
   * muted badge (`vc-peer-media`).
   * @param on `true` to unmute, `false` to mute; omitted, it toggles.
   */
  toggleMic(on?: boolean): boolean {
    return this.#engine.toggleMic(on);
  }

  /**
   * Turns the camera on or off and returns the new state (`true`: on). Off releases the camera
   * (its light goes out); the others see the camera-off tile (`vc-peer-media`).
   * @param on `true` to turn the camera on, `false` to turn it off; omitted, it toggles.
   */
  toggleCamera(on?: boolean): boolean {
    return this.#engine.toggleCamera(on);
  }

  /**
   * Asks the browser for a screen, window or tab and sends it in place of the camera (no
   * renegotiation); fires `vc-screen-share` `{active: true}`. The browser's own "Stop sharing"
   * button ends it like `stopScreenShare()`. Resolves once sharing; rejects (and fires
   * `vc-error`, e.g. `permission-denied`) when the user cancels the picker or the browser cannot share.
   */
  startScreenShare(): Promise<void> {
    return this.#engine.startScreenShare();
  }

  /** Stops sharing; the camera comes back (if on). Fires `vc-screen-share` `{active: false}`. */
  stopScreenShare(): void {
    this.#engine.stopScreenShare();
  }

  /**
   * Sends a chat message to everyone in the call, peer to peer over a data channel (no server
   * sees it). It is shown as text, never as markup, and fires `vc-chat-message` locally too.
   * Blank text is ignored; outside a call it fires `vc-error` `not-joined`.
   * @param text The message (at most 4000 characters are sent).
   */
  sendChat(text: string): void {
    this.#engine.sendChat(text);
  }

  /**
   * Call quality, one entry per connected peer: round-trip time, packet loss, bitrates in and
   * out, and the frame size of the video received.
   */
  getStats(): Promise<PeerStats[]> {
    return this.#engine.getStats();
  }

  // ------------------------------------------------------------ lifecycle

  override connectedCallback(): void {
    super.connectedCallback();
    this.#engine.configure({ audio: this.audio !== 'off', video: this.video !== 'off' });
    if (this.#engine.state !== 'idle') return; // moved within the page: the call goes on
    queueMicrotask(() => {
      if (!this.isConnected) return;
      if (this.autojoin && this.room) this.join().catch(() => {});
      else if (!this._configError) void this.#engine.startMedia();
    });
  }

  /**
   * Also waits for chat messages that arrived but are not taken in yet (they are, at the next frame).
   * @internal
   */
  protected override async getUpdateComplete(): Promise<boolean> {
    const flushed = this.#chat.flushed;
    if (!flushed) return super.getUpdateComplete();
    await flushed;
    return super.getUpdateComplete();
  }

  protected override updated(changed: PropertyValues<this>): void {
    // `autojoin` and `room` may arrive after the element is on the page (set by a script).
    const arrived = (changed.has('autojoin') && changed.get('autojoin') !== undefined) || (changed.has('room') && changed.get('room') !== undefined);
    if (arrived && this.autojoin && this.room && this.isConnected && this.#engine.state === 'idle' && !this.#joinPromise) {
      this.join().catch(() => {});
    }
    this.#playRemoteVideos();
    // New messages scroll into view, unless the reader has scrolled up to older ones.
    const list = this.renderRoot.querySelector<HTMLElement>('.messages');
    const last = this.#chat.messages.at(-1)?.key ?? 0;
    const newMessages = last !== this.#lastShown;
    this.#lastShown = last;
    if (list && (changed.has('_chatOpen' as keyof VideoCall) || (newMessages && this.#chatAtBottom))) {
      list.scrollTop = list.scrollHeight;
    }
  }

  /**
   * Remote videos carry sound, and browsers refuse unmuted autoplay on a page nobody has
   * clicked yet (an `autojoin` embed). Then they play muted and a button offers the sound.
   */
  #playRemoteVideos(): void {
    for (const v of this.renderRoot.querySelectorAll<HTMLVideoElement>('video[part="remote-video"]')) {
      if (!v.paused || !v.srcObject) continue;
      v.play().catch((err: DOMException) => {
        if (err?.name === 'NotAllowedError' && !v.muted) this._soundBlocked = true;
      });
    }
  }

  #turnOnSound = () => {
    if (!this._soundBlocked) return;
    this._soundBlocked = false; // re-rendered unmuted, inside the user's gesture
  };

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // A move within the page disconnects and reconnects at once: only a real removal ends the call.
    queueMicrotask(() => {
      if (this.isConnected) return;
      void this.#engine.destroy().then(() => this.#releaseTransport());
    });
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const list = this.renderRoot?.querySelector<HTMLElement>('.messages');
    this.#chatAtBottom = !list || list.scrollHeight - list.scrollTop - list.clientHeight < 48;
    if (changed.has('transport') || changed.has('iceServers') || changed.has('firebaseConfig') || changed.has('room')) {
      this.#config = this.#validate();
    }
    if (changed.has('maxPeers')) {
      if (Number.isInteger(this.maxPeers) && this.maxPeers >= 1) this._configWarning = null;
      else {
        const err = new VideoCallError('bad-config', `max-peers must be a whole number of at least 1 (got "${this.getAttribute('max-peers')}"); using 5.`);
        this._configWarning = err;
        this.#emit('vc-error', { code: err.code, message: err.message });
        this.maxPeers = 5;
      }
    }
    if (changed.has('name')) this.#engine.setName(this.name);
    // `audio` / `video` set after the element is on the page (a script, the demo's URL options).
    if (this.isConnected && (changed.has('audio') || changed.has('video'))) this.#applyStartMedia(changed);
    const s = this.#engine.state;
    if ((s === 'joined' || s === 'joining') && this.#config && this.#joinKey() !== this.#joinedKey && this.room) {
      // Room or signaling changed during a call: move to the new room.
      queueMicrotask(() => this.join().catch(() => {}));
    }
  }

  #applyStartMedia(changed: PropertyValues<this>): void {
    const audio = this.audio !== 'off';
    const video = this.video !== 'off';
    // Before media is acquired this sets how it starts; after, a change of value toggles the device.
    this.#engine.configure({ audio, video });
    if (changed.has('audio') && changed.get('audio') !== undefined && audio !== this.#engine.micOn) this.#engine.toggleMic(audio);
    if (changed.has('video') && changed.get('video') !== undefined && video !== this.#engine.cameraOn) this.#engine.toggleCamera(video);
  }

  #joinKey(): string {
    const t = this.transport;
    return JSON.stringify([this.room, typeof t === 'string' ? t : 'object', this.server, this.firebaseConfig ?? null]);
  }

  /** Parses attribute values; reports `bad-config` (never throws). */
  #validate(): Config | null {
    try {
      const iceServers = parseJson<RTCIceServer[]>(this.iceServers, 'ice-servers') ?? DEFAULT_ICE_SERVERS;
      if (!Array.isArray(iceServers) || !iceServers.every((s) => s && (typeof s.urls === 'string' || Array.isArray(s.urls)))) {
        throw new VideoCallError('bad-config', 'ice-servers must be a JSON array of RTCIceServer objects, each with "urls".');
      }
      const firebaseConfig = parseJson<Record<string, unknown>>(this.firebaseConfig, 'firebase-config');
      if (firebaseConfig !== undefined && (typeof firebaseConfig !== 'object' || Array.isArray(firebaseConfig) || !firebaseConfig)) {
        throw new VideoCallError('bad-config', 'firebase-config must be a JSON object (the Firebase web config).');
      }
      const transport = this.transport || 'socket.io';
      if (typeof transport === 'string') {
        getTransportFactory(transport); // throws bad-config for an unknown name
        if (transport === 'firebase' && !firebaseConfig?.databaseURL) {
          throw new VideoCallError('bad-config', 'transport="firebase" needs a firebase-config attribute with a databaseURL.');
        }
      } else if (typeof transport !== 'object' || typeof transport.join !== 'function' || typeof transport.send !== 'function') {
        throw new VideoCallError('bad-config', 'The transport property must be a transport name or an object implementing the Transport interface.');
      }
      if (this._configError) this._configError = null;
      return { transport, iceServers, firebaseConfig };
    } catch (err) {
      this.#reportConfig(toVideoCallError(err, 'bad-config'));
      return null;
    }
  }

  #reportConfig(err: VideoCallError): void {
    this._configError = err;
    this.#emit('vc-error', { code: err.code, message: err.message });
  }

  #releaseTransport(): void {
    const t = this.#ownedTransport;
    this.#ownedTransport = null;
    t?.close();
  }

  #emit<K extends keyof VideoCallEventMap>(type: K, detail: VideoCallEventMap[K]): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  // --------------------------------------------------------------- render

  protected override render() {
    const e = this.#engine;
    const error = this._configError ?? this._error ?? this._configWarning;
    const s = this.state;
    const body =
      s === 'joined' ? this.#renderCall() : s === 'joining' ? this.#renderJoining() : this.#renderPrejoin();
    return html`<div class="root" @pointerdown=${this.#turnOnSound} @keydown=${this.#turnOnSound}>
      ${error ? this.#renderError(error) : nothing}
      ${this._soundBlocked && s === 'joined'
        ? html`<div class="banner" role="status">
            <span>The browser is holding back the others' sound until you interact with the page.</span>
            <button class="primary" type="button" @click=${this.#turnOnSound}>Turn on sound</button>
          </div>`
        : nothing}
      ${e.transportState === 'reconnecting' && s === 'joined'
        ? html`<div class="banner" role="status">Connection to the signaling server lost. Reconnecting…</div>`
        : nothing}
      ${body}
    </div>`;
  }

  #renderError(error: { code: string; message: string }) {
    const dismissible = !this._configError;
    return html`<div class="error" part="error" role="alert" data-code=${error.code}>
      <span>${error.message}</span>
      ${dismissible
        ? html`<button class="icon-button" type="button" aria-label="Dismiss message" title="Dismiss" @click=${this.#dismissError}>${icons.close}</button>`
        : nothing}
    </div>`;
  }

  /** Opens or closes the chat panel; focus goes to the message box, or back to the Chat button. */
  #setChatOpen(open: boolean): void {
    this._chatOpen = open;
    this.#chat.markRead();
    this.#focusAfterUpdate(open ? '#chat-input' : 'button[aria-label="Chat"]');
  }

  /** Keeps keyboard focus in the element when what had it goes away. */
  #focusAfterUpdate(selector: string): void {
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(selector)?.focus());
  }

  #dismissError = () => {
    if (this._error) this._error = null;
    else this._configWarning = null;
  };

  #renderJoining() {
    return html`<div class="center" role="status"><div class="spinner" aria-hidden="true"></div><p>Joining…</p></div>`;
  }

  #renderPrejoin() {
    const e = this.#engine;
    const blocked = !!this._configError;
    const onName = (ev: InputEvent) => (this.name = (ev.target as HTMLInputElement).value);
    const submit = (ev: SubmitEvent) => {
      ev.preventDefault();
      this.join().catch(() => {});
    };
    return html`<form class="prejoin" part="prejoin" @submit=${submit}>
      <div class="preview">
        ${renderTile({ label: this.name || 'You', stream: e.localStream, audio: e.micOn, video: e.cameraOn || e.screenSharing, screen: false })}
        <div class="preview-controls">
          <button type="button" class="control ${e.micOn ? '' : 'off'}" aria-pressed=${!e.micOn} aria-label="Mute microphone"
            title=${e.micOn ? 'Mute microphone' : 'Unmute microphone'} @click=${() => this.toggleMic()}>${e.micOn ? icons.mic : icons.micOff}</button>
          <button type="button" class="control ${e.cameraOn ? '' : 'off'}" aria-pressed=${!e.cameraOn} aria-label="Turn camera off"
            title=${e.cameraOn ? 'Turn camera off' : 'Turn camera on'} @click=${() => this.toggleCamera()}>${e.cameraOn ? icons.cam : icons.camOff}</button>
        </div>
      </div>
      <div class="join-form">
        <h2>${this.room ? html`Room <span class="room"><bdi>${this.room}</bdi></span>` : 'Ready to join?'}</h2>
        <label for="name">Your name</label>
        <input id="name" name="name" autocomplete="name" maxlength="64" placeholder="Your name" .value=${this.name} @input=${onName} />
        <button class="primary" part="join-button" type="submit" ?disabled=${blocked || !this.room}>Join</button>
      </div>
    </form>`;
  }

  #renderCall() {
    const e = this.#engine;
    const peers = e.peers;
    const local = renderTile({
      label: this.name || 'You',
      you: !!this.name,
      stream: e.localStream,
      audio: e.micOn,
      video: e.cameraOn || e.screenSharing,
      screen: e.screenSharing,
    });
    const visible = e.ring ? peers.filter((p) => p.ring === 'active') : peers;
    const tiles = visible.map((p) =>
      renderTile({
        peerId: p.id,
        label: p.name || 'Guest',
        stream: p.stream,
        audio: p.audio,
        video: p.video,
        screen: p.screen,
        status: p.connectionState === 'connected' ? undefined : statusText(p.connectionState),
        muted: this._soundBlocked,
      }),
    );
    return html`<div class="stage">
        <section class="grid count-${Math.min(visible.length + 1, 9)}" aria-label="Participants">${local}${tiles}</section>
        ${e.ring ? this.#renderRing(peers) : peers.length === 0 ? html`<p class="hint" role="status">Waiting for others to join${this.room ? html` room <strong><bdi>${this.room}</bdi></strong>` : ''}…</p>` : nothing}
        ${this.#renderAnnouncements()}
        ${this._chatOpen
          ? renderChat({
              messages: this.#chat.messages,
              trimmed: this.#chat.trimmed,
              canSend: true,
              onSend: (t) => this.sendChat(t),
              onClose: () => this.#setChatOpen(false),
            })
          : nothing}
      </div>
      ${renderControls({
        micOn: e.micOn,
        cameraOn: e.cameraOn,
        screenSharing: e.screenSharing,
        chatOpen: this._chatOpen,
        unread: this.#chat.unread,
        canShareScreen: typeof navigator !== 'undefined' && !!navigator.mediaDevices?.getDisplayMedia,
        onMic: () => this.toggleMic(),
        onCamera: () => this.toggleCamera(),
        onScreen: () => (e.screenSharing ? this.stopScreenShare() : this.startScreenShare().catch(() => {})),
        onChat: () => this.#setChatOpen(!this._chatOpen),
        onLeave: () => void this.leave().then(() => this.#focusAfterUpdate('[part="join-button"]')),
      })}`;
  }

  /**
   * What a screen reader hears of chat: each announcement is a new node (the same words twice
   * are said twice); a burst is summed up ("12 new messages"), never read out one by one.
   */
  #renderAnnouncements() {
    return html`<div class="visually-hidden" role="status" aria-live="polite">
      ${repeat(
        this.#chat.announcements,
        (a) => a.key,
        (a) =>
          a.count === 1
            ? html`<p>New message from <bdi>${a.name || 'Guest'}</bdi>: <bdi>${a.text}</bdi></p>`
            : html`<p>${a.count} new messages. The latest from <bdi>${a.name || 'Guest'}</bdi>: <bdi>${a.text}</bdi></p>`,
      )}
    </div>`;
  }

  #renderRing(peers: PeerState[]) {
    const p = peers[0];
    const who = html`<bdi>${displayName(p?.name ?? '') || 'Someone'}</bdi>`;
    let content;
    if (!p) content = html`<p>Waiting for someone to join…</p>`;
    else if (p.ring === 'ready' || p.ring === 'declined')
      content = html`<p>${this._declinedBy !== null ? html`<bdi>${displayName(this._declinedBy)}</bdi> declined the call.` : html`${who} is here.`}</p>
        <button class="primary" type="button" @click=${() => this.call()}>${icons.phone} Start call</button>`;
    else if (p.ring === 'calling') content = html`<p>Calling ${who}…</p>`;
    else if (p.ring === 'waiting') content = html`<p>${who} is here. Waiting for their call…</p>`;
    else if (p.ring === 'incoming')
      content = html`<p><strong>${who}</strong> is calling you.</p>
        <div class="ring-actions">
          <button class="primary accept" type="button" @click=${() => this.accept()}>${icons.phone} Accept</button>
          <button class="danger" type="button" @click=${() => this.decline()}>Decline</button>
        </div>`;
    else return nothing;
    return html`<div class="ring" role="status">${content}</div>`;
  }
}

function statusText(state: RTCPeerConnectionState): string {
  // A dropped connection is restarted on its own (ICE restart), so it reads as in progress.
  return state === 'failed' || state === 'disconnected' ? 'Reconnecting…' : state === 'closed' ? 'Disconnected' : 'Connecting…';
}

function parseJson<T>(value: unknown, attr: string): T | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return value as T;
  try {
    return JSON.parse(value) as T;
  } catch {
    throw new VideoCallError('bad-config', `The ${attr} attribute is not valid JSON: ${value.length > 80 ? value.slice(0, 80) + '…' : value}`);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'video-call': VideoCall;
  }
}
