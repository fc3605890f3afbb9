/** Loads the SFU topology on demand (npm/ESM build: a normal code-split import). */
export function loadSfu(): Promise<typeof import('./sfu/index.js')> {
  return import('./sfu/index.js');
}
