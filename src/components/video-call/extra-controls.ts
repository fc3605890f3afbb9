import { html, nothing, svg } from 'lit';
import { REACTIONS } from '../../call/channel-protocol.js';
import { t } from '../../i18n/i18n.js';

// 24×24 stroke icons (after Lucide, ISC licence), drawn in currentColor (as icons.ts).
const icon = (body: unknown) =>
  svg`<svg viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">${body}</svg>`;
const people = icon(
  svg`<circle cx="9" cy="7" r="4"/><path d="M2 21v-2a4 4 0 0 1 4-4h6a4 4 0 0 1 4 4v2M16 3.1a4 4 0 0 1 0 7.8M22 21v-2a4 4 0 0 0-3-3.9"/>`,
);
/** A raised hand: the control bar's button, the tile badge and the participants panel. */
export const handIcon = icon(
  svg`<path d="M18 11V6a2 2 0 0 0-4 0v5"/><path d="M14 10V4a2 2 0 0 0-4 0v2"/><path d="M10 10.5V6a2 2 0 0 0-4 0v8"/><path d="M18 8a2 2 0 1 1 4 0v6a8 8 0 0 1-8 8h-2c-2.8 0-4.5-.9-6-2.3l-3.6-3.6a2 2 0 0 1 2.8-2.8L7 15"/>`,
);
/** The reactions button: a smile (the reactions themselves are emoji, as the peers send them). */
const smile = icon(svg`<circle cx="12" cy="12" r="10"/><path d="M8 14.5a5 5 0 0 0 8 0"/><path d="M9 9h.01M15 9h.01"/>`);
const fullscreen = icon(svg`<path d="M8 3H5a2 2 0 0 0-2 2v3m18 0V5a2 2 0 0 0-2-2h-3m0 18h3a2 2 0 0 0 2-2v-3M3 16v3a2 2 0 0 0 2 2h3"/>`);
const pip = icon(svg`<rect x="2" y="4" width="20" height="16" rx="2"/><rect x="12" y="12" width="7" height="5" rx="1"/>`);

export interface ExtraControlsModel {
  /** Our hand is raised. */
  hand: boolean;
  onHand: () => void;
  /** The row of reactions is open. */
  reactionsOpen: boolean;
  onReactions: () => void;
  onReact: (emoji: string) => void;
  /** The participants panel is open. */
  peopleOpen: boolean;
  onPeople: () => void;
  /** Full screen: whether it is on; null where the browser does not allow it. */
  fullscreen: boolean | null;
  onFullscreen: () => void;
  /** Picture-in-picture: whether it is open; null where the browser has none. */
  pip: boolean | null;
  onPip: () => void;
  /** The keyboard shortcuts are on: the hand button says its keys (`aria-keyshortcuts`). */
  shortcuts: boolean;
}

/** A toggle of the control bar: labelled, pressed or not. */
const toggle = (on: boolean, label: string, content: unknown, onClick: () => void, control: string, title = label) =>
  html`<button type="button" class="control ${on ? 'active' : ''}" aria-pressed=${on} aria-label=${label} title=${title}
    data-control=${control} @click=${onClick}>${content}</button>`;

/**
 * The control bar's extra buttons (before Leave): raise hand, reactions, participants, full screen
 * and picture-in-picture; the reactions open as a row above the buttons (Escape closes it).
 */
export function renderExtraControls(m: ExtraControlsModel) {
  const closeReactions = (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return;
    e.stopPropagation();
    m.onReactions();
  };
  return html`
    <button type="button" class="control ${m.hand ? 'active' : ''}" aria-pressed=${m.hand} aria-label=${t('raiseHand')} data-control="hand"
      title=${m.hand ? t('lowerHand') : t('raiseHand')} aria-keyshortcuts=${m.shortcuts ? 'Control+Alt+H Meta+Alt+H' : nothing} @click=${m.onHand}>
      ${handIcon}
    </button>
    ${toggle(m.reactionsOpen, t('reactions'), smile, m.onReactions, 'reactions')}
    ${
      m.reactionsOpen
        ? html`<div class="reaction-bar" role="group" aria-label=${t('reactions')} @keydown=${closeReactions}>
          ${REACTIONS.map((r) => html`<button type="button" class="icon-button" @click=${() => m.onReact(r)}>${r}</button>`)}
        </div>`
        : nothing
    }
    ${toggle(m.peopleOpen, t('participantsPanel'), people, m.onPeople, 'participants')}
    ${m.fullscreen === null ? nothing : toggle(m.fullscreen, t('fullscreen'), fullscreen, m.onFullscreen, 'fullscreen')}
    ${m.pip === null ? nothing : toggle(m.pip, t('pip'), pip, m.onPip, 'pip')}`;
}
