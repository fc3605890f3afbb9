/**
 * TURN credentials without secrets in the page (CONTRACT section 9).
 *
 * The relay shares a secret with the TURN server (coturn's `use-auth-secret` /
 * `static-auth-secret`) and mints short-lived credentials for each peer it admits, the
 * TURN REST API way: username `<expiry unix seconds>:<peer id>`, credential
 * `base64(HMAC-SHA1(secret, username))`. The TURN server checks the HMAC and the expiry
 * itself; nothing is stored, and a credential copied out of one page stops working at its
 * expiry.
 */
import { createHmac } from 'node:crypto';

/** TURN settings of the relay. */
export interface TurnOptions {
  /** TURN/STUN URLs handed to clients, e.g. `turn:turn.example.com:3478?transport=udp`. */
  urls: string[];
  /** The TURN server's shared secret (never logged, never sent). */
  secret: string;
  /** Lifetime of minted credentials, in seconds (default 86400). */
  ttlSeconds?: number;
}

export const DEFAULT_TURN_TTL_SECONDS = 86_400;
const TURN_URL = /^(turns?|stuns?):[^\s,]+$/;

/**
 * The `iceServers` for one peer: every URL of `options` with a credential minted for
 * `peerId`, valid until `now + ttl`. STUN URLs need none and are handed as they are.
 */
export function mintIceServers(options: TurnOptions, peerId: string, nowMs = Date.now()): RTCIceServerJson[] {
  const expiry = Math.floor(nowMs / 1000) + (options.ttlSeconds ?? DEFAULT_TURN_TTL_SECONDS);
  const username = `${expiry}:${peerId}`;
  const credential = createHmac('sha1', options.secret).update(username).digest('base64');
  const turn = options.urls.filter((u) => /^turns?:/.test(u));
  const stun = options.urls.filter((u) => /^stuns?:/.test(u));
  const servers: RTCIceServerJson[] = [];
  if (turn.length) servers.push({ urls: turn, username, credential });
  if (stun.length) servers.push({ urls: stun });
  return servers;
}

/** An `RTCIceServer` as JSON (Node has no DOM types). */
export interface RTCIceServerJson {
  urls: string[];
  username?: string;
  credential?: string;
}

/**
 * Reads `TURN_URLS` (comma list), `TURN_SECRET` and `TURN_TTL` (seconds). Undefined when
 * `TURN_URLS` is unset. Throws a clear error on a malformed value: a TURN URL without
 * `TURN_SECRET` (its credentials could not be minted), a URL of another scheme, a bad TTL.
 */
export function turnOptionsFromEnv(env: NodeJS.ProcessEnv): TurnOptions | undefined {
  const urls = (env.TURN_URLS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (urls.length === 0) {
    if (env.TURN_SECRET) throw new Error("TURN_SECRET is set but TURN_URLS is not: set TURN_URLS to the TURN server's URLs");
    return undefined;
  }
  for (const url of urls) {
    if (!TURN_URL.test(url)) throw new Error(`TURN_URLS: "${url}" is not a turn:, turns:, stun: or stuns: URL`);
  }
  const hasTurn = urls.some((u) => /^turns?:/.test(u));
  if (hasTurn && !env.TURN_SECRET)
    throw new Error('TURN_URLS names a TURN server but TURN_SECRET is not set (the relay mints credentials with it)');
  let ttlSeconds: number | undefined;
  if (env.TURN_TTL !== undefined && env.TURN_TTL !== '') {
    ttlSeconds = Number(env.TURN_TTL);
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60)
      throw new Error(`TURN_TTL must be a whole number of seconds, at least 60, got "${env.TURN_TTL}"`);
  }
  return { urls, secret: env.TURN_SECRET ?? '', ...(ttlSeconds ? { ttlSeconds } : {}) };
}
