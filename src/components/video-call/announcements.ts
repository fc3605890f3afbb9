import { html } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { Announcement } from './chat-feed.js';
import { parts, t } from '../../i18n/i18n.js';

/**
 * What a screen reader hears of chat (a visually hidden live region): each announcement is a new
 * node (the same words twice are said twice); a burst is summed up ("12 new messages"), never
 * read out one by one (see chat-feed.ts).
 */
export function renderAnnouncements(announcements: Announcement[]) {
  return html`<div class="visually-hidden" role="status" aria-live="polite">
      ${repeat(
        announcements,
        (a) => a.key,
        (a) =>
          a.count === 1
            ? html`<p>${parts('newMessageFrom', { name: html`<bdi>${a.name || t('guest')}</bdi>`, text: html`<bdi>${a.text}</bdi>` })}</p>`
            : html`<p>${parts('newMessages', { count: a.count, name: html`<bdi>${a.name || t('guest')}</bdi>`, text: html`<bdi>${a.text}</bdi>` })}</p>`,
      )}
    </div>`;
}
