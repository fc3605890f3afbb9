/**
 * Who may connect: the browser origins allowed (`ALLOWED_ORIGINS`, checked on the
 * CORS preflight and on every handshake, long-polling or WebSocket) and the cap on
 * connections at once per client address (`MAX_CONNECTIONS_PER_IP`, counted by the
 * TCP peer's address only: forwarding headers can be forged). Refused handshakes are
 * logged, bounded so a flood cannot fill the disk.
 */
import type http from 'node:http';
import type { ServerOptions } from 'socket.io';
import type { ErrorLogger } from './context.js';
import { addressOf, type EngineConnection } from './engine.js';
import { quote } from './log.js';

/** Distinct refused origins (or addresses) logged per minute. */
const MAX_REFUSED_ORIGIN_LINES = 20;
/** The handshake refusal past `maxConnectionsPerIp` (the client's `connect_error` carries it on long-polling). */
const TOO_MANY_CONNECTIONS = 'Too many connections from this address';

/** The handshake checks of one relay. */
export interface Handshake {
  /** Socket.IO's `cors.origin`. */
  corsOrigin: (origin: string | undefined, cb: (err: Error | null, allow?: boolean) => void) => void;
  /** engine.io's `allowRequest`: the origin, then the address's connection count. */
  allowRequest: NonNullable<ServerOptions['allowRequest']>;
  /**
   * Counts a new connection against its address's cap, until it closes; one that got past
   * `allowRequest` by racing others from the same address is closed at once.
   */
  countAddress(raw: EngineConnection): void;
}

export function createHandshake(opts: { allowedOrigins?: string[]; maxConnectionsPerIp: number; logError: ErrorLogger }): Handshake {
  const origins = normaliseOrigins(opts.allowedOrigins);
  const maxPerIp = opts.maxConnectionsPerIp;
  /** Connections of this process by client address. */
  const perAddress = new Map<string, number>();
  const logRefused = refusalLogger(opts.logError);

  return {
    corsOrigin: (origin, cb) => cb(null, origins === null || origin === undefined || origins.has(origin.toLowerCase())),
    allowRequest: (req: http.IncomingMessage, cb: (err: string | null | undefined, success: boolean) => void) => {
      const origin = req.headers.origin;
      if (!originAllowed(origins, origin)) {
        const shown = origin!.length > 100 ? `${origin!.slice(0, 100)}…` : origin!;
        logRefused(`origin ${shown}`, `origin ${quote(shown)} not allowed (further refusals of it this minute not logged)`);
        return cb('origin not allowed', false);
      }
      const address = addressOf(req);
      if (maxPerIp > 0 && (perAddress.get(address) ?? 0) >= maxPerIp) {
        logRefused(
          `address ${address}`,
          `too many connections from ${quote(address)} (at most ${maxPerIp}; further refusals of it this minute not logged)`,
        );
        return cb(TOO_MANY_CONNECTIONS, false);
      }
      cb(null, true);
    },
    countAddress(raw) {
      const address = addressOf(raw.request);
      const n = (perAddress.get(address) ?? 0) + 1;
      perAddress.set(address, n);
      raw.on('close', () => {
        const left = (perAddress.get(address) ?? 1) - 1;
        if (left > 0) perAddress.set(address, left);
        else perAddress.delete(address);
      });
      if (maxPerIp > 0 && n > maxPerIp) raw.close();
    },
  };
}

/**
 * Refused handshakes: one log line per origin (or address) per minute, and at most
 * MAX_REFUSED_ORIGIN_LINES of them a minute, so a flood cannot fill the disk; how many
 * went unlogged is told when the next minute begins.
 */
function refusalLogger(logError: ErrorLogger): (key: string, message: string) => void {
  let refusedWindow = 0;
  const refusedKeys = new Set<string>();
  let refusedUnlogged = 0;
  return (key, message) => {
    const now = performance.now();
    if (now - refusedWindow >= 60_000) {
      if (refusedUnlogged > 0)
        logError(undefined, 'handshake', 'unauthorized', `${refusedUnlogged} more refused handshakes not logged in the last minute`);
      refusedWindow = now;
      refusedKeys.clear();
      refusedUnlogged = 0;
    }
    if (refusedKeys.has(key) || refusedKeys.size >= MAX_REFUSED_ORIGIN_LINES) {
      refusedUnlogged++;
      return;
    }
    refusedKeys.add(key);
    logError(undefined, 'handshake', 'unauthorized', message);
  };
}

/** Lower-cased origin set, or null for "any". */
function normaliseOrigins(list: string[] | undefined): Set<string> | null {
  const cleaned = (list ?? []).map((o) => o.trim().replace(/\/+$/, '').toLowerCase()).filter(Boolean);
  if (cleaned.length === 0 || cleaned.includes('*')) return null;
  return new Set(cleaned);
}

/**
 * Whether a handshake may proceed: with a list, only a listed `Origin`
 * (CONTRACT section 6). A page the relay serves itself (`--demo`, `--static`)
 * is no exception: list its origin too. (Admitting any origin whose host is
 * the `Host` header would ignore the scheme, and behind a proxy that shares a
 * domain it would admit every page of that domain, listed or not.) No
 * `Origin` header means a non-browser client (browsers send one on every
 * WebSocket handshake and cross-origin request), which an origin check
 * cannot stop anyway.
 */
function originAllowed(origins: Set<string> | null, origin: string | undefined): boolean {
  if (origins === null || origin === undefined) return true;
  return origins.has(origin.toLowerCase());
}
