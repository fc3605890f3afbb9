import { LitElement, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import {
  CallEngine,
  type CallState,
  type DeviceChange,
  type DeviceInfo,
  type DeviceKind,
  type DeviceList,
  type PeerState,
  type PeerStats,
} from '../../call/call-engine.js';
import { VideoCallError, type VideoCallErrorCode } from '../../errors.js';
import type { Transport } from '../../transports/transport.js';
import '../../transports/defaults.js';
import { ChatPanel } from './chat-panel.js';
import { ConfigCheck, jsonish, noiseConverter, onOff, transportConverter } from './config.js';
import type { VideoCallCustomEvents, VideoCallEventMap } from './events.js';
import { applyStartMedia, playRemoteVideos } from './media.js';
import { Settings } from './settings.js';
import { Language } from './language.js';
import { loadExtras } from '../../call/extras-loader.js';
import type { Social } from './social.js';
import { CallSession } from './session.js';
import { styles } from './video-call.styles.js';
import { CallView, type ViewHost } from './views.js';
import { followEngine, sessionHooks } from './wiring.js';
import { setCurrent, t, type Strings } from '../../i18n/i18n.js';

export type { VideoCallEventMap, VideoCallCustomEvents };
export { VIDEO_CALL_EVENTS } from './events.js';
/** A remote peer as `peers` lists it. */
export type VideoCallPeer = Pick<PeerState, 'id' | 'name' | 'connectionState' | 'audio' | 'video' | 'screen' | 'hand' | 'problem'>;
export type { PeerStats, DeviceChange, DeviceInfo, DeviceKind, DeviceList };

/**
 * An embeddable video call: camera and mic with a preview, WebRTC mesh calls,
 * chat, screen share, and pluggable signaling (a Socket.IO relay, Firebase, or
 * `local` between tabs of one browser).
 *
 * Give it a room (and, for the default `socket.io` transport, a relay in `server`). Before
 * joining it shows a pre-join screen (camera preview, name, mic and camera toggles, Join);
 * `autojoin` skips it. In the call it shows one tile per participant, a control bar (mic,
 * camera, screen share, record when `recording` offers it, raise hand, reactions, chat, settings,
 * participants, full screen, picture-in-picture, leave), a chat panel and a participants panel. The settings panel (from the
 * pre-join screen or the call) picks the camera, microphone and speaker; the choice is remembered
 * on the site, switches live in a call, and an unplugged device gives way to another. It fills the height it is given
 * (at least `--vc-min-height`), the same before and during the call, whatever `display` the page
 * gives it, and adapts to phone widths. Tiles take the best-fit grid for the room they have and
 * keep their pictures' shape (`layout="speaker"`, `pin()`, and a screen share show one large).
 * It has no slots.
 *
 * Keyboard shortcuts (as in Google Meet), while focus is inside the element, or anywhere on the
 * page when it is the page's only `<video-call>`, in a call: Ctrl+D (⌘D on a Mac) mutes or
 * unmutes the microphone, Ctrl+E (⌘E) turns the camera off or on, Ctrl+Alt+H (⌘⌥H) raises or
 * lowers the hand, Ctrl+Alt+C (⌘⌥C) opens or closes the chat. `shortcuts="off"` turns them off.
 *
 * @tagname video-call
 * @summary A video call in one tag: `<video-call room="1234"></video-call>`.
 *
 * @attr {'mesh' | 'sfu' | 'auto'} topology - How media flows: `mesh` (everyone sends to everyone), `sfu` (through the room's SFU: one upload each, whatever the size), or `auto` (default): a mesh while the room fits `max-peers`, the whole room moves to the SFU past that if one is offered (by the relay's `JANUS_URLS`, or `sfu-url`), and back once it has shrunk well below. Read when joining. The ring flow is always a mesh. The property of the same name is read-only: how media flows now.
 * @attr {string} sfu-url - WebSocket URL of a Janus server (VideoRoom) for transports with no server of their own (`firebase`, `local`); see docs/sfu.md for what that means for who may join. Read when joining.
 *
 * @event {CustomEvent<{room: string, selfId: string, topology: 'mesh' | 'sfu'}>} vc-joined - Joined the room; `topology` is how media flows now.
 * @event {CustomEvent<{room: string}>} vc-left - Left the room.
 * @event {CustomEvent<{peerId: string, name: string}>} vc-peer-joined - Another participant entered the room.
 * @event {CustomEvent<{peerId: string}>} vc-peer-connected - Media from that peer is arriving (the peer connection is up).
 * @event {CustomEvent<{peerId: string}>} vc-peer-left - A participant left, closed the tab or lost the network.
 * @event {CustomEvent<{peerId: string, name: string}>} vc-incoming-call - Ring flow: a peer is calling; `accept()` or `decline()`.
 * @event {CustomEvent<{peerId: string, audio: boolean, video: boolean, screen: boolean}>} vc-peer-media - A peer muted, turned its camera off or on, or shares its screen.
 * @event {CustomEvent<{from: string, name: string, text: string, at: number}>} vc-chat-message - A chat message, ours included (`from` is then our own id); `at` is epoch ms.
 * @event {CustomEvent<{active: boolean}>} vc-screen-share - Our own screen share started or stopped.
 * @event {CustomEvent<{kind: string, deviceId: string, label: string, reason: string}>} vc-device-change - The camera, microphone or speaker in use changed: `kind` is `camera`, `microphone` or `speaker`; `reason` is `user` (chosen in the settings panel or by `selectDevice()`), `unplugged` (the device in use went away: this one took its place; the user is told) or `restored` (it is back, and in use again).
 * @event {CustomEvent<{peerId: string | null}>} vc-active-speaker - Who is speaking now changed: a participant's id, our own id when it is us, `null` when nobody speaks. From audio levels read a few times a second, steadied so it does not flicker; a muted participant is never speaking. Also `activeSpeaker`.
 * @event {CustomEvent<{topology: 'mesh' | 'sfu'}>} vc-topology - Media moved from the mesh to the SFU, or back (the whole room moves together).
 * @event {CustomEvent<{peerId: string, active: boolean}>} vc-recording - Someone in the call started or stopped recording it (`peerId` is our own id for our own recording). Fired on every participant's element; a recorder who leaves or drops counts as stopped, and someone joining while a recording runs is told at once.
 * @event {CustomEvent<{peerId: string, raised: boolean}>} vc-hand - A hand was raised or lowered, ours included (`peerId` is then our own id).
 * @event {CustomEvent<{peerId: string, emoji: string}>} vc-reaction - A reaction (one of 👍 👏 ❤️ 😂 😮 🎉), ours included. It floats over the sender's tile for 3 s. A peer's reactions past 8 in a burst or 2 a second are dropped (no event).
 * @event {CustomEvent<{code: string, message: string}>} vc-error - Something went wrong. `code` is one of `permission-denied`, `no-device`, `bad-config`, `transport`, `room-full`, `unauthorized`, `rate-limited`, `not-joined`, `invalid-state`, `bad-request`, `not-supported` (this browser cannot do it: recording without `MediaRecorder`), `ice-failed` (a connection to a peer could not be made, or was lost and not restored: not up within 15 s, or not back within 20 s; the message says whether a TURN server was configured and what to do), `background-failed` (the `background` effect could not start or gave up: the browser cannot process camera frames, the image or the model did not load, or the device managed under 15 frames per second; the plain camera is shown and sent); `message` is readable by a person.
 *
 * @csspart local-video - The `<video>` of our own camera or screen.
 * @csspart remote-video - The `<video>` of a remote peer; carries `data-peer-id`.
 * @csspart tile - Every participant's tile (also `local-tile` / `remote-tile`); carries `data-peer-id` (remote), `data-speaking` while that participant speaks (with a ring), and on remote tiles `data-quality` (`good`, `fair` or `poor`: their line's loss, round-trip time and bitrate, also shown as signal bars whose tooltip gives the figures). The large one (speaker layout, `pin()`, a screen share) has the class `main`.
 * @csspart controls - The control bar.
 * @csspart chat - The chat panel.
 * @csspart participants - The participants panel: everyone in the call with their hand, microphone and camera (opened from the control bar's Participants button).
 * @csspart prejoin - The pre-join screen.
 * @csspart join-button - The pre-join screen's Join button.
 * @csspart error - The error message.
 * @csspart settings - The settings panel: camera, microphone and speaker pickers (the speaker only where the browser can choose an output), noise suppression.
 * @csspart recording-badge - The recording badge, shown to everyone while anyone in the call records.
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
 * @cssprop [--vc-speaking=#3ddc84] - The ring round the tile of whoever is speaking.
 * @cssprop [--vc-radius=12px] - Corner radius of tiles and panels.
 * @cssprop [--vc-gap=8px] - Space between tiles.
 * @cssprop [--vc-font=system-ui, sans-serif] - Font family.
 * @cssprop [--vc-min-height=420px] - Minimum height of the element.
 * @cssprop [--vc-chat-width=320px] - Width of the chat panel on wide layouts.
 * @cssprop [--vc-control-size=48px] - Size of the control-bar buttons on wide layouts (44px on narrow ones).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- typed addEventListener overloads (no run-time code)
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

  /**
   * `all` (the default; also when empty or absent) or `relay`: never connect directly, only
   * through a TURN server (from `ice-servers` or handed out by the relay), so peers never learn
   * each other's IP address. Any other value fires `vc-error` `bad-config`. A change applies to the next join.
   */
  @property({ attribute: 'ice-transport-policy', reflect: true }) iceTransportPolicy: 'all' | 'relay' = 'all';

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
   * What is behind you on your camera: `none` (the default), `blur`, or the URL of an image that
   * replaces it. Done on this device, in a worker (MediaPipe's selfie segmentation: runtime and
   * model are the files in `video-call-background/` beside the bundle, fetched the first time a
   * background is set, from nowhere else); the preview and the others see the result. Until it
   * is ready, and if it fails (an old browser, an image or model that does not load, a device too
   * slow: under 15 frames per second), your plain camera is shown and sent, and `vc-error`
   * `background-failed` says why. Changes apply at once, during a call too. See docs/background.md.
   */
  @property({ reflect: true }) background = 'none';

  /**
   * The microphone's noise suppression: `on` (the default: the browser's own, the mic's
   * `noiseSuppression` constraint), `off`, or `strong`: RNNoise, a neural network (WebAssembly in an
   * AudioWorklet, off the main thread) that removes more of a steady noise (a fan, a road, typing)
   * while keeping the voice; the others hear the denoised mic. Its files are `video-call-noise/`
   * beside the bundle (about 100 KB gzip), fetched the first time `strong` is set, from nowhere
   * else; until they are ready, and if they cannot load (then `vc-error`
   * `noise-suppression-failed`), the browser's own suppression is used. Changed during a call, it
   * applies at once. Also a choice in the settings panel. See docs/background.md.
   */
  @property({ attribute: 'noise-suppression', reflect: true, converter: noiseConverter }) noiseSuppression: 'on' | 'off' | 'strong' = 'on';

  /**
   * Connect to at most this many remote peers (mesh limit); beyond it, `vc-error` `room-full`.
   * A value that is not a whole number of at least 1 fires `bad-config` and falls back to 5.
   */
  @property({ attribute: 'max-peers', type: Number, reflect: true }) maxPeers = 5;

  /**
   * The language of what the element shows (BCP 47: `de`, `pt-BR`, `ar`…). Without it, the nearest
   * ancestor's `lang` (across shadow roots), then the browser's languages (`navigator.languages`).
   * A regional tag it does not ship falls back to its language (`pt-BR` → `pt`), anything else to
   * English. Ships `en` (built in) and `de`, `fr`, `es`, `it`, `pt`, `nl`, `pl`, `sv`, `tr`, `ru`,
   * `uk`, `ja`, `zh`, `ko`, `ar`, `hi`, `he`, each fetched on demand (the script-tag build: the file
   * `video-call-lang-<lang>.js` beside `video-call.js`). Changed at run time, the element re-renders
   * in the new language; in `ar` and `he` it lays out right to left. `vc-error` messages stay English.
   */
  @property({ reflect: true }) override lang!: string;

  /**
   * `on` (the default) or `off`: the keyboard shortcuts for the microphone, camera, hand and chat
   * (Ctrl/⌘+D, Ctrl/⌘+E, Ctrl/⌘+Alt+H, Ctrl/⌘+Alt+C; see above). Off, those keys do what the
   * browser does with them, and the buttons no longer announce them (`aria-keyshortcuts`).
   */
  @property({ reflect: true, converter: onOff }) shortcuts: 'on' | 'off' = 'on';

  /**
   * Overrides of the element's UI strings: a partial map keyed by string id, e.g.
   * `{join: 'Enter the room', 'error.room-full': 'Sorry, we are full.'}` (`join` is the Join
   * button). Every id, with its English text and where it shows, is listed in docs/i18n.md. Wins
   * over every language; `{name}`-style placeholders are filled in; a value may be an object of
   * plural forms (`{one: '{count} message', other: '{count} messages'}`). Property only.
   */
  @property({ attribute: false }) strings: Strings = {};

  /**
   * How the call shows its tiles: `grid` (the default; any other value too) sizes every tile
   * alike, as large as the room allows at its picture's ratio; `speaker` shows the active speaker
   * large (whoever spoke last while nobody does; never ourselves) and the others in a strip under it.
   * A pinned participant (`pin()`) or a screen share is shown large whatever the layout.
   */
  @property({ reflect: true }) layout: 'grid' | 'speaker' = 'grid';

  /**
   * Offers recording to the user: a Record button in the control bar (off by default). The
   * methods `startRecording()` / `stopRecording()` work either way (a page that records by script
   * has chosen to). Whoever records, everyone in the call is told (`vc-recording`) and sees a
   * recording badge for as long as it runs, whether or not their own element offers recording.
   * Removed while recording, the button stays until the recording is stopped.
   */
  @property({ type: Boolean, reflect: true }) recording = false;

  @state() private _error: { code: VideoCallErrorCode; message: string } | null = null;
  /** Ring flow: who declined our call (shown until the next call or join). */
  @state() private _declinedBy: string | null = null;
  /** The browser refused unmuted autoplay (no click on the page yet): remote videos play muted. */
  @state() private _soundBlocked = false;
  /** Whose tile `pin()` shows large. */
  @state() private _pinned: string | null = null;
  /** The call's extras (call-extras.ts: the tiles' layout, hands, reactions…), once fetched (asked once, when a call first starts). */
  private _extras?: typeof import('../../call-extras.js');
  private _extrasLoading: Promise<void> | null = null;
  private _extrasAsked = false;
  /** Hands, reactions, participants, full screen, shortcuts (social.ts, in the extras). */
  private _social: Social | null = null;
  private _relayout = () => {};

  #engine = new CallEngine();
  /** The attributes, checked as they change (`bad-config`). */
  #configCheck = new ConfigCheck(this);
  /** The settings panel and its button, the pre-join level meter, and what it says when a device is unplugged or back. */
  private _settings = new Settings(this, this.#engine);
  /** The chat panel; its messages, unread count and announcements are taken in once per frame however fast they come. */
  #chat = new ChatPanel(this);
  // TypeScript `private`, not `#` (the bundle targets ES2021, where each `#` member costs a WeakMap).
  /** The element's language and its strings (English until its table arrives). */
  private _lang = new Language(this);
  /** What the views, the session and the engine's handlers read from (and set on) this element. */
  #parts = this.#viewHost();
  #session = new CallSession(this, this.#engine, sessionHooks(this.#parts));
  /** The shadow content, drawn from the parts above. */
  #view = new CallView(this.#parts);

  constructor() {
    super();
    followEngine(this.#parts);
  }

  // ------------------------------------------------------------ read-only

  /**
   * Where the element stands: `idle` (pre-join screen), `joining`, `joined` (in the call) or
   * `error` (a bad configuration or a refused join). Read-only.
   */
  get state(): CallState {
    const s = this.#engine.state;
    return this.#configCheck.error && s !== 'joined' && s !== 'joining' ? 'error' : s;
  }

  /**
   * The remote participants, each `{id, name, connectionState, audio, video, screen, hand}`
   * (`connectionState` is the `RTCPeerConnection`'s; `audio`/`video`/`screen` what they send;
   * `hand` whether their hand is raised),
   * plus `problem: 'ice-failed'` while the connection to them cannot be made or restored.
   * A fresh array on each read. Read-only.
   */
  get peers(): VideoCallPeer[] {
    // prettier-ignore
    return this.#engine.peers.map(({ id, name, connectionState, audio, video, screen, hand, problem }) => ({
      id, name, connectionState, audio, video, screen, hand, ...(problem ? { problem } : {}),
    }));
  }

  /**
   * Who is speaking now: a participant's id, our own id (see `vc-joined`'s `selfId`) when it is
   * us, or `null` when nobody speaks (always `null` outside a call). Changes fire `vc-active-speaker`. Read-only.
   */
  get activeSpeaker(): string | null {
    return this.#engine.activeSpeaker;
  }

  /** How media flows now: `mesh` or `sfu` (see the `topology` attribute). Read-only. */
  get topology(): 'mesh' | 'sfu' {
    return this.#engine.topology;
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
    return this.#session.join();
  }

  /**
   * Leaves the room (fires `vc-left`); the element goes back to its pre-join screen with the camera
   * off (its light goes out) until the user turns it on or joins again. Safe to call when not joined.
   */
  leave(): Promise<void> {
    return this.#session.leave();
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
   * The cameras, microphones and speakers the browser lists, each `[{deviceId, label}]` (labels are
   * empty until camera or microphone access is granted).
   */
  getDevices(): Promise<DeviceList> {
    return this.#engine.getDevices();
  }

  /**
   * Uses that camera, microphone or speaker (what the settings panel's pickers do), remembered on
   * this site for the next visit, and fires `vc-device-change` (`reason: 'user'`). A camera or
   * microphone in use switches at once, in a call without renegotiation; one that is off starts
   * there when turned on. The speaker is where the browser can choose an output (`setSinkId`).
   * Rejects with a `VideoCallError`: `bad-request` for another kind, `no-device` for an id
   * `getDevices()` does not list, or the error of a device that cannot start (also fired as `vc-error`).
   * @param kind `camera`, `microphone` or `speaker`.
   * @param deviceId A `deviceId` from `getDevices()`.
   */
  selectDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    return this.#engine.selectDevice(kind, deviceId);
  }

  /**
   * Raises or lowers our hand for everyone in the call (what the hand button and Ctrl/⌘+Alt+H do)
   * and returns the new state. The others see a hand on our tile and in their participants panel
   * (a screen reader says it); someone who joins later sees it too. Fires `vc-hand`. Leaving lowers
   * it. Outside a call it fires `vc-error` `not-joined` and returns `false`.
   * @param on `true` to raise, `false` to lower; omitted, it toggles.
   */
  raiseHand(on?: boolean): boolean {
    return this.#engine.raiseHand(on);
  }

  /**
   * Sends a short-lived reaction to everyone in the call: it floats over our tile, here and on
   * their screens, for 3 s (without motion when the visitor prefers reduced motion). Fires
   * `vc-reaction`. Throws a `VideoCallError` with code `bad-request` for anything but one of
   * 👍 👏 ❤️ 😂 😮 🎉; outside a call it fires `vc-error` `not-joined`.
   * @param emoji One of 👍 👏 ❤️ 😂 😮 🎉.
   */
  react(emoji: string): void {
    this.#engine.react(emoji);
  }

  /**
   * Call quality, one entry per connected peer: round-trip time, packet loss, bitrates in and
   * out, the frame size of the video received, and `relayed` (the connection goes through a
   * TURN server).
   */
  getStats(): Promise<PeerStats[]> {
    return this.#engine.getStats();
  }

  /**
   * Shows one participant's tile large, the others in a strip, whatever the `layout`, until
   * `pin(null)` (or another pin); a pinned participant who leaves is no longer shown large.
   * @param peerId A participant's id (from `peers`, or our own id from `vc-joined`), or `null` to unpin.
   * Throws a `VideoCallError` with code `bad-request` for an id of nobody in the call.
   */
  pin(peerId: string | null): void {
    if (peerId !== null && peerId !== this.#engine.selfId && !this.#engine.peers.some((p) => p.id === peerId)) {
      throw new VideoCallError('bad-request', `pin(): no one in the call has the id ${peerId}`);
    }
    this._pinned = peerId;
  }

  /**
   * Starts recording the whole call in this browser: every tile
   * composited as a 1280×720 grid with names, and every voice, ours included, mixed into one
   * track, recorded into WebM; participants who join or leave meanwhile are added or removed.
   * Everyone in the call gets `vc-recording` `{peerId, active: true}` (us too) and sees the
   * recording badge. The recorder is a file fetched on the first recording (the script-tag build:
   * `video-call-recorder.js` beside `video-call.js`). Resolves once recording. Rejects with a
   * `VideoCallError`: `invalid-state` (already recording), `not-joined` (not in a call),
   * `not-supported` (this browser cannot record: no `MediaRecorder` with WebM) or `transport` (the
   * recorder file could not be loaded); the last two are also fired as `vc-error`.
   */
  startRecording(): Promise<void> {
    setCurrent(this._lang);
    return this.#engine.startRecording({ download: this.room, you: t('you'), guest: t('guest') });
  }

  /**
   * Stops recording and resolves with the recording: a WebM `Blob` (`type` `video/webm`). The
   * element also offers it as a download (the browser's own download, file name
   * `call-<room>-<yyyy-mm-dd-hh-mm>.webm`, the local time the recording started). Everyone gets `vc-recording` `{peerId, active: false}`
   * and the badge goes (unless someone else still records). Leaving the call stops a recording
   * too, and offers it the same way. Rejects with `invalid-state` when not recording.
   */
  stopRecording(): Promise<Blob> {
    return this.#engine.stopRecording();
  }

  // ------------------------------------------------------------ lifecycle

  override connectedCallback(): void {
    super.connectedCallback();
    this.#engine.configure({ audio: this.audio !== 'off', video: this.video !== 'off' });
    if (this.#engine.state !== 'idle') return; // moved within the page: the call goes on
    queueMicrotask(() => {
      if (!this.isConnected) return;
      if (this.autojoin && this.room) this.join().catch(() => {});
      else if (!this.#configCheck.error) void this.#engine.startMedia();
    });
  }

  /**
   * Also waits for chat messages that arrived but are not taken in yet (they are, at the next frame).
   * @internal
   */
  protected override async getUpdateComplete(): Promise<boolean> {
    const flushed = this.#chat.feed.flushed;
    if (flushed) await flushed;
    let done = await super.getUpdateComplete();
    // The language's table (or the extras) on their way: they render in the update after they arrive.
    while (this._lang.loading || this._extrasLoading) {
      await (this._lang.loading ?? this._extrasLoading);
      done = await super.getUpdateComplete();
    }
    return done;
  }

  /** Lays the tiles out again when the element is resized or a picture changes size. */
  protected override firstUpdated(): void {
    const root = this.renderRoot.querySelector<HTMLElement>('.root')!;
    const relayout = (this._relayout = () => {
      // On the pre-join screen, its height (--_h): the call keeps it, so joining does not make the page jump.
      if (root.querySelector(':scope > .prejoin')) root.style.setProperty('--_h', `${root.offsetHeight}px`);
      this._extras?.layoutStage(root);
    });
    new ResizeObserver(relayout).observe(root);
    root.addEventListener('resize', relayout, true);
  }

  protected override updated(): void {
    this._relayout();
    playRemoteVideos(this.renderRoot, () => (this._soundBlocked = true));
    this._settings.afterUpdate(this.state === 'idle');
    this._social?.updated();
    this.#chat.afterUpdate();
  }

  /** What the view reads from (and sets on) this element. */
  #viewHost(): ViewHost {
    const el = this; // eslint-disable-line @typescript-eslint/no-this-alias -- the accessors below read the element's state
    // prettier-ignore
    return {
      host: this, engine: this.#engine, chat: this.#chat, config: this.#configCheck, language: this._lang, settings: this._settings,
      get social() { return el._social; },
      get error() { return el._error; },
      set error(error) { el._error = error; },
      get declinedBy() { return el._declinedBy; },
      set declinedBy(name) { el._declinedBy = name; },
      get soundBlocked() { return el._soundBlocked; },
      set soundBlocked(blocked) { el._soundBlocked = blocked; },
      get pinned() { return el._pinned; },
      set pinned(id) { el._pinned = id; },
      get extras() { return el._extras; },
    };
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // A move within the page disconnects and reconnects at once: only a real removal ends the call.
    queueMicrotask(() => {
      if (this.isConnected) return;
      this._settings.ui?.stop();
      void this.#engine.destroy().then(() => this.#session.release());
    });
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    this.#chat.beforeUpdate();
    // The tiles' layout (layout.ts), hands, reactions… come with the call's extras, fetched when the first join starts.
    const s = this.#engine.state;
    if ((s === 'joining' || s === 'joined') && !this._extrasAsked) {
      this._extrasAsked = true; // once: a chunk that cannot be loaded leaves the call without its extras
      this._extrasLoading = loadExtras()
        .then((m) => {
          m.adoptStyles(this.renderRoot);
          this._extras = m;
          this._social = new m.Social(this.#parts);
        })
        .catch((err) => console.warn('[video-call] extras not loaded:', err))
        .finally(() => {
          this._extrasLoading = null;
          this.requestUpdate();
        });
    }
    this._lang.apply(this.lang, this.strings);
    this.#configCheck.check(changed);
    if (changed.has('name')) this.#engine.setName(this.name);
    if (changed.has('background')) this.#engine.setBackground(this.background);
    if (changed.has('noiseSuppression')) this.#engine.setNoiseSuppression(this.noiseSuppression);
    // `audio` / `video` set after the element is on the page (a script, the demo's URL options).
    if (this.isConnected && (changed.has('audio') || changed.has('video'))) {
      applyStartMedia(this.#engine, this.audio !== 'off', this.video !== 'off', {
        audio: changed.has('audio') && changed.get('audio') !== undefined,
        video: changed.has('video') && changed.get('video') !== undefined,
      });
    }
    // `autojoin` and `room` may arrive after the element is on the page (set by a script).
    const arrived =
      (changed.has('autojoin') && changed.get('autojoin') !== undefined) || (changed.has('room') && changed.get('room') !== undefined);
    this.#session.follow(arrived, !!this.#configCheck.config);
  }

  protected override render() {
    setCurrent(this._lang);
    return this.#view.render();
  }
}

/** `addEventListener('vc-joined', (e) => e.detail.selfId)`: every `vc-*` event typed by `VideoCallEventMap`. */
// Merged into the class: typed addEventListener overloads, no run-time code. One line per overload.
// prettier-ignore
export interface VideoCall { // eslint-disable-line @typescript-eslint/no-unsafe-declaration-merging
  addEventListener<K extends keyof VideoCallCustomEvents>(type: K, listener: (this: VideoCall, ev: VideoCallCustomEvents[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener<K extends keyof HTMLElementEventMap>(type: K, listener: (this: VideoCall, ev: HTMLElementEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof VideoCallCustomEvents>(type: K, listener: (this: VideoCall, ev: VideoCallCustomEvents[K]) => unknown, options?: boolean | EventListenerOptions): void;
  removeEventListener<K extends keyof HTMLElementEventMap>(type: K, listener: (this: VideoCall, ev: HTMLElementEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'video-call': VideoCall;
  }
}
