import { basePath } from '../base-path.js';

/**
 * Script-tag build: the call's extras are the sibling file `video-call-extras.js`, fetched when the
 * first join starts (then cached by the browser). Rollup swaps this file in for `extras-loader.ts`.
 */
export const loadExtras = (): Promise<typeof import('../call-extras.js')> =>
  import(/* @vite-ignore */ new URL('video-call-extras.js', basePath()).href);
