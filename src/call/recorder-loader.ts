/** Loads the recorder on first use (npm/ESM build: a normal code-split import). */
export function loadRecorder(): Promise<typeof import('./recorder.js')> {
  return import('./recorder.js');
}
