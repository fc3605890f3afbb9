/** Loads the call's extras (call-extras.ts) on demand (npm/ESM build: a normal code-split import). */
export function loadExtras(): Promise<typeof import('../call-extras.js')> {
  return import('../call-extras.js');
}
