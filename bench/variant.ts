/**
 * Variants of the script-tag bundle for the connect benchmark: the proposed client changes,
 * measured side by side without touching src/. Each is built by the same Rollup config (same
 * plugins) into a temporary directory, with a source transform in front; a transform whose
 * anchor text is gone fails loudly, so a variant never silently measures the unchanged code.
 *
 * (`ws`, WebSocket first in the Socket.IO transport, was measured here and then shipped.)
 * cert  — one DTLS certificate per page, generated ahead (when the bundle loads), given to every
 *         RTCPeerConnection (`certificates: [cert]`), instead of one generated per connection,
 *         which the answering side does only once the offer is in.
 * pool  — an ICE candidate pool of one (`iceCandidatePoolSize: 1`), as shipped until Chromium was
 *         seen never to gather for some answers with one (src/call/ice-watch.ts): what it saved.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rollup, type OutputOptions, type Plugin, type RollupOptions } from 'rollup';
import { en } from '../src/i18n/en.js';

const ROOT = path.resolve(import.meta.dirname, '..');

export type VariantName = 'cert' | 'pool';

interface Patch {
  file: string;
  anchor: string;
  replace: (anchor: string) => string;
}

const CONFIG = "return { iceServers, iceTransportPolicy, bundlePolicy: 'max-bundle' };";

const PATCHES: Record<VariantName, Patch[]> = {
  cert: [
    {
      file: '/src/call/ice-watch.ts',
      anchor: CONFIG,
      replace: () => CONFIG.replace("'max-bundle'", "'max-bundle', ...(benchCert ? { certificates: [benchCert] } : {})"),
    },
    {
      file: '/src/call/ice-watch.ts',
      anchor: 'export function rtcConfiguration(',
      replace: (a) =>
        `let benchCert: RTCCertificate | undefined;\nif (typeof RTCPeerConnection !== 'undefined') void RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams).then((c) => (benchCert = c));\n${a}`,
    },
  ],
  pool: [
    {
      file: '/src/call/ice-watch.ts',
      anchor: CONFIG,
      replace: () => CONFIG.replace('bundlePolicy', 'iceCandidatePoolSize: 1, bundlePolicy'),
    },
  ],
};

/**
 * The script-tag bundle without the language mechanism (the baseline of its cost, issue 15): each
 * `t('id', …)` / `parts('id', …)` call gets its English text inline, as a hard-coded English
 * element would have it; `t` / `parts` only fill in `{placeholders}` (English plurals: one or
 * other); no `lang` resolution, no table, no loading, no overrides, no right to left.
 */
export function englishOnly(): Plugin {
  const I18N = /[/\\]src[/\\]i18n[/\\]i18n\.ts$/;
  const LANGUAGE = /[/\\]src[/\\]components[/\\]video-call[/\\]language\.ts$/;
  const stub = `export const en = {}; export const setCurrent = () => {}; export const dir = () => 'ltr';
export const parts = (s, v = {}) => (typeof s == 'object' ? (v.count == 1 ? s.one : s.other) : s).split(/\\{(\\w+)\\}/).map((x, i) => (i % 2 ? v[x] : x));
export const t = (s, v) => parts(s, v).join('');
export const time = (at) => new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });`;
  const language = `export class Language { lang = 'en'; loading = null; constructor(host) {} apply() {} shownError(e) { return e; } }`;
  let inlined = 0;
  return {
    name: 'bench-english-only',
    load(id) {
      if (I18N.test(id)) return stub;
      if (LANGUAGE.test(id)) return language;
      return null;
    },
    transform(code, id) {
      if (I18N.test(id) || LANGUAGE.test(id) || !/[/\\]src[/\\]/.test(id)) return null;
      const imp = /import\s*\{([^}]*)\}\s*from\s*'[./]*i18n\/i18n\.js'/.exec(code);
      if (!imp) return null;
      const names = imp[1]
        .split(',')
        .map((s) => s.trim().split(/\s+as\s+/))
        .filter(([n]) => n === 't' || n === 'parts')
        .map((a) => a[a.length - 1]);
      if (!names.length) return null;
      const call = new RegExp(`\\b(${names.join('|')})\\('([\\w.]+)'`, 'g');
      return code.replace(call, (m, fn: string, sid: string) => {
        if (!(sid in en)) return m;
        inlined++;
        return `${fn}(${JSON.stringify((en as Record<string, unknown>)[sid])}`;
      });
    },
    buildEnd() {
      if (!inlined) this.error('bench-english-only: no t()/parts() call inlined; update bench/variant.ts');
    },
  };
}

function patcher(names: VariantName[]): Plugin {
  const patches = names.flatMap((n) => PATCHES[n]);
  return {
    name: 'bench-variant',
    transform(code, id) {
      const mine = patches.filter((p) => id.endsWith(p.file));
      if (!mine.length) return null;
      for (const p of mine) {
        if (!code.includes(p.anchor)) throw new Error(`variant: "${p.anchor}" is no longer in ${p.file}; update bench/variant.ts`);
        code = code.replace(p.anchor, p.replace(p.anchor));
      }
      return code;
    },
  };
}

/** Builds each variant as `<dir>/<name>/video-call.js`; returns the directory and a cleanup. */
export async function buildVariants(variants: Record<string, VariantName[]>): Promise<{ dir: string; dispose(): void }> {
  const { default: configs } = (await import(path.join(ROOT, 'rollup.config.js'))) as { default: RollupOptions[] };
  const script = configs.find((c) => (c.output as OutputOptions).file === 'dist/video-call.js')!;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vc-bench-variant-'));
  try {
    for (const [name, patches] of Object.entries(variants)) {
      const bundle = await rollup({ ...script, plugins: [patcher(patches), ...((script.plugins as Plugin[]) ?? [])], onwarn: () => {} });
      try {
        await bundle.write({ ...(script.output as OutputOptions), file: path.join(dir, name, 'video-call.js'), sourcemap: false });
      } finally {
        await bundle.close();
      }
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
