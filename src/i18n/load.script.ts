import { basePath } from '../base-path.js';
import type { Translation } from './en.js';

/**
 * Script-tag build: a language's table is the sibling file `video-call-lang-<lang>.js` (beside
 * `video-call.js`, or under `data-video-call-base`), fetched only when an element speaks it.
 * (scripts/rollup-lang.mjs swaps this file in for load.ts.)
 */
export async function loadLanguage(lang: string): Promise<Translation> {
  const url = new URL(`video-call-lang-${lang}.js`, basePath()).href;
  return (await import(/* @vite-ignore */ url)).default;
}
