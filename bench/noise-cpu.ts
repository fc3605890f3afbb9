/**
 * noise-suppression="strong" in the browser: CPU of RNNoise in its AudioWorklet (the built
 * dist/video-call-noise/ and dist/esm/call/noise.js, as the element runs them) on Chromium's fake
 * microphone. Baseline, same page, same run, interleaved: the browser's own suppression
 * (`noise-suppression="on"`) through the same Web Audio graph without the worklet. The difference
 * is what RNNoise costs: CPU milliseconds per second of audio. (bench/noise.ts measures how well
 * it suppresses; this, what it costs where it runs.)
 */
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from './browser.js';
import { childPids, round, sleep, treeCpuSeconds, serveProject } from './util.js';

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
  const server = await serveProject();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url('/bench/pages/noise.html'));
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
