/**
 * noise-suppression="strong" in the browser: CPU of RNNoise in its AudioWorklet (the built
 * dist/video-call-noise/ and dist/esm/call/noise.js, as the element runs them) on Chromium's fake
 * microphone. Baseline, same page, same run, interleaved: the browser's own suppression
 * (`noise-suppression="on"`) through the same Web Audio graph without the worklet. The difference
 * is what RNNoise costs: CPU milliseconds per second of audio. (bench/noise.ts measures how well
 * it suppresses; this, what it costs where it runs.)
 */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from './browser.js';
import { childPids, round, sleep, treeCpuSeconds } from './util.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm' };

export interface NoiseCpuResult {
  /** Browser CPU (all Chromium processes), in cores, each round. */
  strong: number[];
  browser: number[];
  /** Each side's least busy round. */
  best: { strong: number; browser: number };
  /** RNNoise's cost: (strong − browser) in CPU ms per second of audio. */
  msPerSecond: number;
}

const browserCpuSeconds = () => childPids(/chrom/).reduce((sum, pid) => sum + treeCpuSeconds(pid), 0);

export async function runNoiseCpuBench(rounds = 3, seconds = 8): Promise<NoiseCpuResult> {
  const server = createServer((req, res) => {
    if (req.url === '/favicon.ico') return void res.writeHead(204).end();
    const file = path.join(ROOT, path.normalize(decodeURIComponent(new URL(req.url!, 'http://x').pathname)));
    if (!file.startsWith(ROOT)) return void res.writeHead(403).end();
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/bench/pages/noise.html`);
    await page.waitForFunction(() => (window as unknown as { benchReady?: boolean }).benchReady, undefined, { timeout: 30_000 });
    const runs: Record<'strong' | 'browser', number[]> = { strong: [], browser: [] };
    for (let i = 0; i < rounds; i++) {
      for (const mode of ['browser', 'strong'] as const) {
        await page.evaluate((m) => (window as unknown as { benchStart(m: string): Promise<void> }).benchStart(m), mode);
        await sleep(1500); // warm-up
        const c0 = browserCpuSeconds();
        const w0 = performance.now();
        await sleep(seconds * 1000);
        runs[mode].push(round((browserCpuSeconds() - c0) / ((performance.now() - w0) / 1000), 3));
        await page.evaluate(() => (window as unknown as { benchStop(): void }).benchStop());
        await sleep(500);
      }
    }
    if (errors.length) throw new Error(errors.join('; '));
    // Other processes only ever add CPU: each side's least busy round counts.
    const best = { strong: Math.min(...runs.strong), browser: Math.min(...runs.browser) };
    return { ...runs, best, msPerSecond: round((best.strong - best.browser) * 1000, 0) };
  } finally {
    await browser.close();
    server.close();
  }
}
