import { html } from 'lit';
import { t } from '../../i18n/i18n.js';

/** While `join()` is under way. */
export function renderJoining() {
  return html`<div class="center" role="status"><div class="spinner" aria-hidden="true"></div><p>${t('joining')}</p></div>`;
}
