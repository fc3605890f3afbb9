import { html, nothing } from 'lit';
import type { CallEngine } from '../../call/call-engine.js';
import { dir, t } from '../../i18n/i18n.js';
import { renderError, renderReconnectingBanner, renderSoundBanner } from './banners.js';
import type { ChatPanel } from './chat-panel.js';
import type { ConfigCheck } from './config.js';
import { renderControls } from './controls.js';
import type { Social } from './social.js';
import { clampName } from '../../call/channel-protocol.js';
import { renderJoining } from './joining.js';
import type { Language, ShownError } from './language.js';
import { renderPrejoin } from './prejoin.js';
import { renderRecordingBadge } from './recording.js';
import { renderRing } from './ring.js';
import type { Settings } from './settings.js';
import { renderStage } from './stage.js';
import type { VideoCall } from './video-call.component.js';

/** What the views read from (and set on) `<video-call>`: the element and its inner parts. */
export interface ViewHost {
  readonly host: VideoCall;
  /** Hands, reactions, participants, full screen… (social.ts, in the call's extras), once loaded. */
  readonly social: Social | null;
  readonly engine: CallEngine;
  readonly chat: ChatPanel;
  readonly config: ConfigCheck;
  readonly language: Language;
  /** The settings panel, its button and the device notices. */
  readonly settings: Settings;
  /** The error the call reported (shown until dismissed or the next join; some go by themselves: see wiring.ts). */
  error: ShownError | null;
  /** Ring flow: who declined our call (shown until the next call or join). */
  declinedBy: string | null;
  /** The browser refused unmuted autoplay: remote videos play muted. */
  soundBlocked: boolean;
  /** Whose tile `pin()` shows large (an id, ours included), or null. */
  pinned: string | null;
  /** The call's extras (call-extras.ts), once fetched. */
  readonly extras?: typeof import('../../call-extras.js');
}

/** The element's shadow content: the error and banners, then the pre-join screen, the joining screen or the call. */
export class CallView {
  // TypeScript `private`, not `#` (the bundle targets ES2021, where each `#` member costs a WeakMap).
  private _v: ViewHost;

  constructor(v: ViewHost) {
    this._v = v;
  }

  render() {
    const v = this._v;
    const lang = v.language.lang;
    const config = v.config;
    const error = config.error ?? v.error ?? config.warning;
    const s = v.host.state;
    const body = s === 'joined' ? this._renderCall() : s === 'joining' ? renderJoining() : this._renderPrejoin();
    return html`<div class="root" lang=${lang} dir=${dir(lang)} @pointerdown=${this.turnOnSound} @keydown=${this.turnOnSound}>
      ${error ? renderError(v.language.shownError(error), !config.error, this._dismissError, this._canRetry(error) ? this._retry : undefined) : nothing}
      ${v.soundBlocked && s === 'joined' ? renderSoundBanner(this.turnOnSound) : nothing}
      ${v.engine.transportState === 'reconnecting' && s === 'joined' ? renderReconnectingBanner() : nothing}
      ${v.settings.ui?.renderNotice()}
      ${body}
      ${s === 'joining' ? nothing : v.settings.ui?.render()}
    </div>`;
  }

  turnOnSound = () => {
    if (!this._v.soundBlocked) return;
    this._v.soundBlocked = false; // re-rendered unmuted, inside the user's gesture
  };

  /** A join that could not reach the relay, or signaling that ended during the call: Retry joins again. */
  private _canRetry(error: { code: string }): boolean {
    if (error.code !== 'transport' || this._v.config.error || error !== this._v.error) return false;
    const e = this._v.engine;
    return e.state === 'error' || (e.state === 'joined' && e.transportState === 'closed');
  }

  /** Joins again (leaving first when signaling ended during the call); focus stays on Retry if it fails again. */
  private _retry = () => {
    const host = this._v.host;
    void host
      .join()
      .catch(() => {})
      .then(() => host.updateComplete)
      .then(() => host.renderRoot.querySelector<HTMLElement>('.error .retry')?.focus());
  };

  private _dismissError = () => {
    if (this._v.error) this._v.error = null;
    else this._v.config.dismissWarning();
  };

  /** Focuses what `selector` finds in the element. */
  focus(selector: string): void {
    this._v.host.renderRoot.querySelector<HTMLElement>(selector)?.focus();
  }

  private _renderPrejoin() {
    const host = this._v.host;
    return renderPrejoin({
      name: clampName(host.name),
      room: host.room,
      media: this._v.engine,
      blocked: !!this._v.config.error,
      onName: (name) => (host.name = name),
      // Join removes the pre-join screen: focus goes to the mic toggle, not to the page.
      onJoin: () =>
        void host
          .join()
          .then(() => host.updateComplete)
          .then(() => this.focus('[part="controls"] > .control'))
          .catch(() => {}),
      onMic: () => host.toggleMic(),
      onCamera: () => host.toggleCamera(),
      settings: this._v.settings.ui?.renderButton(),
      meter: this._v.settings.ui?.renderMeter(),
    });
  }

  private _renderCall() {
    const v = this._v;
    const { host, engine: e, chat, social: x } = v;
    const shown = e.ring ? e.peers.filter((p) => p.ring === 'active') : e.peers;
    const name = e.name || t('you');
    const stage = renderStage({
      selfId: e.selfId,
      speaking: e.presence?.speakers.speaking ?? new Set(),
      lineText: v.extras && ((l) => v.extras!.lineText(l, t)),
      main: v.extras?.mainTile(e, shown, v.pinned, host.layout === 'speaker') ?? null,
      local: {
        label: name,
        you: !!e.name,
        stream: e.localStream,
        audio: e.micOn,
        video: e.cameraOn || e.screenSharing,
        screen: e.screenSharing,
        hand: e.hand,
        over: x?.over(e.selfId, e.hand),
      },
      over: (id, hand) => x?.over(id, hand),
      peers: e.peers,
      ring: e.ring,
      ringCard: e.ring
        ? renderRing({
            peers: e.peers,
            declinedBy: this._v.declinedBy,
            onCall: () => host.call(),
            onAccept: () => host.accept(),
            onDecline: () => host.decline(),
          })
        : nothing,
      room: host.room,
      soundBlocked: this._v.soundBlocked,
    });
    return html`<div class="stage">
        ${stage}
        ${renderRecordingBadge(e.recording || e.peers.some((p) => p.recording))}
        ${chat.render((t) => host.sendChat(t))}
        ${x?.aside(name)}
      </div>
      ${renderControls({
        micOn: e.micOn,
        cameraOn: e.cameraOn,
        screenSharing: e.screenSharing,
        chatOpen: chat.open,
        unread: chat.feed.unread,
        canShareScreen: typeof navigator !== 'undefined' && !!navigator.mediaDevices?.getDisplayMedia,
        onMic: () => host.toggleMic(),
        onCamera: () => host.toggleCamera(),
        onScreen: () => (e.screenSharing ? host.stopScreenShare() : host.startScreenShare().catch(() => {})),
        recording: e.recording,
        onRecord:
          host.recording || e.recording ? () => (e.recording ? host.stopRecording() : host.startRecording()).catch(() => {}) : undefined,
        onChat: () => (x ? x.side(false, !chat.open) : chat.setOpen(!chat.open)),
        extra: x?.controls(),
        settings: this._v.settings.ui?.renderButton(),
        // Leaving removes the control bar: focus goes to the Join button, not to the page.
        onLeave: () =>
          void host
            .leave()
            .then(() => host.updateComplete)
            .then(() => this.focus('[part="join-button"]')),
      })}`;
  }
}
