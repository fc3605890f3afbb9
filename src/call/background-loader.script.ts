import { basePath } from '../base-path.js';

/**
 * Script-tag build: the background effect is the sibling file `video-call-background.js` (its
 * worker, runtime and model the folder `video-call-background/` beside it), fetched only when a
 * background is first set. (Rollup swaps this file in for `background-loader.ts`.)
 */
export const loadBackground = (): Promise<typeof import('./background.js')> =>
  import(/* @vite-ignore */ new URL('video-call-background.js', basePath()).href);
