/**
 * The `firebase` transport's identity: which Firebase app, database and Auth instance a
 * transport uses, and its sign-in (Firebase Auth, anonymous). A peer's id in a room is its Auth
 * uid, which `database.rules.json` checks on every write. Only the Firebase transport's chunk
 * imports this module (and with it `firebase/auth`), never the main bundle.
 */
import * as firebaseApp from 'firebase/app';
import { deleteApp, initializeApp, type FirebaseApp, type FirebaseOptions } from 'firebase/app';
import { connectAuthEmulator, initializeAuth, inMemoryPersistence, signInAnonymously, signOut, type Auth } from 'firebase/auth';
import { getDatabase, type Database } from 'firebase/database';
import { VideoCallError } from '../errors.js';

/** Options of the transport that say which database and identity to use: one of `database`, `app` or `firebaseConfig`. */
export interface FirebaseIdentityOptions {
  /**
   * The Firebase web config; `databaseURL` is required, and `apiKey` unless `authEmulatorUrl` is
   * given. It may carry `authEmulatorUrl` (e.g. `http://127.0.0.1:9099`): sign in against a
   * Firebase Auth emulator there instead of Google's service. Each transport initialises an
   * app of its own from it (so each is its own user), deleted when the transport is closed.
   */
  firebaseConfig?: Record<string, unknown>;
  /** An initialised Firebase app whose default database and Auth to use (one transport per app: one user). */
  app?: FirebaseApp;
  /** The database to use (e.g. one connected to an emulator); its app's Auth signs in. */
  database?: Database;
  /** With `app` or `database`: sign in against the Auth emulator at this URL (if that Auth is not set up yet). */
  authEmulatorUrl?: string;
}

/** The database and Auth of one transport, and the app it initialised itself, if any. */
export interface FirebaseIdentity {
  db: Database;
  auth: Auth;
  ownApp?: FirebaseApp;
}

/** Stands for the API key with an Auth emulator, which takes any. */
const EMULATOR_API_KEY = 'emulator-api-key';
let appCount = 0;

function badConfig(message: string, cause?: unknown): VideoCallError {
  return new VideoCallError('bad-config', message, cause === undefined ? undefined : { cause });
}

function checkEmulatorUrl(url: unknown): string | undefined {
  if (url === undefined || url === null || url === '') return undefined;
  if (typeof url !== 'string' || !/^https?:\/\/[^/]+\/?$/.test(url)) {
    throw badConfig(`The Firebase authEmulatorUrl "${String(url)}" must be an http(s) origin such as http://127.0.0.1:9099.`);
  }
  return url;
}

/**
 * The Auth of `app`, with in-memory persistence (a user lives as long as its transport, and
 * two transports never share one through storage). Auth already set up on that app by the
 * page is used as it is.
 */
function authOf(app: FirebaseApp, emulatorUrl: string | undefined): Auth {
  let auth: Auth;
  try {
    auth = initializeAuth(app, { persistence: inMemoryPersistence });
  } catch (err) {
    // Initialised already, with other options: use that instance.
    const getProvider = (firebaseApp as unknown as { _getProvider?: (a: FirebaseApp, name: 'auth') => { getImmediate(): Auth } })
      ._getProvider;
    if (!getProvider) throw badConfig(`Firebase Auth could not be set up: ${(err as Error).message}`, err);
    auth = getProvider(app, 'auth').getImmediate();
  }
  if (emulatorUrl && !auth.emulatorConfig) {
    try {
      connectAuthEmulator(auth, emulatorUrl, { disableWarnings: true });
    } catch (err) {
      throw badConfig(`The Auth emulator at ${emulatorUrl} could not be set: ${(err as Error).message}`, err);
    }
  }
  return auth;
}

/** Picks the database and Auth a transport uses; throws `bad-config` for an unusable config. */
export function resolveIdentity(options: FirebaseIdentityOptions): FirebaseIdentity {
  const given = options.database?.app ?? options.app;
  if (given) {
    const emulator = checkEmulatorUrl(options.authEmulatorUrl ?? (given.options as Record<string, unknown>).authEmulatorUrl);
    return { db: options.database ?? getDatabase(given), auth: authOf(given, emulator) };
  }
  const config = options.firebaseConfig;
  if (!config || typeof config !== 'object' || Array.isArray(config)) {
    throw badConfig('The firebase transport needs a Firebase web config (the firebase-config attribute), with a databaseURL.');
  }
  const { authEmulatorUrl, ...appConfig } = config;
  const emulator = checkEmulatorUrl(authEmulatorUrl);
  const url = appConfig.databaseURL;
  if (typeof url !== 'string' || !url) {
    throw badConfig('The Firebase config has no databaseURL: copy it from your Firebase project settings (Realtime Database).');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badConfig(`The Firebase databaseURL "${url}" is not a URL.`);
  }
  if (!/^(https?|wss?):$/.test(parsed.protocol)) {
    throw badConfig(`The Firebase databaseURL "${url}" must start with https://.`);
  }
  if (typeof appConfig.apiKey !== 'string' || !appConfig.apiKey) {
    if (!emulator)
      throw badConfig(
        'The Firebase config has no apiKey, which signing in needs: copy the whole web config from your Firebase project settings.',
      );
    appConfig.apiKey = EMULATOR_API_KEY;
  }
  let app: FirebaseApp | undefined;
  try {
    app = initializeApp(appConfig as FirebaseOptions, `video-call ${++appCount} ${url}`);
    return { db: getDatabase(app), auth: authOf(app, emulator), ownApp: app };
  } catch (err) {
    if (app) void deleteApp(app).catch(() => {});
    if (err instanceof VideoCallError) throw err;
    throw badConfig(`The Firebase config was refused: ${(err as Error).message}`, err);
  }
}

/**
 * Signs in anonymously unless a user is signed in already, and resolves with the uid. The
 * user is kept for the transport's lifetime (its reconnections included).
 */
export async function signIn(auth: Auth): Promise<string> {
  await auth.authStateReady();
  if (auth.currentUser) return auth.currentUser.uid;
  try {
    return (await signInAnonymously(auth)).user.uid;
  } catch (err) {
    const code = String((err as { code?: string })?.code ?? '');
    const message = (err as Error)?.message ?? String(err);
    if (/operation-not-allowed|admin-restricted/.test(code)) {
      throw new VideoCallError(
        'unauthorized',
        'Firebase refused anonymous sign-in: enable it in the Firebase console (Authentication → Sign-in method → Anonymous).',
        { cause: err },
      );
    }
    if (/api-key|invalid-emulator/.test(code))
      throw new VideoCallError('bad-config', `Firebase refused the sign-in: ${message}`, { cause: err });
    throw new VideoCallError('transport', `Could not sign in to Firebase: ${message}`, { cause: err });
  }
}

/**
 * Deletes an app the transport initialised itself, signing its (anonymous, in-memory) user out
 * first: that stops the Auth SDK's timer that refreshes the ID token, which deleting the app
 * alone leaves running.
 */
export function releaseApp(app: FirebaseApp, auth: Auth): void {
  void signOut(auth)
    .catch(() => {})
    .then(() => deleteApp(app))
    .catch(() => {});
}
