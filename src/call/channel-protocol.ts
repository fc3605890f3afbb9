/**
 * The messages peers send each other over their data channels (never seen by any server): one
 * typed protocol, one parser and one handler per message type. A new message (raised hands,
 * reactions, recording notices) is a new member of {@link ChannelMessage}, a parser in
 * {@link parsers} and a handler in the engine's {@link ChannelHandlers}; TypeScript insists on all
 * three.
 */

export type ChannelMessage =
  | { t: 'media'; audio: boolean; video: boolean; screen: boolean; name?: string }
  | { t: 'chat'; text: string; at: number; name: string }
  | { t: 'ping' }
  /** We are leaving (or closing the tab): drop us now. */
  | { t: 'bye' }
  /** Our transport reconnected; we are now `id` there. */
  | { t: 'renamed'; id: string }
  /** The secret we will show in a transport-level rename (see signals.ts); replaces any earlier one. */
  | { t: 'key'; key: string }
  /** We started (`active`) or stopped recording the call; sent on every link as it opens while we record. */
  | { t: 'recording'; active: boolean }
  /** Our hand is raised or lowered (also sent on connect while it is raised, so a newcomer sees it). */
  | { t: 'hand'; raised: boolean }
  /** A short-lived reaction: one of {@link REACTIONS}. */
  | { t: 'react'; emoji: string };

export type ChannelMessageType = ChannelMessage['t'];
export type MessageOf<T extends ChannelMessageType> = Extract<ChannelMessage, { t: T }>;

/** Longest chat message taken from a peer (longer ones are cut). */
export const MAX_CHAT = 4000;
/** Longest data-channel message parsed at all: anything longer is junk, rejected before JSON.parse. */
export const MAX_MESSAGE_CHARS = 64 * 1024;

/** The reactions `react()` sends and a peer's are taken from: anything else is rejected. */
export const REACTIONS: readonly string[] = ['👍', '👏', '❤️', '😂', '😮', '🎉'];

/** Longest display name (UTF-16 code units): the relay refuses a longer one. */
export const MAX_NAME = 64;

/** `name` cut to {@link MAX_NAME} code units, never in the middle of a surrogate pair. */
export const clampName = (name: string) => (name.length > MAX_NAME ? name.slice(0, MAX_NAME).replace(/[\ud800-\udbff]$/, '') : name);

/** A display name from a peer: control characters removed, at most 64 characters. */
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const cleanName = (name: string) => name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').slice(0, MAX_NAME);

type Parsers = { [T in ChannelMessageType]: (m: Record<string, unknown>) => MessageOf<T> | null };

/** One parser per message type: each validates untrusted input and returns null for junk. */
const parsers: Parsers = {
  media: (m) => ({
    t: 'media',
    audio: m.audio === true,
    video: m.video === true,
    screen: m.screen === true,
    ...(typeof m.name === 'string' ? { name: cleanName(m.name) } : {}),
  }),
  chat: (m) =>
    typeof m.text !== 'string' || !m.text.trim()
      ? null
      : {
          t: 'chat',
          text: m.text.slice(0, MAX_CHAT),
          at: typeof m.at === 'number' && Number.isFinite(m.at) ? m.at : Date.now(),
          name: typeof m.name === 'string' ? cleanName(m.name) : '',
        },
  ping: () => ({ t: 'ping' }),
  bye: () => ({ t: 'bye' }),
  renamed: (m) => (typeof m.id === 'string' && m.id.length > 0 && m.id.length <= 128 ? { t: 'renamed', id: m.id } : null),
  key: (m) => (typeof m.key === 'string' && m.key.length >= 16 && m.key.length <= 128 ? { t: 'key', key: m.key } : null),
  recording: (m) => ({ t: 'recording', active: m.active === true }),
  hand: (m) => (typeof m.raised === 'boolean' ? { t: 'hand', raised: m.raised } : null),
  react: (m) => (REACTIONS.includes(m.emoji as string) ? { t: 'react', emoji: m.emoji as string } : null),
};

/** Validates a data-channel message from the remote peer; returns null for junk. */
export function parseChannelMessage(raw: unknown): ChannelMessage | null {
  if (typeof raw !== 'string' || raw.length > MAX_MESSAGE_CHARS) return null;
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!m || typeof m !== 'object' || typeof m.t !== 'string' || !Object.hasOwn(parsers, m.t)) return null;
  return parsers[m.t as ChannelMessageType](m);
}

/** One handler per message type, for messages from `peer`. */
export type ChannelHandlers<Peer> = { [T in ChannelMessageType]: (peer: Peer, message: MessageOf<T>) => void };

/** Hands `message` to the handler for its type. */
export function handleChannelMessage<Peer>(handlers: ChannelHandlers<Peer>, peer: Peer, message: ChannelMessage): void {
  (handlers[message.t] as (peer: Peer, message: ChannelMessage) => void)(peer, message);
}
