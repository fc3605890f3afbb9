/**
 * A variant of the script-tag bundle for the connect benchmark: the proposed client change,
 * measured without touching src/. Built by the same Rollup config into a temporary directory.
 *
 * websocket-first — the Socket.IO transport connects over WebSocket straight away
 *   (`transports: ['websocket', 'polling'], tryAllTransports: true`: long-polling stays as the
 *   fallback when a WebSocket cannot be opened) instead of long-polling first, then upgrading.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rollup, type OutputOptions, type Plugin, type RollupOptions } from 'rollup';

const ROOT = path.resolve(import.meta.dirname, '..');
const NEEDLE = '...options.ioOptions, forceNew: true }';

const websocketFirst: Plugin = {
  name: 'bench-websocket-first',
  transform(code, id) {
    if (!id.endsWith('/src/transports/socket-io.ts')) return null;
    if (!code.includes(NEEDLE)) throw new Error(`variant: ${NEEDLE} no longer in socket-io.ts; update bench/variant.ts`);
    return code.replace(NEEDLE, `transports: ['websocket', 'polling'], tryAllTransports: true, ${NEEDLE}`);
  },
};

/** Builds the variant; returns its directory (holding video-call.js) and a cleanup. */
export async function buildWebsocketFirst(): Promise<{ dir: string; dispose(): void }> {
  const { default: configs } = (await import(path.join(ROOT, 'rollup.config.js'))) as { default: RollupOptions[] };
  const script = configs.find((c) => (c.output as OutputOptions).file === 'dist/video-call.js')!;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vc-bench-variant-'));
  const bundle = await rollup({ ...script, plugins: [websocketFirst, ...((script.plugins as Plugin[]) ?? [])], onwarn: () => {} });
  try {
    await bundle.write({ ...(script.output as OutputOptions), file: path.join(dir, 'video-call.js'), sourcemap: false });
  } finally {
    await bundle.close();
  }
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
