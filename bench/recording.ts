/**
 * Recording memory over a long call: does it stay bounded? Three Chromiums side by side for the
 * same minutes (RECORDING_MINUTES, 3 by default), each with one page holding a two-person call
 * (two `<video-call>` elements of the script-tag bundle over the local transport: real
 * RTCPeerConnections, fake camera and mic). In the first, Ada records (`startRecording()`: the
 * built recorder chunk, 1280x720 at 15 fps, VP8 + Opus), its parts written to the origin private
 * file system as shipped; in the second she records as in a browser without it (the parts stay
 * Blobs); the third is the baseline, the same call not recording. Each runs a normal on-disk
 * profile (a persistent context), as a visitor's browser does. Every SAMPLE_S seconds, from each:
 *
 * - the page's JS heap after a garbage collection (CDP `HeapProfiler.collectGarbage`,
 *   `Runtime.getHeapUsage`): what the page itself holds;
 * - the memory of all the browser's processes (PSS from /proc/<pid>/smaps_rollup, so pages
 *   shared between them count once), and of the browser process alone (where Chromium keeps
 *   Blob bytes);
 * - the profile's size on disk (where a recording can go instead of memory).
 *
 * Each series' slope per minute (least squares over the samples after the first minute's
 * warm-up) is what an hour would add: recording minus baseline, times 60.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from './browser.js';
import { childPids, processTree, round, sleep, withTimeout, serveProject } from './util.js';

/** One moment of one side. */
export interface MemorySample {
  /** Seconds since recording started. */
  t: number;
  /** The page's JS heap in use after a GC, MiB. */
  heapMiB: number;
  /** All the browser's processes (PSS), MiB. */
  processesMiB: number;
  /** The browser process alone (PSS), MiB. */
  browserMiB: number;
  /** The profile directory on disk, MiB. */
  diskMiB: number;
  /** PSS of the browser's processes by type (`--type=renderer`, `gpu-process`, `utility`…; the browser process is `browser`), MiB. */
  byType: Record<string, number>;
}

export interface RecordingSide {
  samples: MemorySample[];
  /** MiB per minute over the samples after the warm-up, each series. */
  slope: Slopes;
}

export interface RecordingBenchResult {
  minutes: number;
  /** Recording as shipped: parts on disk. */
  recording: RecordingSide;
  /** Recording with every part in memory (Blobs), as in a browser without the origin private file system. */
  memoryOnly: RecordingSide;
  /** The same call, not recording. */
  baseline: RecordingSide;
  /** The recordings `stopRecording()` resolved with. */
  blob: { size: number; type: string; mbitPerSecond: number };
  memoryOnlyBlob: { size: number; type: string; mbitPerSecond: number };
  /** What an hour adds over the baseline, MiB (slope difference × 60). */
  perHour: Slopes;
  memoryOnlyPerHour: Slopes;
}

type Slopes = { heapMiB: number; processesMiB: number; browserMiB: number; diskMiB: number };

/** PSS (or RSS where smaps_rollup is unreadable) of `pid`, KiB. */
function pssKiB(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    try {
      return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      return 0;
    }
  }
}

/** A Chromium process's `--type=` (the browser process has none). */
function processType(pid: number): string {
  try {
    return /--type=([\w-]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1] ?? 'browser';
  } catch {
    return 'gone';
  }
}

function dirBytes(dir: string): number {
  let sum = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of entries) {
    const p = path.join(dir, name);
    try {
      const s = statSync(p);
      sum += s.isDirectory() ? dirBytes(p) : s.size;
    } catch {
      // gone meanwhile
    }
  }
  return sum;
}

/** Least-squares slope of y over t (seconds), per minute. */
function slopePerMinute(points: { t: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.y - my);
    den += (p.t - mt) ** 2;
  }
  return (num / den) * 60;
}

interface Side {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  pid: number;
  dir: string;
  samples: MemorySample[];
}

async function openSide(url: string): Promise<Side> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vc-bench-rec-'));
  const before = new Set(childPids(/chrom/));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    acceptDownloads: false,
    timeout: 30_000,
  });
  const pid = childPids(/chrom/).find((p) => !before.has(p));
  if (!pid) throw new Error('could not find the browser process');
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { benchReady?: boolean }).benchReady, null, { timeout: 30_000 });
  await page.waitForFunction(() => (window as unknown as { benchConnected(): boolean }).benchConnected(), null, { timeout: 30_000 });
  const cdp = await context.newCDPSession(page);
  return { context, page, cdp, pid, dir, samples: [] };
}

