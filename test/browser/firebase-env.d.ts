declare module '/__firebase-env.js' {
  /** `databaseURL` of the local Realtime Database test server the browser run started. */
  export const FIREBASE_DATABASE_URL: string;
}
