import { html } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { Announcement } from './chat-feed.js';

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
            ? html`<p>New message from <bdi>${a.name || 'Guest'}</bdi>: <bdi>${a.text}</bdi></p>`
            : html`<p>${a.count} new messages. The latest from <bdi>${a.name || 'Guest'}</bdi>: <bdi>${a.text}</bdi></p>`,
      )}
    </div>`;
}
