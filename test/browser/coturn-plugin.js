// @web/test-runner plugin: a REAL TURN server for the browser suites that need one. On the first
// request for the virtual module `/__turn-env.js` it starts Debian's coturn on loopback
// (test/e2e/coturn.ts: use-auth-secret, allow-loopback-peers) and serves, minted on this side
// with the relay's own server/turn.ts:
//   GOOD   iceServers whose credentials coturn accepts,
//   WRONG  the same URLs with credentials minted with another secret (coturn answers 401),
//   TURN_ERROR  '' when coturn runs, else why not (coturn missing, failed to start): the
//               suites fail with it, they are never skipped.
// coturn stops with the run. (This file is loaded under tsx, so it imports the .ts modules.)

export function coturnPlugin() {
  /** @type {Promise<{ coturn?: { urls: string[]; secret: string; close(): Promise<void> }; error?: string }> | undefined} */
  let started;
  const start = () =>
    (started ??= (async () => {
      try {
        const { startCoturn } = await import('../e2e/coturn.ts');
        return { coturn: await startCoturn() };
      } catch (e) {
        return { error: `The TURN tests need a real coturn and it could not be started: ${e instanceof Error ? e.message : e}` };
      }
    })());
  return {
    name: 'coturn',
    async serverStop() {
      const { coturn } = (await started) ?? {};
      await coturn?.close();
    },
    async serve(context) {
      if (context.path !== '/__turn-env.js') return;
      const { coturn, error } = await start();
      let good = [];
      let wrong = [];
      if (coturn) {
        const { mintIceServers } = await import('../../server/turn.ts');
        good = mintIceServers({ urls: coturn.urls, secret: coturn.secret }, 'browser-test');
        wrong = mintIceServers({ urls: coturn.urls, secret: `not-${coturn.secret}` }, 'browser-test');
      }
      const body = [
        `export const GOOD = ${JSON.stringify(good)};`,
        `export const WRONG = ${JSON.stringify(wrong)};`,
        `export const TURN_ERROR = ${JSON.stringify(error ?? '')};`,
      ].join('\n');
      return { body, type: 'js', headers: { 'cache-control': 'no-store' } };
    },
  };
}
