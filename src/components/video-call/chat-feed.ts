import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ChatEntry } from './chat.js';
import { displayName, displayText } from './text.js';

/** Messages kept and shown; older ones are dropped ("Older messages are not shown"). */
export const CHAT_HISTORY = 200;
/** Announcements a screen reader gets per {@link ANNOUNCE_WINDOW_MS}; beyond, one summary. */
export const ANNOUNCE_MAX = 3;
export const ANNOUNCE_WINDOW_MS = 1000;
/** Announced text is cut here: a screen reader should not read out a 4,000-character message. */
const ANNOUNCE_CHARS = 200;
/** When animation frames do not come (a hidden tab), a burst is still taken in, at this pace. */
const FLUSH_FALLBACK_MS = 250;

export interface ChatMessage {
  from: string;
  name: string;
  text: string;
  at: number;
}

/** What the live region says: one message, or `count` messages (the latest quoted). */
export interface Announcement {
  key: number;
  count: number;
  name: string;
  text: string;
}

/**
 * The chat as the element shows it, safe against floods: messages that arrive in a burst (a
 * peer can send thousands at once on the data channel) are buffered and taken in at most once
 * per animation frame, so the element renders once per frame, not once per message; only the
 * last {@link CHAT_HISTORY} are kept (`trimmed` says older ones were dropped); and a screen
 * reader hears at most {@link ANNOUNCE_MAX} messages a second, then "N new messages".
 * Adding a message is O(1); the per-frame work is bounded by {@link CHAT_HISTORY}.
 */
export class ChatFeed implements ReactiveController {
  /** The messages shown, oldest first (at most {@link CHAT_HISTORY}). */
  messages: ChatEntry[] = [];
  /** Older messages were dropped. */
  trimmed = false;
  /** Messages from others that arrived while the panel was closed. */
  unread = 0;
  /** The live region's current content (replaced, with new keys, on each announcement). */
  announcements: Announcement[] = [];

  // TypeScript `private`, not `#`: the bundle targets ES2021, where each `#` member costs a WeakMap.
  private _host: ReactiveControllerHost;
  private _isOpen: () => boolean;
  private _pending: ChatEntry[] = [];
  private _pendingUnread = 0;
  private _dropped = false;
  private _key = 0;
  /** Messages from others not announced yet: the first few, the count and the latest. */
  private _toAnnounce = { count: 0, first: [] as ChatEntry[], last: null as ChatEntry | null };
  private _windowStart = -Infinity;
  private _announced = 0;
  private _announceTimer: ReturnType<typeof setTimeout> | undefined;
  private _frame = 0;
  private _fallback: ReturnType<typeof setTimeout> | undefined;
  private _flushed: Promise<void> | null = null;
  private _resolveFlushed: (() => void) | null = null;

  constructor(host: ReactiveControllerHost, isOpen: () => boolean) {
    this._host = host;
    this._isOpen = isOpen;
    host.addController(this);
  }

  /** Resolves once every message added so far is in `messages` (for the host's `updateComplete`). */
  get flushed(): Promise<void> | null {
    return this._flushed;
  }

  /** Takes a message in (O(1)); it shows at the next animation frame. */
  add(m: ChatMessage, own: boolean): void {
    const entry: ChatEntry = { from: m.from, name: m.name, text: m.text, at: m.at, own, key: ++this._key };
    this._pending.push(entry);
    // Bounded however long frames take to come: only the last CHAT_HISTORY can ever show.
    if (this._pending.length >= 2 * CHAT_HISTORY) {
      this._pending = this._pending.slice(-CHAT_HISTORY);
      this._dropped = true;
    }
    if (!own) {
      if (!this._isOpen()) this._pendingUnread++;
      const a = this._toAnnounce;
      a.count++;
      a.last = entry;
      if (a.first.length < ANNOUNCE_MAX) a.first.push(entry);
    }
    this._schedule();
  }

  /** Forgets everything (a new call). */
  clear(): void {
    this._cancel();
    clearTimeout(this._announceTimer);
    this._announceTimer = undefined;
    this.messages = [];
    this.trimmed = false;
    this.unread = 0;
    this.announcements = [];
    this._pending = [];
    this._pendingUnread = 0;
    this._dropped = false;
    this._toAnnounce = { count: 0, first: [], last: null };
    this._announced = 0;
    this._windowStart = -Infinity;
    this._settle();
  }

  /** The panel was opened or closed: nothing is unread, nothing waits to be announced. */
  markRead(): void {
    this.unread = 0;
    this._pendingUnread = 0;
    this.announcements = [];
    this._toAnnounce = { count: 0, first: [], last: null };
  }

  hostDisconnected(): void {
    // Taken in at once: a frame may never come for an element off the page.
    if (this._flushed) this._flush();
    clearTimeout(this._announceTimer);
    this._announceTimer = undefined;
  }

  private _schedule(): void {
    if (this._flushed) return;
    this._flushed = new Promise((resolve) => (this._resolveFlushed = resolve));
    const run = () => this._flush();
    this._frame = typeof requestAnimationFrame === 'function' ? requestAnimationFrame(run) : 0;
    this._fallback = setTimeout(run, FLUSH_FALLBACK_MS);
  }

  private _cancel(): void {
    if (this._frame) cancelAnimationFrame(this._frame);
    clearTimeout(this._fallback);
    this._frame = 0;
    this._fallback = undefined;
  }

  private _settle(): void {
    const resolve = this._resolveFlushed;
    this._flushed = null;
    this._resolveFlushed = null;
    resolve?.();
  }

  /** Once per frame: the buffered messages join the list (trimmed), unread and announcements follow. */
  private _flush(): void {
    this._cancel();
    const incoming = this._pending.length > CHAT_HISTORY ? this._pending.slice(-CHAT_HISTORY) : this._pending;
    this._pending = [];
    for (const m of incoming) {
      // Cleaned here, once, and only for the messages that will show.
      m.name = displayName(m.name);
      m.text = displayText(m.text);
    }
    const all = this.messages.concat(incoming);
    if (all.length > CHAT_HISTORY || this._dropped) this.trimmed = true;
    this.messages = all.length > CHAT_HISTORY ? all.slice(-CHAT_HISTORY) : all;
    this._dropped = false;
    this.unread += this._pendingUnread;
    this._pendingUnread = 0;
    this._announce();
    this._host.requestUpdate();
    this._settle();
  }

  private _announce(): void {
    const a = this._toAnnounce;
    if (!a.count || this._announceTimer) return;
    const now = Date.now();
    if (now - this._windowStart >= ANNOUNCE_WINDOW_MS) {
      this._windowStart = now;
      this._announced = 0;
    }
    const room = ANNOUNCE_MAX - this._announced;
    if (room <= 0) {
      // Said enough this second: the rest is summed up when the second is over.
      this._announceTimer = setTimeout(
        () => {
          this._announceTimer = undefined;
          this._announce();
          this._host.requestUpdate();
        },
        this._windowStart + ANNOUNCE_WINDOW_MS - now,
      );
      return;
    }
    const said = (e: ChatEntry, count: number): Announcement => ({
      key: ++this._key,
      count,
      name: displayName(e.name),
      text: displayText(e.text.slice(0, ANNOUNCE_CHARS)),
    });
    if (a.count <= room) {
      this.announcements = a.first.map((e) => said(e, 1));
      this._announced += a.count;
    } else {
      this.announcements = [said(a.last!, a.count)];
      this._announced = ANNOUNCE_MAX;
    }
    this._toAnnounce = { count: 0, first: [], last: null };
  }
}
