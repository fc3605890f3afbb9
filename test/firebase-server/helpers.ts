/** Helpers shared by the node tests of the Firebase transport and the test server. */
import { readFileSync } from 'node:fs';
import { deleteApp, initializeApp, type FirebaseApp } from 'firebase/app';
import { connectAuthEmulator, initializeAuth, inMemoryPersistence, signInAnonymously, signOut, type Auth } from 'firebase/auth';
import { connectDatabaseEmulator, getDatabase, type Database } from 'firebase/database';
import { RtdbTestServer, type RtdbServerOptions } from './server.js';

/** The project's `database.rules.json`. */
export const RULES = JSON.parse(readFileSync(new URL('../../database.rules.json', import.meta.url), 'utf8')) as object;

/** Starts a test server; with `rules` unset it enforces the project's rules. */
export function startServer(rules: object = RULES, options: RtdbServerOptions = {}): Promise<RtdbTestServer> {
  return RtdbTestServer.start({ ...options, rules });
}

let apps = 0;

/** A client of `server`, as one browser tab would have: an app, its Auth and its database connection. */
export interface Client {
  db: Database;
  app: FirebaseApp;
  auth: Auth;
  /** Signs in anonymously (at the server's Auth emulator) and resolves with the uid. */
  signIn: () => Promise<string>;
  dispose: () => Promise<void>;
}

/**
 * A separate app, Auth and connection, as another browser tab would have, pointed at `server`
 * (Auth at its emulator, with in-memory persistence, as the transport sets it up). Not signed
 * in: call `signIn()` before touching the database, or hand it to a transport, which signs in.
 */
export function connect(server: RtdbTestServer): Client {
  const app = initializeApp(
    { databaseURL: `https://test-${apps}.firebaseio.com`, projectId: 'test', apiKey: 'test-key' },
    `client-${apps++}`,
  );
  const auth = initializeAuth(app, { persistence: inMemoryPersistence });
  connectAuthEmulator(auth, server.authEmulatorUrl, { disableWarnings: true });
  const db = getDatabase(app);
  connectDatabaseEmulator(db, '127.0.0.1', server.port);
  const signIn = async () => auth.currentUser?.uid ?? (await signInAnonymously(auth)).user.uid;
  // Signing out stops the Auth SDK's token refresh timer, which deleteApp leaves running.
  const dispose = async () => {
    await signOut(auth).catch(() => {});
    await deleteApp(app);
  };
  return { db, app, auth, signIn, dispose };
}

/** A client of `server`, signed in. */
export async function signedIn(server: RtdbTestServer): Promise<Client & { uid: string }> {
  const client = connect(server);
  return Object.assign(client, { uid: await client.signIn() });
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
