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
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import esbuild from 'rollup-plugin-esbuild';

const root = new URL('../', import.meta.url);
const scriptLoader = fileURLToPath(new URL('src/i18n/load.script.ts', root));
const langDir = fileURLToPath(new URL('src/i18n/lang/', root));
const enFile = fileURLToPath(new URL('src/i18n/en.ts', root));
const keysFile = fileURLToPath(new URL('src/i18n/keys.ts', root));

/** A module's exports, from its source text (TypeScript or JavaScript, no imports). */
async function evaluate(code, loader) {
  const js = (await transform(code, { loader, format: 'esm' })).code;
  return import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`);
}

/** src/i18n/en.ts's exports, and the number of each id of its `en` table (its order in the table). */
async function loadEnglish() {
  const mod = await evaluate(readFileSync(enFile, 'utf8'), 'ts');
  return { mod, index: new Map(Object.keys(mod.en).map((id, i) => [id, i])) };
}

/**
 * The end of the first argument of the call whose `(` is at `from`: the index of the `,` or `)`
 * that closes it (strings, templates and brackets skipped).
 */
function argumentEnd(code, from) {
  let depth = 0;
  for (let i = from + 1; i < code.length; i++) {
    const c = code[i];
    if (c === "'" || c === '"' || c === '`') {
      for (i++; i < code.length && code[i] !== c; i++) if (code[i] === '\\') i++;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth-- === 0) return i;
    } else if (c === ',' && depth === 0) return i;
  }
  return code.length;
}

/**
 * Numbered string ids in the script-tag build (issue 15: the mechanism's bytes). The English
 * table's ids are the bundle's longest repeated words: each is a key of the table and the argument
 * of its calls. Here (this build only; the sources and the npm build keep the ids):
 * - src/i18n/en.ts becomes `export const en = [...]`, its texts in order;
 * - every `t('id', …)` / `parts('id', …)` (also `t(a ? 'id' : 'other')`, and `t` as a parameter,
 *   as the call-extras and device chunks get it) says the id's number instead;
 * - src/i18n/keys.ts gets the ids in order, so that `strings` keeps the documented ids;
 * - each language file is keyed by the same numbers ({@link languageConfig}).
 * Ids outside the `en` table (`error.*`, the device chunk's) stay as they are. Nothing per id: an
 * id added to en.ts and its languages is numbered by the next build.
 */
export function numberedIds() {
  let english;
  return {
    name: 'numbered-string-ids',
    async buildStart() {
      english = await loadEnglish();
      this.addWatchFile(enFile);
    },
    load(id) {
      if (id === enFile) {
        const { mod } = english;
        return Object.entries(mod)
          .map(([name, v]) => `export const ${name} = ${JSON.stringify(name === 'en' ? Object.values(v) : v)};`)
          .join('\n');
      }
      if (id === keysFile) {
        const ids = JSON.stringify([...english.index.keys()].join(' '));
        return `const ids = ${ids}.split(' ');\nexport const idOf = (key) => ids[key] ?? key;\nexport const keyOf = (id) => (ids.includes(id) ? ids.indexOf(id) : id);`;
      }
      return null;
    },
    transform(code, id) {
      if (!id.includes('/src/') || id.includes('/src/i18n/') || !/\.[jt]s$/.test(id)) return null;
      // `t`, `parts`, and the names they are imported as (`t as tr`).
      const names = new Set(['t', 'parts']);
      for (const [, list] of code.matchAll(/import\s*\{([^}]*)\}\s*from\s*'[^']*i18n\/i18n\.js'/g))
        for (const [name, as] of list.split(',').map((s) => s.trim().split(/\s+as\s+/)))
          if ((name === 't' || name === 'parts') && as) names.add(as);
      const call = new RegExp(`(?<![\\w$.])(?:${[...names].join('|')})\\(`, 'g');
      let out = '';
      let at = 0;
      for (const m of code.matchAll(call)) {
        const open = m.index + m[0].length - 1;
        if (open < at) continue;
        const end = argumentEnd(code, open);
        const arg = code
          .slice(open, end)
          .replace(/(['"])([\w.]+)\1/g, (lit, _, sid) => (english.index.has(sid) ? String(english.index.get(sid)) : lit));
        out += code.slice(at, open) + arg;
        at = end;
      }
      return at ? { code: out + code.slice(at), map: null } : null;
    },
  };
}

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
    plugins: [
      numberedLanguage(),
      esbuild({ target: 'es2021', minify: true, charset: 'utf8', tsconfig: 'tsconfig.json', legalComments: 'none' }),
    ],
  };
}

/** A language file keyed as the script-tag build's English table: by number (see {@link numberedIds}). */
function numberedLanguage() {
  let english;
  return {
    name: 'numbered-language',
    async buildStart() {
      english = await loadEnglish();
    },
    async transform(code, id) {
      if (!id.startsWith(langDir)) return null;
      const table = (await evaluate(code, 'js')).default;
      const numbered = Object.fromEntries(Object.entries(table).map(([sid, v]) => [english.index.get(sid) ?? sid, v]));
      return { code: `export default ${JSON.stringify(numbered)};`, map: null };
    },
  };
}

/** `configs` (rollup.config.js's) with the script loader swapped in the IIFE build, plus the language files. */
export function withLanguages(configs) {
  return [
    ...configs.map((c) => {
      if (c.output?.preserveModules && typeof c.input === 'object') {
        const langs = Object.fromEntries(Object.values(languageConfig().input).map((file) => [file.slice(4, -3), file]));
        return { ...c, input: { ...c.input, ...langs } };
      }
      // The script-tag bundle and the chunks it fetches: numbered ids.
      if (c.output?.format === 'iife') return { ...c, plugins: [scriptLanguageLoader, numberedIds(), ...c.plugins] };
      return { ...c, plugins: [numberedIds(), ...c.plugins] };
    }),
    languageConfig(),
  ];
}
