import { html, nothing, type ReactiveControllerHost } from 'lit';
import { renderAnnouncements } from './announcements.js';
import { ChatFeed } from './chat-feed.js';
import { renderChat } from './chat.js';

export interface ChatPanelHost extends ReactiveControllerHost {
  readonly renderRoot: ParentNode;
}

/**
 * The chat as the element shows it: the panel, open or closed; its messages, unread count and
 * screen-reader announcements (a {@link ChatFeed}); where focus goes when it opens or closes;
 * and the newest message kept in view.
 */
export class ChatPanel {
  /** The messages, the unread count and the announcements. */
  readonly feed: ChatFeed;
  /** The panel is open. */
  open = false;
  // TypeScript `private`, not `#`: the bundle targets ES2021, where each `#` member costs a WeakMap.
  private _host: ChatPanelHost;
  private _openChanged = false;
  private _atBottom = true;
  private _lastShown = 0;

  constructor(host: ChatPanelHost) {
    this._host = host;
    this.feed = new ChatFeed(host, () => this.open);
  }

  /** Opens or closes the panel; focus goes to the message box, or back to the Chat button. */
  setOpen(open: boolean): void {
    if (open !== this.open) this._openChanged = true;
    this.open = open;
    this.feed.markRead();
    const host = this._host;
    host.requestUpdate();
    void host.updateComplete.then(() =>
      host.renderRoot.querySelector<HTMLElement>(open ? '#chat-input' : 'button[data-control="chat"]')?.focus(),
    );
  }

  /** Before an update (the host's `willUpdate`): is the reader at the bottom of the list? */
  beforeUpdate(): void {
    const list = this._list();
    this._atBottom = !list || list.scrollHeight - list.scrollTop - list.clientHeight < 48;
  }

  /**
   * After an update (the host's `updated`): the newest message scrolls into view when the panel
   * was just opened, or when new messages came and the reader had not scrolled up to older ones.
   */
  afterUpdate(): void {
    const list = this._list();
    const last = this.feed.messages.at(-1)?.key ?? 0;
    const newMessages = last !== this._lastShown;
    this._lastShown = last;
    if (list && (this._openChanged || (newMessages && this._atBottom))) list.scrollTop = list.scrollHeight;
    this._openChanged = false;
  }

  /** The announcements' live region, and the panel when open. */
  render(onSend: (text: string) => void) {
    return html`${renderAnnouncements(this.feed.announcements)}
        ${
          this.open
            ? renderChat({
                messages: this.feed.messages,
                trimmed: this.feed.trimmed,
                canSend: true,
                onSend,
                onClose: () => this.setOpen(false),
              })
            : nothing
        }`;
  }

  private _list(): HTMLElement | null {
    return this._host.renderRoot.querySelector<HTMLElement>('.messages');
  }
}
