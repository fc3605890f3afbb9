/**
 * Resumable peer ids are derived from the client's secret key, so that only
 * the key's holder can ever be known by that id: holding (or having seen) the
 * id proves nothing, and no state is needed to tell the owner from a squatter,
 * across relay restarts and across relay processes.
 */
import { createHash } from 'node:crypto';

/** Characters of a derived peer id (base64url of SHA-256: 132 bits). */
export const DERIVED_ID_CHARS = 22;

/** The peer id of a resume key: base64url(SHA-256("video-call peer id:" + key)), first 22 characters. */
export function peerIdForKey(key: string): string {
  return createHash('sha256').update(`video-call peer id:${key}`).digest('base64url').slice(0, DERIVED_ID_CHARS);
}

/** What the relay keeps of a resume key (a different hash from the id's, so the id never reveals it). */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}
