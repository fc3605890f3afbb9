/**
 * Bundle size: min+gzip bytes of dist/video-call.js (the script-tag bundle) and of the
 * on-demand chunk(s), next to their floors built in the same run by the same Rollup
 * config and plugins: a bundle of only the dependencies' exports the sources use
 * (Lit + socket.io-client for the script tag; the Firebase SDK's for the Firebase chunk).
 * And what the languages mechanism costs the script-tag bundle (issue 15): dist/video-call.js
 * next to the same bundle built English-only (bench/variant.ts, `englishOnly`), in the same run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { rollup, type OutputOptions, type Plugin, type RollupOptions } from 'rollup';
import { ratio } from './util.js';
import { englishOnly } from './variant.js';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface SizeRow {
  file: string;
  minBytes: number;
  gzipBytes: number;
  brotliBytes: number;
  floor: { what: string; minBytes: number; gzipBytes: number; brotliBytes: number };
  /** gzip bytes / floor gzip bytes. */
  ratio: number;
  target?: number;
}

function sizes(code: string | Buffer) {
  const buf = typeof code === 'string' ? Buffer.from(code) : code;
  return {
    minBytes: buf.length,
    gzipBytes: gzipSync(buf, { level: 9 }).length,
    brotliBytes: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/**
 * The value imports of packages matching `pkg` in `files`: specifier → names.
 * (`import type` and `type X` members are skipped: they cost no bytes.)
 */
function usedImports(files: string[], pkg: RegExp): Map<string, Set<string>> {
  const used = new Map<string, Set<string>>();
  const re = /import\s+(type\s+)?(?:\{([^}]*)\}\s+from\s+)?['"]([^'"]+)['"]/g;
  for (const file of files) {
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(re)) {
      const [, typeOnly, names, spec] = m;
      if (typeOnly || !pkg.test(spec)) continue;
      const set = used.get(spec) ?? new Set<string>();
      used.set(spec, set);
      for (const raw of (names ?? '').split(',')) {
        const n = raw.trim();
        if (!n || n.startsWith('type ')) continue;
        set.add(n.split(/\s+as\s+/)[0]);
      }
    }
  }
  return used;
}

function entryOf(used: Map<string, Set<string>>): string {
  return [...used]
    .map(([spec, names]) => (names.size ? `export { ${[...names].join(', ')} } from '${spec}';` : `import '${spec}';`))
    .join('\n');
}

const VIRTUAL = '\0bench-floor-entry';
const virtualEntry = (code: string): Plugin => ({
  name: 'bench-floor-entry',
  resolveId: (id) => (id === VIRTUAL ? VIRTUAL : null),
  load: (id) => (id === VIRTUAL ? code : null),
});

/** What the languages mechanism adds to the script-tag bundle (issue 15). */
export interface LanguagesCost {
  /** dist/video-call.js, min+gzip. */
  gzipBytes: number;
  /** The same sources and Rollup config, English-only (`englishOnly` in bench/variant.ts), min+gzip. */
  englishOnlyGzipBytes: number;
  /** The difference: the mechanism's bytes. */
  addedGzipBytes: number;
  /** The "about 1 KiB". */
  target: number;
}

/** The script-tag bundle with the English-only plugin in front of its own, generated in memory. */
async function buildEnglishOnly(config: RollupOptions): Promise<string> {
  const output = config.output as OutputOptions;
  const bundle = await rollup({ ...config, plugins: [englishOnly(), ...((config.plugins as Plugin[]) ?? [])], onwarn: () => {} });
  try {
    const { output: chunks } = await bundle.generate({ ...output, file: undefined, sourcemap: false });
    return chunks[0].code;
  } finally {
    await bundle.close();
  }
}

async function buildFloor(config: RollupOptions, code: string): Promise<string> {
  const output = (Array.isArray(config.output) ? config.output[0] : config.output) as OutputOptions;
  const bundle = await rollup({
    ...config,
    input: VIRTUAL,
    // The same plugins, the same order, after the virtual entry; the real input is replaced.
    plugins: [virtualEntry(code), ...((config.plugins as Plugin[]) ?? [])],
    onwarn: () => {},
  });
  try {
    const { output: chunks } = await bundle.generate({ format: output.format, name: output.name, sourcemap: false });
    if (chunks.length !== 1 || chunks[0].type !== 'chunk') throw new Error('floor build made more than one chunk');
    return chunks[0].code;
  } finally {
    await bundle.close();
  }
}

export async function benchBundle(): Promise<{ rows: SizeRow[]; floors: Record<string, string>; languages: LanguagesCost }> {
  const { default: configs } = (await import(path.join(ROOT, 'rollup.config.js'))) as { default: RollupOptions[] };
  const script = configs.find((c) => (c.output as OutputOptions).file === 'dist/video-call.js');
  const firebase = configs.find((c) => (c.output as OutputOptions).file === 'dist/video-call-firebase.js');
  if (!script || !firebase) throw new Error('rollup.config.js no longer has the script-tag or Firebase build');

  const srcFiles = walk(path.join(ROOT, 'src'));
  const scriptEntry = entryOf(usedImports(srcFiles, /^(lit|@lit|socket\.io-client)(\/|$)/));
  // Every file of the Firebase transport (firebase.ts, firebase-auth.ts, firebase-inbox.ts, ...).
  const firebaseFiles = srcFiles.filter((f) => /[/\\]transports[/\\]firebase[^/\\]*\.ts$/.test(f));
  const firebaseEntry = entryOf(usedImports(firebaseFiles, /^(firebase|@firebase)(\/|$)/));

  const rows: SizeRow[] = [];
  const floorScript = sizes(await buildFloor(script, scriptEntry));
  const s = sizes(readFileSync(path.join(ROOT, 'dist/video-call.js')));
  rows.push({
    file: 'dist/video-call.js',
    ...s,
    floor: { what: 'Lit + socket.io-client (the exports src/ imports), same Rollup config', ...floorScript },
    ratio: ratio(s.gzipBytes, floorScript.gzipBytes),
    target: 1.3,
  });
  const floorFirebase = sizes(await buildFloor(firebase, firebaseEntry));
  const f = sizes(readFileSync(path.join(ROOT, 'dist/video-call-firebase.js')));
  rows.push({
    file: 'dist/video-call-firebase.js (on demand)',
    ...f,
    floor: { what: 'firebase/app + firebase/database (the exports firebase.ts imports), same Rollup config', ...floorFirebase },
    ratio: ratio(f.gzipBytes, floorFirebase.gzipBytes),
  });
  // Both without the source map comment (the English-only build is generated in memory).
  const built = sizes(
    readFileSync(path.join(ROOT, 'dist/video-call.js'), 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, ''),
  ).gzipBytes;
  const englishOnlyGzipBytes = sizes(await buildEnglishOnly(script)).gzipBytes;
  const languages = { gzipBytes: built, englishOnlyGzipBytes, addedGzipBytes: built - englishOnlyGzipBytes, target: 1100 };
  return { rows, floors: { script: scriptEntry, firebase: firebaseEntry }, languages };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchBundle();
  console.log(JSON.stringify(r, null, 2));
}
