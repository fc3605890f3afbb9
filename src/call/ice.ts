/**
 * ICE settings and what to say when connections cannot be made: whether a TURN server is
 * configured, and the embedder's fix (CONTRACT section 9).
 */

/** Whether `servers` name a TURN server (a `turn:` or `turns:` URL). */
export function hasTurnServer(servers: readonly RTCIceServer[]): boolean {
  return servers.some((s) => [s?.urls ?? []].flat().some((u) => typeof u === 'string' && /^turns?:/i.test(u.trim())));
}

/** What the embedder does to give peers a TURN server. */
const CONFIGURE_TURN =
  'set TURN_URLS and TURN_SECRET on the signaling relay (it then hands each peer TURN credentials), or put a TURN server in the ice-servers attribute';

/** With a TURN server configured: what to check when even it does not carry the connection. */
const CHECK_TURN =
  "Check that the TURN server is reachable from both networks (for networks that only let HTTPS out, offer TURN over TLS on port 443, a turns: URL) and that its credentials are accepted (the relay's TURN_SECRET is the TURN server's static-auth-secret).";

/** `iceTransportPolicy: 'relay'` without any TURN server: nothing can connect. */
export function noTurnServerMessage(): string {
  return (
    'No TURN server is configured, but connections may only go through one (ice-transport-policy "relay"), so nobody can be connected. ' +
    `To fix: ${CONFIGURE_TURN}; or allow direct connections (ice-transport-policy "all").`
  );
}

/**
 * An `ice-failed` message: the connection to `who` could not be made (`lost` false) or was lost
 * and not restored (`lost` true) within `seconds`; `turn`: whether a TURN server was configured.
 */
export function iceFailedMessage(who: string, opts: { lost: boolean; turn: boolean; seconds: number; relayOnly: boolean }): string {
  const what = opts.lost
    ? `The connection to ${who} was lost and could not be restored within ${opts.seconds} s (still trying).`
    : `Could not connect to ${who} within ${opts.seconds} s (still trying).`;
  if (!opts.turn) {
    return `${what} No TURN server is configured, and a direct connection between these networks is not possible. To fix: ${CONFIGURE_TURN}.`;
  }
  const how = opts.relayOnly ? 'through the TURN server' : 'directly or through the TURN server';
  return `${what} A TURN server is configured, but the connection could not be made ${how}. ${CHECK_TURN}`;
}

/** The ICE servers a transport handed us, if they look like `RTCIceServer`s (they come from a server). */
export function validIceServers(servers: unknown): RTCIceServer[] | undefined {
  if (!Array.isArray(servers)) return undefined;
  return servers.filter(
    (s): s is RTCIceServer =>
      !!s &&
      typeof s === 'object' &&
      (typeof s.urls === 'string' || (Array.isArray(s.urls) && s.urls.every((u: unknown) => typeof u === 'string'))),
  );
}
