/**
 * Janus signed tokens (issue 13, CONTRACT section 10), minted by the relay for the peers it
 * admitted, the way Janus's signed-token mode checks them (`token_auth = true` and
 * `token_auth_secret` in janus.jcfg; Janus's src/auth.c):
 *
 *   `<expiry unix seconds>,<realm>,<descriptor>[,<descriptor>…]:<base64(HMAC-SHA1(secret, data))>`
 *
 * where `data` is everything before the `:`. Janus refuses a token whose HMAC does not match,
 * whose expiry is past, or whose realm is not the one it expects. Two kinds:
 *
 * - the core token (realm `janus`, descriptor `janus.plugin.videoroom`): in the `token` field
 *   of every Janus API request (`create`, `attach`, `message`, `keepalive`, `trickle`, …);
 *   `attach` also needs the plugin's package among the descriptors. Since Janus checks it on
 *   every request, a session whose token expired can no longer even keep itself alive (it ends
 *   after Janus's `session_timeout`): the TTL bounds how long a call can last without a new token.
 * - the room token (realm `janus.plugin.videoroom`, descriptor `room=<room id>`): in the
 *   `token` field of the VideoRoom `join` body, required by rooms created with
 *   `signed_tokens: true`. It is what keeps a peer admitted to one room out of another, even
 *   with a valid core token.
 *
 * Nothing is stored; Janus checks the HMAC and the expiry itself.
 */
import { createHmac } from 'node:crypto';

export const VIDEOROOM_PLUGIN = 'janus.plugin.videoroom';
/** Default lifetime of minted tokens: a day, as TURN credentials (server/turn.ts). */
export const DEFAULT_JANUS_TOKEN_TTL_SECONDS = 86_400;

export interface MintOptions {
  /** Lifetime in seconds (default {@link DEFAULT_JANUS_TOKEN_TTL_SECONDS}). */
  ttlSeconds?: number;
  /** Now, in ms (tests). */
  nowMs?: number;
}

/** A descriptor or realm may not contain the separators (`,` between fields, `:` before the signature). */
const FIELD = /^[^,:\s]+$/;

/** Signs `<expiry>,<realm>,<descriptors…>` with `secret` the way Janus checks it. */
export function signJanusToken(
  secret: string,
  realm: string,
  descriptors: string[],
  { ttlSeconds = DEFAULT_JANUS_TOKEN_TTL_SECONDS, nowMs = Date.now() }: MintOptions = {},
): string {
  if (!secret) throw new Error('Janus token secret is empty');
  for (const f of [realm, ...descriptors])
    if (!FIELD.test(f)) throw new Error(`Janus token field ${JSON.stringify(f)} contains "," ":" or whitespace`);
  if (!Number.isInteger(ttlSeconds)) throw new Error(`Janus token TTL must be whole seconds, got ${ttlSeconds}`);
  const expiry = Math.floor(nowMs / 1000) + ttlSeconds;
  const data = [String(expiry), realm, ...descriptors].join(',');
  return `${data}:${createHmac('sha1', secret).update(data).digest('base64')}`;
}

/** The core token: `<expiry>,janus,janus.plugin.videoroom:<signature>` (the Janus API `token`). */
export function mintJanusToken(secret: string, options?: MintOptions): string {
  return signJanusToken(secret, 'janus', [VIDEOROOM_PLUGIN], options);
}

/** The room token: `<expiry>,janus.plugin.videoroom,room=<room>:<signature>` (the VideoRoom `join` body's `token`). */
export function mintRoomToken(secret: string, room: string, options?: MintOptions): string {
  return signJanusToken(secret, VIDEOROOM_PLUGIN, [`room=${room}`], options);
}

/** Unix time (seconds) at which a token minted by this module expires. */
export function tokenExpiry(token: string): number {
  return Number(token.slice(0, token.indexOf(',')));
}
