/** Loads the Firebase transport on demand (npm/ESM build: a normal code-split import). */
export function loadFirebaseTransport(): Promise<typeof import('./firebase.js')> {
  return import('./firebase.js');
}
