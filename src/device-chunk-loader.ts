/** Loads the device settings' chunk (npm/ESM build: a normal code-split import). */
export function loadDeviceChunk(): Promise<typeof import('./device-chunk.js')> {
  return import('./device-chunk.js');
}
