// @web/test-runner plugin: starts the local Realtime Database test server (server.ts, with the
// project's database.rules.json) for the browser run, and serves its URL to the tests as the
// virtual module `/__firebase-env.js` (`export const FIREBASE_DATABASE_URL`).
export function firebaseServerPlugin() {
  let server;
  return {
    name: 'firebase-test-server',
    async serverStart() {
      const { startServer } = await import('./helpers.ts');
      server = await startServer();
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
