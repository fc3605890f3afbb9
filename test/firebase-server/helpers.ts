/** Helpers shared by the node tests of the Firebase transport and the test server. */
import { readFileSync } from 'node:fs';
import { deleteApp, initializeApp, type FirebaseApp } from 'firebase/app';
import { connectDatabaseEmulator, getDatabase, type Database } from 'firebase/database';
import { RtdbTestServer } from './server.js';

/** The project's `database.rules.json`. */
export const RULES = JSON.parse(readFileSync(new URL('../../database.rules.json', import.meta.url), 'utf8')) as object;

/** Starts a test server; with `rules` unset it enforces the project's rules. */
export function startServer(rules: object = RULES): Promise<RtdbTestServer> {
  return RtdbTestServer.start({ rules });
}

let apps = 0;

/** A separate app and connection, as another browser tab would have, pointed at `server`. */
export function connect(server: RtdbTestServer): { db: Database; app: FirebaseApp; dispose: () => Promise<void> } {
  const app = initializeApp({ databaseURL: `https://test-${apps}.firebaseio.com`, projectId: 'test' }, `client-${apps++}`);
  const db = getDatabase(app);
  connectDatabaseEmulator(db, '127.0.0.1', server.port);
  return { db, app, dispose: () => deleteApp(app) };
}

/** Polls `check` until it returns true, or fails after `ms` with `what`. */
export async function waitFor(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
