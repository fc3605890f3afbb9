/**
 * The `firebase` transport's inboxes: how a signal is stored for its recipient, and how the
 * recipient reads its inbox. A signal from `from` to `to` is
 *
 * ```
 * video-call-rooms/{room}/inbox/{to}/{from}/m{seq % MAX_UNREAD_PER_SENDER} = { from, seq, data }
 * ```
 *
 * `seq` counts the signals one transport sent to one peer. The key can only be written while
 * empty (`database.rules.json`), so a sender has at most {@link MAX_UNREAD_PER_SENDER} unread
 * signals in an inbox; the recipient deletes each signal once read, freeing its key.
 */
import type { DataSnapshot } from 'firebase/database';

/** Unread signals one sender may have in one inbox (keys `m0` … `m99` in the rules). */
export const MAX_UNREAD_PER_SENDER = 100;
/** Longest serialised signal, as `database.rules.json` allows (the largest SDP the engine writes is about 11,000). */
export const MAX_SIGNAL_LENGTH = 16384;

/** The key of the `seq`-th signal of a sender in an inbox. */
export function messageKey(seq: number): string {
  return `m${seq % MAX_UNREAD_PER_SENDER}`;
}

/** A signal read from an inbox. */
export interface InboxSignal {
  from: string;
  data: unknown;
}

/**
 * The signals of an inbox snapshot not read before (`seen`: key path → seq, updated here),
 * each sender's in the order it sent them, and the paths (relative to the inbox) to delete:
 * everything new, junk included.
 */
export function readInbox(snap: DataSnapshot, seen: Map<string, number>): { signals: InboxSignal[]; read: string[] } {
  const fresh: Array<InboxSignal & { seq: number }> = [];
  const read: string[] = [];
  const present = new Set<string>();
  snap.forEach((sender) => {
    sender.forEach((msg) => {
      const path = `${sender.key}/${msg.key}`;
      const m = msg.val() as { from?: unknown; seq?: unknown; data?: unknown } | null;
      const seq = typeof m?.seq === 'number' ? m.seq : -1;
      present.add(path);
      if (seen.get(path) === seq) return;
      seen.set(path, seq);
      read.push(path);
      if (!m || m.from !== sender.key || seq < 0 || typeof m.data !== 'string') return;
      try {
        fresh.push({ from: m.from, seq, data: JSON.parse(m.data) });
      } catch {
        // not JSON: dropped
      }
    });
  });
  for (const path of seen.keys()) if (!present.has(path)) seen.delete(path);
  // Signals that arrive one by one come in order; several at once (an inbox read on entering,
  // or a sender's keys wrapping around) are put back in each sender's order.
  fresh.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.seq - b.seq));
  return { signals: fresh.map(({ from, data }) => ({ from, data })), read };
}