async function sample(side: Side, t: number): Promise<void> {
  await side.cdp.send('HeapProfiler.collectGarbage');
  const heap = await side.cdp.send('Runtime.getHeapUsage');
  const procs = processTree(side.pid);
  const MiB = 1024;
  const byType: Record<string, number> = {};
  for (const p of procs) {
    const type = processType(p.pid);
    byType[type] = round((byType[type] ?? 0) + pssKiB(p.pid) / MiB, 1);
  }
  side.samples.push({
    t: round(t),
    heapMiB: round(heap.usedSize / 2 ** 20, 2),
    processesMiB: round(procs.reduce((s, p) => s + pssKiB(p.pid), 0) / MiB, 1),
    browserMiB: round(pssKiB(side.pid) / MiB, 1),
    diskMiB: round(dirBytes(side.dir) / 2 ** 20, 1),
    byType,
  });
}

function summarise(side: Side, warmupS: number): RecordingSide {
  const after = side.samples.filter((s) => s.t >= warmupS);
  const of = (k: keyof Slopes) => round(slopePerMinute(after.map((s) => ({ t: s.t, y: s[k] }))), 2);
  return {
    samples: side.samples,
    slope: { heapMiB: of('heapMiB'), processesMiB: of('processesMiB'), browserMiB: of('browserMiB'), diskMiB: of('diskMiB') },
  };
}

export async function runRecordingBench(
  minutes = Number(process.env.RECORDING_MINUTES ?? 3),
  sampleS = Number(process.env.SAMPLE_S ?? 10),
): Promise<RecordingBenchResult> {
  const server = await serveProject();
  const url = server.url('/bench/pages/recording.html');
  const sides: Side[] = [];
  try {
    for (const [name, query] of [
      ['recording', 'room=rec'],
      ['memory-only recording', 'room=mem&disk=0'],
      ['baseline', 'room=base'],
    ]) {
      sides.push(await withTimeout(openSide(`${url}?${query}`), 60_000, `${name} page`));
    }
    const [rec, mem] = sides;
    await Promise.all(
      [rec, mem].map((side) => side.page.evaluate(() => (window as unknown as { benchStart(): Promise<void> }).benchStart())),
    );
    const t0 = performance.now();
    const end = t0 + minutes * 60_000;
    for (let next = t0; next <= end; next += sampleS * 1000) {
      await sleep(Math.max(0, next - performance.now()));
      const t = (performance.now() - t0) / 1000;
      await Promise.all(sides.map((side) => sample(side, t)));
    }
    const seconds = (performance.now() - t0) / 1000;
    const [blob, memBlob] = await Promise.all(
      [rec, mem].map(async (side) => {
        const b = await withTimeout(
          side.page.evaluate(() => (window as unknown as { benchStop(): Promise<{ size: number; type: string }> }).benchStop()),
          30_000,
          'stopRecording()',
        );
        return { ...b, mbitPerSecond: round((b.size * 8) / seconds / 1e6, 2) };
      }),
    );
    const warmup = Math.min(60, (minutes * 60) / 3);
    const [recording, memoryOnly, baseline] = sides.map((side) => summarise(side, warmup));
    const hour = (side: RecordingSide): Slopes => {
      const of = (k: keyof Slopes) => round((side.slope[k] - baseline.slope[k]) * 60, 0);
      return { heapMiB: of('heapMiB'), processesMiB: of('processesMiB'), browserMiB: of('browserMiB'), diskMiB: of('diskMiB') };
    };
    return {
      minutes,
      recording,
      memoryOnly,
      baseline,
      blob,
      memoryOnlyBlob: memBlob,
      perHour: hour(recording),
      memoryOnlyPerHour: hour(memoryOnly),
    };
  } finally {
    for (const side of sides) {
      await side.context.close().catch(() => {});
      rmSync(side.dir, { recursive: true, force: true });
    }
    server.close();
  }
}

// `node --import tsx bench/recording.ts`: this section alone, printing every sample.
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runRecordingBench();
  for (const [name, side] of [
    ['recording', r.recording],
    ['memory-only recording', r.memoryOnly],
    ['baseline', r.baseline],
  ] as const) {
    console.log(`\n${name}: t s, heap MiB, processes MiB, browser MiB, disk MiB`);
    for (const s of side.samples)
      console.log([s.t, s.heapMiB, s.processesMiB, s.browserMiB, s.diskMiB, JSON.stringify(s.byType)].join('\t'));
    console.log('slope MiB/min', side.slope);
  }
  console.log('\nblob', r.blob, r.memoryOnlyBlob, '\nper hour over the baseline, MiB', r.perHour, r.memoryOnlyPerHour);
}
