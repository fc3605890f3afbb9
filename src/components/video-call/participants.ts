import { html, nothing } from 'lit';
import { handIcon } from './extra-controls.js';
import { icons } from './icons.js';
import { displayName } from './text.js';
import { t } from '../../i18n/i18n.js';

/** One row of the participants panel. */
export interface ParticipantRow {
  /** Remote peer id; undefined for ourselves. */
  id?: string;
  name: string;
  audio: boolean;
  video: boolean;
  hand: boolean;
}

const state = (on: boolean, onIcon: unknown, offIcon: unknown, onLabel: string, offLabel: string) =>
  html`<span class="badge ${on ? 'on' : ''}" role="img" aria-label=${on ? onLabel : offLabel} title=${on ? onLabel : offLabel}>${on ? onIcon : offIcon}</span>`;

/**
 * The participants panel (`part="participants"`): ourselves first, then raised hands (in the
 * order given), then everyone else; each with their hand, microphone and camera. Escape closes it.
 */
export function renderParticipants(self: ParticipantRow, peers: ParticipantRow[], onClose: () => void) {
  const rows = [self, ...peers.filter((p) => p.hand), ...peers.filter((p) => !p.hand)];
  const escape = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onClose();
    }
  };
  return html`<aside class="chat participants" part="participants" aria-label=${t('participantsPanel')} @keydown=${escape}>
    <header>
      <h2>${t('participantsPanel')} (${rows.length})</h2>
      <button class="icon-button" type="button" aria-label=${t('closeParticipants')} title=${t('closeParticipants')} @click=${onClose}>${icons.close}</button>
    </header>
    <ul class="people">
      ${rows.map(
        (p) => html`<li data-peer-id=${p.id ?? nothing}>
          <span class="who">${p.id ? html`<bdi>${displayName(p.name) || t('guest')}</bdi>` : t('you')}</span>
          ${p.hand ? html`<span class="hand" role="img" aria-label=${t('handRaised')} title=${t('handRaised')}>${handIcon}</span>` : nothing}
          ${state(p.audio, icons.mic, icons.micOff, t('micOnBadge'), t('micOffBadge'))}
          ${state(p.video, icons.cam, icons.camOff, t('cameraOnBadge'), t('cameraOffBadge'))}
        </li>`,
      )}
    </ul>
  </aside>`;
}
