/**
 * Hands, reactions and the rest, in the call's extras (call-extras.ts: `video-call-extras.js` beside
 * `video-call.js` in the script-tag build), fetched when a call is first joined: the control bar's
 * hand, reactions, participants, full-screen and picture-in-picture buttons, the participants
 * panel, the reactions floating over the tiles, and the keyboard shortcuts. The raised hand on a
 * tile, its announcement and the data-channel messages are in the main bundle.
 */
import { html, nothing, svg } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { handIcon, renderExtraControls } from './extra-controls.js';
import { renderParticipants } from './participants.js';
import { FloatingReactions } from './reactions.js';
import { Shortcuts } from './shortcuts.js';
import { socialStyles } from './social.styles.js';
import { ViewModes } from './view-modes.js';
import type { ViewHost } from './views.js';
import { en, parts, t } from '../../i18n/i18n.js';
import { enExtras } from '../../i18n/en.js';

export class Social {
  /** The reactions floating over the tiles. */
  readonly reactions: FloatingReactions;
  /** Full screen and picture-in-picture. */
  readonly modes: ViewModes;
  /** The participants panel is open. */
  people = false;
  /** The row of reactions is open. */
  picker = false;
  /** Who speaks now (`vc-active-speaker`), followed by picture-in-picture. */
  speaker: string | null = null;
  /** The latest hand raised, for screen readers (a new key: said again). */
  said: { key: number; name: string } | null = null;
  // TypeScript `private`, not `#`: the bundle targets ES2021, where each `#` member costs a WeakMap.
  private _v: ViewHost;

  constructor(v: ViewHost) {
    this._v = v;
    const host = v.host;
    Object.assign(en, enExtras); // the English fallback of the extras' strings
    const root = host.renderRoot as ShadowRoot;
    if (socialStyles.styleSheet) root.adoptedStyleSheets = [...root.adoptedStyleSheets, socialStyles.styleSheet];
    this.reactions = new FloatingReactions(host);
    this.modes = new ViewModes(host);
    new Shortcuts(host, (action) => {
      if (host.shortcuts === 'off' || host.state !== 'joined') return false;
      if (action === 'mic') host.toggleMic();
      else if (action === 'camera') host.toggleCamera();
      else if (action === 'hand') host.raiseHand();
      else this.side(false, !v.chat.open);
      return true;
    });
    host.addEventListener('vc-active-speaker' as 'vc-hand', (ev) => {
      this.speaker = (ev.detail as unknown as { peerId: string | null }).peerId;
      host.requestUpdate();
    });
  }

  /** A call starts: panels closed, nothing to say. */
  reset(): void {
    this.people = this.picker = false;
    this.speaker = this.said = null;
  }

  /** A hand was raised or lowered (`say`: a screen reader is told, unless a flood of them). */
  hand(peerId: string, raised: boolean, say?: boolean): void {
    if (raised && say) this.said = { key: (this.said?.key ?? 0) + 1, name: this._v.engine.peers.find((p) => p.id === peerId)?.name ?? '' };
  }

  /**
   * Over a participant's tile: their raised hand (top corner), their reactions floating, and on a
   * remote tile the pin button (the other top corner): pressed, that tile is shown large (`pin()`).
   */
  over(peerId: string, hand: boolean) {
    const { host, engine, pinned } = this._v;
    const peer = peerId !== engine.selfId && engine.peers.find((p) => p.id === peerId);
    const on = pinned === peerId;
    const name = peer && (peer.name || t('guest'));
    return html`${hand ? html`<span class="hand" role="img" aria-label=${t('handRaised')} title=${t('handRaised')}>${handIcon}</span>` : nothing}${
      peer
        ? html`<button type="button" class="pin" aria-pressed=${on} aria-label=${t('pinTile', { name })}
            title=${t(on ? 'unpinTile' : 'pinTile', { name })} @click=${() => host.pin(on ? null : peerId)}>
            <svg viewBox="0 0 24 24" width="18" height="18" fill=${on ? 'currentColor' : 'none'} stroke="currentColor" stroke-width="2" stroke-linejoin="round" aria-hidden="true" focusable="false">
              ${svg`<path d="M9 3h6l-1 6 4 4H6l4-4zM12 13v8"/>`}
            </svg>
          </button>`
        : nothing
    }${this.reactions.render(peerId)}`;
  }

