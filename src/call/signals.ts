import type { SessionSignal } from './peer-session.js';

/** Everything one engine sends another through the transport. */
export type EngineSignal =
  | SessionSignal
  /** Ring flow: the caller asks; the callee accepts or declines. */
  | { t: 'ring'; name: string }
  | { t: 'accept' }
  | { t: 'decline' }
  /** Mesh limit reached on the receiving side: it will not connect to us. */
  | { t: 'full' }
  /**
   * The sender's transport reconnected: it was `previous` and is now the sender's id. `key` proves
   * it: the secret the sender gave us (see `key`) while it was `previous`. Unproven renames are ignored.
   */
  | { t: 'renamed'; previous: string; key: string }
  /**
   * The secret the sender will show when it renames (see `renamed`): given through the transport
   * at first contact, then replaced by one given over the data channel, which no server sees.
   */
  | { t: 'key'; key: string };

/** A rename proof: a random string of this many characters at most. */
export const MAX_KEY_LENGTH = 128;
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 128;
const isKey = (v: unknown): v is string => typeof v === 'string' && v.length >= 16 && v.length <= MAX_KEY_LENGTH;

const SDP_TYPES = new Set(['offer', 'answer', 'pranswer', 'rollback']);

/** Validates a signal from the transport (untrusted input); null for junk. */
export function parseEngineSignal(data: unknown): EngineSignal | null {
  if (!data || typeof data !== 'object') return null;
  const m = data as Record<string, unknown>;
  switch (m.t) {
    case 'sdp': {
      const d = m.description as Record<string, unknown> | undefined;
      if (!d || !SDP_TYPES.has(d.type as string) || (d.sdp !== undefined && typeof d.sdp !== 'string')) return null;
      return { t: 'sdp', description: { type: d.type as RTCSdpType, sdp: d.sdp as string | undefined } };
    }
    case 'ice': {
      const c = m.candidate as Record<string, unknown> | null;
      if (c === null) return { t: 'ice', candidate: null };
      if (!c || typeof c !== 'object' || typeof c.candidate !== 'string') return null;
      return {
        t: 'ice',
        candidate: {
          candidate: c.candidate,
          sdpMid: typeof c.sdpMid === 'string' ? c.sdpMid : null,
          sdpMLineIndex: typeof c.sdpMLineIndex === 'number' ? c.sdpMLineIndex : null,
          usernameFragment: typeof c.usernameFragment === 'string' ? c.usernameFragment : null,
        },
      };
    }
    case 'ring':
      return { t: 'ring', name: typeof m.name === 'string' ? m.name.slice(0, 64) : '' };
    case 'accept':
    case 'decline':
    case 'full':
      return { t: m.t };
    case 'renamed':
      return isId(m.previous) && isKey(m.key) ? { t: 'renamed', previous: m.previous, key: m.key } : null;
    case 'key':
      return isKey(m.key) ? { t: 'key', key: m.key } : null;
    default:
      return null;
  }
}
