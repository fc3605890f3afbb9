import { basePath } from '../base-path.js';

/**
 * Script-tag build: the SFU topology is the sibling file `video-call-sfu.js`, fetched only when a
 * room is offered an SFU. (Rollup swaps this file in for `sfu-loader.ts`.)
 */
export function loadSfu(): Promise<typeof import('./sfu/index.js')> {
  return import(/* @vite-ignore */ new URL('video-call-sfu.js', basePath()).href);
}
