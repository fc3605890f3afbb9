import { basePath } from './base-path.js';

/**
 * Script-tag build: the device settings are the sibling file `video-call-devices.js`, fetched with
 * the first capture or opening of the settings panel. (Rollup swaps this file in for `device-chunk-loader.ts`.)
 */
export function loadDeviceChunk(): Promise<typeof import('./device-chunk.js')> {
  return import(/* @vite-ignore */ new URL('video-call-devices.js', basePath()).href);
}
