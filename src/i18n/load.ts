import type { Translation } from './en.js';

/**
 * Loads a language's table, `./lang/<lang>.js` beside this module (npm/ESM build; bundlers such as
 * Vite turn the template into one chunk per language). The script-tag build swaps in
 * load.script.ts, which fetches `video-call-lang-<lang>.js` beside the bundle.
 */
export async function loadLanguage(lang: string): Promise<Translation> {
  if (!/^[a-z]{2,3}$/.test(lang)) throw new Error(`No strings for language "${lang}".`);
  return (await import(`./lang/${lang}.js`)).default;
}
