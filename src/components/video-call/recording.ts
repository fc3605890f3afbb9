import { html, nothing } from 'lit';
import { icons } from './icons.js';
import { t } from '../../i18n/i18n.js';

/**
 * The recording badge (`part="recording-badge"`), shown to everyone for as long as anyone in the
 * call records (`on`). It sits in a live region that is always there, so screen readers hear it come.
 */
export function renderRecordingBadge(on: boolean) {
  return html`<div class="rec" role="status">${on ? html`<span part="recording-badge">${icons.record}${t('recording')}</span>` : nothing}</div>`;
}
