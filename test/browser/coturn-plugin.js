// @web/test-runner plugin: a REAL TURN server for the browser suites that need one. On the first
// request for the virtual module `/__turn-env.js` it starts Debian's coturn on loopback
// (test/e2e/coturn.ts: use-auth-secret, allow-loopback-peers) and serves, minted on this side
// with the relay's own server/turn.ts:
//   GOOD   iceServers whose credentials coturn accepts,
//   WRONG  the same URLs with credentials minted with another secret (coturn answers 401),
//   EXPIRED  credentials minted with the right secret that expired a day ago (coturn answers 401),
//   TURN_ERROR  '' when coturn runs, else why not (coturn missing, failed to start): the
//               suites fail with it, they are never skipped.
// `/__turn-spare.js?<anything>` starts one more coturn of the test's own and exports its GOOD
// iceServers as SPARE and its id as SPARE_ID; `GET /__turn-spare-stop?id=<id>` stops it (a TURN
// server that goes away mid-call). Every coturn stops with the run. (This file is loaded under
// tsx, so it imports the .ts modules.)

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
  /** Spare coturns by id. */
  const spares = new Map();
  let spareIds = 0;
  const mint = async (coturn, secret = coturn.secret, now = Date.now()) => {
    const { mintIceServers } = await import('../../server/turn.ts');
    return mintIceServers({ urls: coturn.urls, secret, ttlSeconds: 3600 }, 'browser-test', now);
  };
  return {
    name: 'coturn',
    async serverStop() {
      const { coturn } = (await started) ?? {};
      await Promise.all([coturn?.close(), ...[...spares.values()].map((c) => c.close())]);
    },
    async serve(context) {
      if (context.path === '/__turn-spare.js') {
        const { startCoturn } = await import('../e2e/coturn.ts');
        const coturn = await startCoturn();
        const id = String(++spareIds);
        spares.set(id, coturn);
        const body = `export const SPARE = ${JSON.stringify(await mint(coturn))};\nexport const SPARE_ID = ${JSON.stringify(id)};`;
        return { body, type: 'js', headers: { 'cache-control': 'no-store' } };
      }
      if (context.path === '/__turn-spare-stop') {
        const id = String(context.query.id);
        await spares.get(id)?.close();
        spares.delete(id);
        return { body: 'stopped', type: 'text' };
      }
      if (context.path !== '/__turn-env.js') return;
      const { coturn, error } = await start();
      let good = [];
      let wrong = [];
      let expired = [];
      if (coturn) {
        good = await mint(coturn);
        wrong = await mint(coturn, `not-${coturn.secret}`);
        expired = await mint(coturn, coturn.secret, Date.now() - 86_400_000);
      }
      const body = [
        `export const GOOD = ${JSON.stringify(good)};`,
        `export const WRONG = ${JSON.stringify(wrong)};`,
        `export const EXPIRED = ${JSON.stringify(expired)};`,
        `export const TURN_ERROR = ${JSON.stringify(error ?? '')};`,
      ].join('\n');
      return { body, type: 'js', headers: { 'cache-control': 'no-store' } };
    },
  };
}
