import { css, html, nothing, svg } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { basePath } from '../base-path.js';
import { en, parts, t } from '../i18n/i18n.js';

/**
 * Script-tag build: the call's extras are the sibling file `video-call-extras.js`, fetched when the
 * first join starts (then cached by the browser). Rollup swaps this file in for `extras-loader.ts`.
 * The chunk has no Lit and no strings of its own: it takes this bundle's (scripts/rollup-extras.mjs),
 * left for it under a key made of its own URL, so two versions of the element on one page each get
 * their own.
 */
export const loadExtras = (): Promise<typeof import('../call-extras.js')> => {
  const url = new URL('video-call-extras.js', basePath()).href;
  (globalThis as Record<symbol, unknown>)[Symbol.for(`video-call-kit ${url}`)] = { css, html, nothing, svg, repeat, en, parts, t };
  return import(/* @vite-ignore */ url);
};
