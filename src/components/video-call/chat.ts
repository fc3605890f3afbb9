import { html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { icons } from './icons.js';
import { t, time } from '../../i18n/i18n.js';

export interface ChatEntry {
  key: number;
  from: string;
  name: string;
  text: string;
  at: number;
  own: boolean;
}

/**
 * The chat panel. Text is rendered as text (Lit escapes it), never as markup; names and messages
 * (cleaned of control characters by the feed) are isolated (`<bdi>`, `dir="auto"`), so a
 * right-to-left override in one cannot reorder the name, the time or the next message.
 */
export function renderChat(opts: {
  messages: ChatEntry[];
  /** Older messages were dropped (only the last ones are kept). */
  trimmed?: boolean;
  onSend: (text: string) => void;
  onClose: () => void;
  canSend: boolean;
}) {
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const input = form.elements.namedItem('message') as HTMLTextAreaElement;
    if (input.value.trim()) opts.onSend(input.value);
    input.value = '';
    input.focus();
  };
  const keydown = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      (e.currentTarget as HTMLTextAreaElement).form?.requestSubmit();
    }
  };
  const escape = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      opts.onClose();
    }
  };
  return html`<aside class="chat" part="chat" aria-label=${t('chat')} @keydown=${escape}>
    <header>
      <h2>${t('chat')}</h2>
      <button class="icon-button" type="button" aria-label=${t('closeChat')} title=${t('closeChat')} @click=${opts.onClose}>${icons.close}</button>
    </header>
    <ol class="messages">
      ${opts.messages.length === 0 ? html`<li class="empty">${t('noMessages')}</li>` : nothing}
      ${opts.trimmed ? html`<li class="empty note">${t('olderHidden')}</li>` : nothing}
      ${repeat(
        opts.messages,
        (m) => m.key,
        (m) => html`<li class=${m.own ? 'own' : ''}>
          <div class="meta"><span class="who">${m.own ? t('you') : html`<bdi>${m.name || t('guest')}</bdi>`}</span> <time>${time(m.at)}</time></div>
          <div class="text" dir="auto">${m.text}</div>
        </li>`,
      )}
    </ol>
    <form @submit=${submit}>
      <label class="visually-hidden" for="chat-input">${t('message')}</label>
      <textarea id="chat-input" name="message" rows="1" maxlength="4000" placeholder=${t('messageEveryone')} ?disabled=${!opts.canSend} @keydown=${keydown}></textarea>
      <button class="icon-button send" type="submit" aria-label=${t('sendMessage')} title=${t('send')} ?disabled=${!opts.canSend}>${icons.send}</button>
    </form>
  </aside>`;
}
