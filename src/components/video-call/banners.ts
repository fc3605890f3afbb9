import { html, nothing } from 'lit';
import { icons } from './icons.js';
import { t } from '../../i18n/i18n.js';

/**
 * The error message (`part="error"`); a bad configuration cannot be dismissed, anything else can.
 * With `onRetry` (the relay could not be reached, or signaling ended), a Retry button joins again.
 */
export function renderError(error: { code: string; message: string }, dismissible: boolean, onDismiss: () => void, onRetry?: () => void) {
  return html`<div class="error" part="error" role="alert" data-code=${error.code}>
      <span>${error.message}</span>
      ${onRetry ? html`<button class="primary retry" type="button" @click=${onRetry}>${t('retry')}</button>` : nothing}
      ${
        dismissible
          ? html`<button class="icon-button" type="button" aria-label=${t('dismissMessage')} title=${t('dismiss')} @click=${onDismiss}>${icons.close}</button>`
          : nothing
      }
    </div>`;
}

/** The browser holds back the others' sound (no click on the page yet): a button brings it. */
export function renderSoundBanner(onTurnOnSound: () => void) {
  return html`<div class="banner" role="status">
            <span>${t('soundBlocked')}</span>
            <button class="primary" type="button" @click=${onTurnOnSound}>${t('turnOnSound')}</button>
          </div>`;
}

/** Signaling is lost (calls in progress go on) and the transport is reconnecting. */
export function renderReconnectingBanner() {
  return html`<div class="banner" role="status">${t('signalingLost')}</div>`;
}