  /** Focuses what `selector` finds, unless the user has moved on elsewhere on the page meanwhile. */
  focus(selector: string): void {
    const host = this._v.host;
    void host.updateComplete.then(() => {
      const active = document.activeElement;
      if (!active || active === document.body || host.matches(':focus-within'))
        host.renderRoot.querySelector<HTMLElement>(selector)?.focus();
    });
  }

  /** Opens or closes a side panel, the chat or the participants: one at a time. */
  side(people: boolean, open: boolean): void {
    const { chat, host } = this._v;
    if (people) {
      if (open) chat.setOpen(false);
      this.people = open;
      host.requestUpdate();
      this.focus(open ? '[part="participants"] button' : '[data-control="participants"]');
    } else {
      if (open) this.people = false;
      chat.setOpen(open);
    }
  }

  /** The control bar's extra buttons. */
  controls() {
    const { host, engine: e } = this._v;
    const modes = this.modes;
    return renderExtraControls({
      hand: e.hand,
      onHand: () => host.raiseHand(),
      reactionsOpen: this.picker,
      onReactions: () => {
        this.picker = !this.picker;
        host.requestUpdate();
        if (!this.picker) this.focus('[data-control="reactions"]');
      },
      onReact: (emoji) => host.react(emoji),
      peopleOpen: this.people,
      onPeople: () => this.side(true, !this.people),
      fullscreen: modes.canFullscreen ? modes.fullscreen : null,
      onFullscreen: () => modes.toggleFullscreen(),
      pip: modes.canPip ? modes.pip : null,
      onPip: () => void modes.togglePip(),
      shortcuts: host.shortcuts !== 'off',
    });
  }

  /**
   * Beside the stage: what a screen reader hears of hands ("Ada raised their hand", a new node
   * each time, so said again), and the participants panel when open (`name`: ours).
   */
  aside(name: string) {
    const e = this._v.engine;
    return html`<div class="visually-hidden" role="status" aria-live="polite">
        ${repeat(
          this.said ? [this.said] : [],
          (s) => s.key,
          (s) => html`<p>${parts('raisedHand', { name: html`<bdi>${s.name || t('guest')}</bdi>` })}</p>`,
        )}
      </div>
      ${
        this.people
          ? renderParticipants({ name, audio: e.micOn, video: e.cameraOn || e.screenSharing, hand: e.hand }, e.peers, () =>
              this.side(true, false),
            )
          : nothing
      }`;
  }

  /** After each update: picture-in-picture follows the active speaker, and closes when the call ends. */
  updated(): void {
    const { host, engine } = this._v;
    const modes = this.modes;
    if (engine.state !== 'joined') return modes.closePip();
    const root = host.renderRoot;
    const id = this.speaker;
    modes.target =
      (id ? root.querySelector<HTMLVideoElement>(`.tile:not(.no-video) > video[data-peer-id="${CSS.escape(id)}"]`) : null) ??
      root.querySelector<HTMLVideoElement>('.tile:not(.no-video) > video[part="remote-video"]') ??
      root.querySelector<HTMLVideoElement>('video[part="local-video"]');
    modes.follow();
    // The buttons say their keys (`aria-keyshortcuts`) while the shortcuts are on.
    const [mic, camera] = root.querySelectorAll('[part="controls"] > .control');
    const keys: [Element | null | undefined, string][] = [
      [mic, 'D'],
      [camera, 'E'],
      [root.querySelector('[data-control="chat"]'), 'Alt+C'],
    ];
    for (const [button, k] of keys) {
      if (host.shortcuts === 'off') button?.removeAttribute('aria-keyshortcuts');
      else button?.setAttribute('aria-keyshortcuts', `Control+${k} Meta+${k}`);
    }
  }
}
