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
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rollup, type OutputOptions, type Plugin, type RollupOptions } from 'rollup';

const ROOT = path.resolve(import.meta.dirname, '..');

export type VariantName = 'cert';

interface Patch {
  file: string;
  anchor: string;
  replace: (anchor: string) => string;
}

const PATCHES: Record<VariantName, Patch[]> = {
  cert: [
    {
      file: '/src/call/peer-session.ts',
      anchor: 'new RTCPeerConnection({ iceServers: options.iceServers })',
      replace: () => 'new RTCPeerConnection({ iceServers: options.iceServers, ...(benchCert ? { certificates: [benchCert] } : {}) })',
    },
    {
      file: '/src/call/peer-session.ts',
      anchor: "import { Emitter } from '../emitter.js';",
      replace: (a) =>
        `${a}\nlet benchCert: RTCCertificate | undefined;\nif (typeof RTCPeerConnection !== 'undefined') void RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams).then((c) => (benchCert = c));`,
    },
  ],
};

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
