// The languages in the build (issue 15). rollup.config.js: `export default withLanguages([...])`.
// - Script-tag bundle (the IIFE config): src/i18n/load.ts is swapped for load.script.ts, which
//   fetches `video-call-lang-<lang>.js` beside the bundle at run time (an IIFE cannot code-split).
// - One more config: each src/i18n/lang/<lang>.ts becomes dist/video-call-lang-<lang>.js, an ES
//   module of plain data (no imports).
// - The ESM build (preserveModules): each language is one more input, dist/esm/i18n/lang/<lang>.js,
//   which load.ts imports as `./lang/${lang}.js`.
// The language files are plain JavaScript data (src/i18n/lang/<lang>.js), so the test runner and
// bundlers load them by that template path as they are; test/browser/element-i18n.test.ts checks
// that each has exactly the English table's ids and placeholders.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import esbuild from 'rollup-plugin-esbuild';

const root = new URL('../', import.meta.url);
const scriptLoader = fileURLToPath(new URL('src/i18n/load.script.ts', root));
const langDir = fileURLToPath(new URL('src/i18n/lang/', root));

/** In the script build, the language loader fetches sibling files instead of importing modules. */
export const scriptLanguageLoader = {
  name: 'script-language-loader',
  resolveId(source, importer) {
    if ((source === './load.js' || source === './load.ts') && importer?.includes('/src/i18n/')) return scriptLoader;
    return null;
  },
};

/** The language files: `dist/video-call-lang-<lang>.js`. */
export function languageConfig() {
  const input = Object.fromEntries(
    readdirSync(langDir)
      .filter((f) => /^[a-z]{2,3}\.js$/.test(f))
      .map((f) => [`video-call-lang-${f.slice(0, -3)}`, `src/i18n/lang/${f}`]),
  );
  return {
    input,
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].js', sourcemap: false },
    plugins: [esbuild({ target: 'es2021', minify: true, charset: 'utf8', tsconfig: 'tsconfig.json', legalComments: 'none' })],
  };
}

/** `configs` (rollup.config.js's) with the script loader swapped in the IIFE build, plus the language files. */
export function withLanguages(configs) {
  return [
    ...configs.map((c) => {
      if (c.output?.format === 'iife') return { ...c, plugins: [scriptLanguageLoader, ...c.plugins] };
      if (c.output?.preserveModules && typeof c.input === 'object') {
        const langs = Object.fromEntries(Object.values(languageConfig().input).map((file) => [file.slice(4, -3), file]));
        return { ...c, input: { ...c.input, ...langs } };
      }
      return c;
    }),
    languageConfig(),
  ];
}
