// @web/test-runner plugin: starts the local Realtime Database test server (server.ts, enforcing
// the project's database.rules.json) for the browser run, and serves its URL to the tests as
// the virtual module `/__firebase-env.js` (`export const FIREBASE_DATABASE_URL`).
import { readFile } from 'node:fs/promises';

export function firebaseServerPlugin() {
  let server;
  return {
    name: 'firebase-test-server',
    async serverStart() {
      const { RtdbTestServer } = await import('./server.ts');
      const rules = JSON.parse(await readFile(new URL('../../database.rules.json', import.meta.url), 'utf8'));
      server = await RtdbTestServer.start({ rules });
    },
    async serverStop() {
      await server?.close();
    },
    serve(context) {
      if (context.path === '/__firebase-env.js') {
        return { body: `export const FIREBASE_DATABASE_URL = ${JSON.stringify(server?.url ?? '')};`, type: 'js' };
      }
    },
  };
}
