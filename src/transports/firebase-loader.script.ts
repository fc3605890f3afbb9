import { importSibling } from '../base-path.js';

/**
 * Script-tag build: the Firebase transport is the sibling file
 * `video-call-firebase.js`, fetched only when a page picks Firebase.
 * (Rollup swaps this file in for `firebase-loader.ts`.)
 */
export function loadFirebaseTransport(): Promise<typeof import('./firebase.js')> {
  return importSibling('video-call-firebase.js', 'the Firebase transport');
}
