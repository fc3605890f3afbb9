import { basePath } from '../base-path.js';
import { VideoCallError } from '../errors.js';

/**
 * Script-tag build: the Firebase transport is the sibling file
 * `video-call-firebase.js`, fetched only when a page picks Firebase.
 * (Rollup swaps this file in for `firebase-loader.ts`.)
 */
export async function loadFirebaseTransport(): Promise<typeof import('./firebase.js')> {
  const url = new URL('video-call-firebase.js', basePath()).href;
  try {
    return await import(/* @vite-ignore */ url);
  } catch (err) {
    throw new VideoCallError('transport', `Could not load the Firebase transport from ${url}.`, { cause: err });
  }
}
