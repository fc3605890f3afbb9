// @web/test-runner plugin: starts the local Realtime Database test server (server.ts, enforcing
// the project's database.rules.json, with its Auth emulator) for the browser run, and serves its
// URLs to the tests as the virtual module `/__firebase-env.js` (`export const
// FIREBASE_DATABASE_URL`, `FIREBASE_AUTH_EMULATOR_URL`).
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
        const body = [
          `export const FIREBASE_DATABASE_URL = ${JSON.stringify(server?.url ?? '')};`,
          `export const FIREBASE_AUTH_EMULATOR_URL = ${JSON.stringify(server?.authEmulatorUrl ?? '')};`,
        ].join('\n');
        return { body, type: 'js' };
      }
    },
  };
}
