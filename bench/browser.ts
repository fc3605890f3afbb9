/**
 * Browser benchmarks, in Debian's Chromium (playwright-core) with fake camera and mic:
 *
 * Connect time — two pages with `<video-call>` (the script-tag bundle) over the real relay
 * (dist/server/app.js, same origin). Both pages have their camera preview running; page A is
 * in the room; page B calls `join()` at t0. Two figures: the newcomer's, from B's `vc-joined`
 * to B presenting the first frame of A's remote video; and the time from t0 until both pages
 * have presented the first frame of each other's remote video (requestVideoFrameCallback on
 * the `remote-video` part, or getVideoPlaybackQuality, whichever is first).
 * Baseline, same browser, same run, interleaved: two RTCPeerConnections in one page wired
 * directly to each other (no signaling), same media constraints (both capture 1280x720, the
 * run records it), same data channel; the same first-frame probe; its newcomer figure runs
 * from the pair's start to the offering side's first remote frame.
 *
 * Mesh — four pages join one room at once: time until every page presents frames from the
 * three others (baseline: six loopback pairs in one page), then the browser's CPU (all its
 * processes, from /proc) over a fixed interval in the call, next to the same four pages
 * showing only their preview before joining.
 */
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { median, quantile, round, sleep, treeCpuSeconds, childPids, withTimeout } from './util.js';
import { buildVariants, type VariantName } from './variant.js';

const ROOT = path.resolve(import.meta.dirname, '..');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--autoplay-policy=no-user-gesture-required',
];

interface Env {
  browser: Browser;
  base: string;
  /** The variant builds served under /variant/<name>/ (bench/variant.ts). */
  variants: string[];
  close(): Promise<void>;
}

/**
 * Client changes measured as variant builds (bench/variant.ts), none by default;
 * BENCH_VARIANTS=cert adds the certificate experiment, which measured no gain (the answering
 * side's certificate is not on the critical path); BENCH_VARIANTS=pool the ICE candidate pool
 * that was shipped before (src/call/ice-watch.ts says why it went).
 */
const ALL_VARIANTS: Record<string, VariantName[]> = { cert: ['cert'], pool: ['pool'] };
export const VARIANTS: Record<string, VariantName[]> = Object.fromEntries(
  (process.env.BENCH_VARIANTS ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v in ALL_VARIANTS)
    .map((v) => [v, ALL_VARIANTS[v]]),
);

async function startEnv(withVariants: boolean): Promise<Env> {
  const variant = withVariants && Object.keys(VARIANTS).length ? await buildVariants(VARIANTS) : null;
  const { createRelay } = (await import(path.join(ROOT, 'dist/server/app.js'))) as typeof import('../server/app.js');
  const relay = createRelay({
    logger: () => {},
    // Every page connects from loopback: no per-address cap.
    maxConnectionsPerIp: 0,
    static: [
      { prefix: '/dist/', dir: path.join(ROOT, 'dist') },
      { prefix: '/bench/', dir: path.join(ROOT, 'bench/pages') },
      ...(variant ? [{ prefix: '/variant/', dir: variant.dir }] : []),
    ],
  });
  const port = await relay.listen(0, '127.0.0.1');
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      timeout: 30_000,
    });
  } catch (e) {
    await relay.close();
    variant?.dispose();
    throw e;
  }
  return {
    browser,
    base: `http://127.0.0.1:${port}`,
    variants: variant ? Object.keys(VARIANTS) : [],
    async close() {
      await withTimeout(browser.close(), 15_000, 'browser close').catch(() => {});
      await relay.close();
      variant?.dispose();
    },
  };
}

async function newPage(env: Env, file: string): Promise<Page> {
  const context = await env.browser.newContext({ viewport: { width: 1000, height: 700 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (e) => console.error(`[page] ${e.message}`));
  if (process.env.DEBUG) page.on('console', (m) => console.log(`[page] ${m.text()}`));
  await page.goto(`${env.base}/bench/${file}${process.env.TRACE ? (file.includes('?') ? '&' : '?') + 'trace' : ''}`);
  return page;
}

/** Waits until the element's camera preview runs (media acquired before t0, as in the baseline). */
async function previewReady(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const el = document.querySelector('video-call') as unknown as { localStream?: MediaStream } | null;
    const v = el?.localStream?.getVideoTracks()[0];
    return v?.readyState === 'live';
  });
}

type Ev = { type: string; detail: Record<string, unknown>; at: number };

const room = (label: string) => `bench-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

async function join(page: Page, r: string): Promise<number> {
  return page.evaluate(async (r) => {
    const el = document.querySelector('video-call') as unknown as { room: string; join(): Promise<void> };
    const b = (window as unknown as { __bench: { frames: object; events: unknown[]; now(): number } }).__bench;
    b.frames = {};
    b.events = [];
    (b as unknown as { trace: unknown[] }).trace = [];
    const t0 = b.now();
    el.room = r;
    void el.join();
    return t0;
  }, r);
}

/**
 * Leaves, then turns the camera back on and waits for its preview: leaving turns the camera off
 * (its light goes out), so without this every run after the first would time a camera starting
 * inside `join()`, not a join with both previews running.
 */
async function leave(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const el = document.querySelector('video-call') as unknown as { leave(): Promise<void>; toggleCamera(on?: boolean): boolean };
    await el.leave();
    el.toggleCamera(true);
  });
  await previewReady(page);
}

/** Waits until the page has a first frame from `n` remote peers; returns those times (epoch ms) by peer id. */
async function framesFrom(page: Page, n: number, timeout = 20_000): Promise<Record<string, { at: number; how: string }>> {
  const h = await page.waitForFunction(
    (n) => {
      const f = (window as unknown as { __bench: { frames: Record<string, unknown> } }).__bench.frames;
      return Object.keys(f).length >= n ? f : false;
    },
    n,
    { timeout, polling: 10 },
  );
  return (await h.jsonValue()) as Record<string, { at: number; how: string }>;
}

const pageEvents = (page: Page): Promise<Ev[]> => page.evaluate(() => (window as unknown as { __bench: { events: Ev[] } }).__bench.events);

export interface ConnectSample {
  /**
   * The newcomer's view (the issue's figure): B's `vc-joined` → B presented its first frame of
   * A's remote video (ms). Baseline: the pair's start → the offering side (`b`) presented its
   * first remote frame.
   */
  newcomer: number;
  /** B's join() → both pages showed a remote frame (ms). */
  both: number;
  /** → B (the joiner) showed A's frame. */
  joiner: number;
  /** → A showed B's frame. */
  first: number;
  /** → B's join acknowledged (vc-joined). */
  joined: number;
  /** → A heard of B (vc-peer-joined). */
  peerJoined: number;
  /** → both RTCPeerConnections connected (vc-peer-connected on both pages). */
  connected: number;
}

async function elementConnectOnce(a: Page, b: Page): Promise<ConnectSample> {
  const r = room('connect');
  await join(a, r);
  await a.waitForFunction(() => (window as unknown as { __bench: { events: Ev[] } }).__bench.events.some((e) => e.type === 'vc-joined'));
  await a.evaluate(() => ((window as unknown as { __bench: { events: Ev[] } }).__bench.events = []));
  const t0 = await join(b, r);
  const [fa, fb] = await Promise.all([framesFrom(a, 1), framesFrom(b, 1)]);
  // Connection events may trail the first frame by a hair: give them a moment.
  await Promise.all(
    [a, b].map((p) =>
      p
        .waitForFunction(
          () => (window as unknown as { __bench: { events: Ev[] } }).__bench.events.some((e) => e.type === 'vc-peer-connected'),
          undefined,
          { timeout: 5000 },
        )
        .catch(() => {}),
    ),
  );
  const [ea, eb] = await Promise.all([pageEvents(a), pageEvents(b)]);
  const at = (evs: Ev[], type: string) => evs.find((e) => e.type === type)?.at ?? NaN;
  const first = Object.values(fa)[0].at - t0;
  const joiner = Object.values(fb)[0].at - t0;
  const sample = {
    newcomer: Object.values(fb)[0].at - at(eb, 'vc-joined'),
    both: Math.max(first, joiner),
    joiner,
    first,
    joined: at(eb, 'vc-joined') - t0,
    peerJoined: at(ea, 'vc-peer-joined') - t0,
    connected: Math.max(at(ea, 'vc-peer-connected'), at(eb, 'vc-peer-connected')) - t0,
  };
  if (process.env.TRACE) {
    type T = { what: string; at: number };
    const get = (p: Page) => p.evaluate(() => (window as unknown as { __bench: { trace: T[] } }).__bench.trace);
    const [ta, tb] = await Promise.all([get(a), get(b)]);
    const all = [...ta.map((e) => ({ ...e, who: 'A' })), ...tb.map((e) => ({ ...e, who: 'B' }))].sort((x, y) => x.at - y.at);
    console.log(all.map((e) => `${(e.at - t0).toFixed(1).padStart(7)} ${e.who} ${e.what}`).join('\n'));
    console.log(`frames A ${JSON.stringify(fa)} B ${JSON.stringify(fb)}`, sample);
  }
  await Promise.all([leave(a), leave(b)]);
  return sample;
}

interface BaselineSample {
  /** Start → the offering side (`b`, the newcomer's twin) presented its first remote frame. */
  newcomer: number;
  both: number;
  connected: number;
}

async function baselineOnce(page: Page, pairs: number, label: string): Promise<BaselineSample> {
  const { t0, keys } = await page.evaluate(
    ([pairs, label]) =>
      (window as unknown as { __bench: { start(n: number, l: string): { t0: number; keys: string[] } } }).__bench.start(
        pairs as number,
        label as string,
      ),
    [pairs, label] as const,
  );
  const frames = await framesFrom(page, keys.length);
  if (process.env.TRACE && pairs === 1) {
    const tr = await page.evaluate(() =>
      (window as unknown as { __bench: { trace: { what: string; at: number }[] } }).__bench.trace.splice(0),
    );
    console.log(
      'baseline:\n' +
        tr
          .filter((e) => e.at >= t0)
          .map((e) => `${(e.at - t0).toFixed(1).padStart(7)} ${e.what}`)
          .join('\n'),
    );
    console.log('frames', JSON.stringify(frames));
  }
  await page
    .waitForFunction(
      () => (window as unknown as { __bench: { connectedTimes(): unknown[] } }).__bench.connectedTimes().every(Boolean),
      undefined,
      { timeout: 5000 },
    )
    .catch(() => {});
  const connected = await page.evaluate(() => (window as unknown as { __bench: { connectedTimes(): number[] } }).__bench.connectedTimes());
  await page.evaluate(() => (window as unknown as { __bench: { stop(): void } }).__bench.stop());
  const offerer = keys.filter((k) => k.endsWith('-b'));
  return {
    newcomer: Math.max(...offerer.map((k) => frames[k].at)) - t0,
    both: Math.max(...keys.map((k) => frames[k].at)) - t0,
    connected: Math.max(...connected) - t0,
  };
}

const summary = (xs: number[]) => ({
  median: round(median(xs)),
  p90: round(quantile(xs, 0.9)),
  min: round(Math.min(...xs)),
  max: round(Math.max(...xs)),
});

type Summary = ReturnType<typeof summary>;

export interface ConnectBlock {
  /** `element` (dist/video-call.js) or a variant name. */
  build: string;
  element: Record<keyof ConnectSample, Summary>;
  baseline: { newcomer: Summary; both: Summary; connected: Summary };
  /** element.both.median / baseline.both.median. */
  ratio: number;
  /** element.newcomer.median / baseline.newcomer.median: `vc-joined` → the newcomer's first remote frame. */
  newcomerRatio: number;
  samples: { element: Record<string, number>[]; baseline: BaselineSample[] };
}

/**
 * One block per build: the element's two pages load that build, then `runs` connects, each
 * right after a baseline connect in the other page (interleaved, so drift in the machine's
 * load hits both). Each build's ratio is against its own block's baseline.
 */
export async function benchConnect(
  env: Env,
  runs = 10,
): Promise<{ runs: number; capture: { baseline: string; element: string[] }; blocks: ConnectBlock[] }> {
  const base = await newPage(env, 'baseline.html');
  await base.evaluate(() => (window as unknown as { __bench: { media(): Promise<unknown> } }).__bench.media());
  const a = await newPage(env, 'element.html');
  const b = await newPage(env, 'element.html');
  // Both capture the same (the fake camera at 1280x720): the baseline's figure is comparable.
  await Promise.all([previewReady(a), previewReady(b)]);
  const capture = {
    baseline: await base.evaluate(() => (window as unknown as { __bench: { capture(): string } }).__bench.capture()),
    element: await Promise.all(
      [a, b].map((p) =>
        p.evaluate(() => {
          const s = (document.querySelector('video-call') as unknown as { localStream?: MediaStream } | null)?.localStream
            ?.getVideoTracks()[0]
            ?.getSettings();
          return s ? `${s.width}x${s.height}@${s.frameRate}` : 'none';
        }),
      ),
    ),
  };
  const blocks: ConnectBlock[] = [];
  for (const build of ['element', ...env.variants]) {
    try {
      blocks.push(await connectBlock(env, base, a, b, build, runs));
    } catch (e) {
      if (build === 'element') throw e;
      console.error(`bench: connect, variant ${build}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  await Promise.all([a, b, base].map((p) => p.context().close()));
  return { runs, capture, blocks };
}

async function connectBlock(env: Env, base: Page, a: Page, b: Page, build: string, runs: number): Promise<ConnectBlock> {
  {
    if (build !== 'element') {
      const url = `${env.base}/bench/element-variant.html?v=${encodeURIComponent(build)}`;
      await Promise.all([a.goto(url), b.goto(url)]);
    }
    await Promise.all([previewReady(a), previewReady(b)]);
    // One warm-up of each (JIT, codecs), not counted.
    await baselineOnce(base, 1, `warm-${build}`);
    await elementConnectOnce(a, b);
    const el: ConnectSample[] = [];
    const bl: BaselineSample[] = [];
    for (let i = 0; i < runs; i++) {
      bl.push(await baselineOnce(base, 1, `${build}-${i}`));
      el.push(await elementConnectOnce(a, b));
    }
    const pick = (k: keyof ConnectSample) => summary(el.map((x) => x[k]));
    const element = {
      newcomer: pick('newcomer'),
      both: pick('both'),
      joiner: pick('joiner'),
      first: pick('first'),
      joined: pick('joined'),
      peerJoined: pick('peerJoined'),
      connected: pick('connected'),
    };
    const baseline = {
      newcomer: summary(bl.map((x) => x.newcomer)),
      both: summary(bl.map((x) => x.both)),
      connected: summary(bl.map((x) => x.connected)),
    };
    return {
      build,
      element,
      baseline,
      ratio: Math.round((element.both.median / baseline.both.median) * 100) / 100,
      newcomerRatio: Math.round((element.newcomer.median / baseline.newcomer.median) * 100) / 100,
      samples: {
        element: el.map((x) => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, round(v)]))),
        baseline: bl.map((x) => ({ newcomer: round(x.newcomer), both: round(x.both), connected: round(x.connected) })),
      },
    };
  }
}

function browserCpuSeconds(): number {
  return childPids(/chrom/).reduce((sum, pid) => sum + treeCpuSeconds(pid), 0);
}

async function cpuOver(ms: number): Promise<number> {
  const c0 = browserCpuSeconds();
  const t0 = performance.now();
  await sleep(ms);
  return (browserCpuSeconds() - c0) / ((performance.now() - t0) / 1000);
}

export async function benchMesh(env: Env, { size = 4, cpuMs = 10_000 } = {}) {
  const pages: Page[] = [];
  for (let i = 0; i < size; i++) pages.push(await newPage(env, 'element.html'));
  await Promise.all(pages.map(previewReady));
  await sleep(1000);
  const stopProbes = () =>
    Promise.all(pages.map((p) => p.evaluate(() => ((window as unknown as { __bench: { watching: boolean } }).__bench.watching = false))));
  await stopProbes();
  const idleCores = await cpuOver(cpuMs);
  await Promise.all(
    pages.map((p) => p.evaluate(() => ((window as unknown as { __bench: { watching: boolean } }).__bench.watching = true))),
  );
  const r = room('mesh');
  const t0s = await Promise.all(pages.map((p) => join(p, r)));
  const t0 = Math.min(...t0s);
  const frames = await Promise.all(pages.map((p) => framesFrom(p, size - 1, 30_000)));
  const allFrames = Math.max(...frames.flatMap((f) => Object.values(f).map((x) => x.at))) - t0;
  await Promise.all(
    pages.map((p) =>
      p
        .waitForFunction(
          (n) =>
            (window as unknown as { __bench: { events: Ev[] } }).__bench.events.filter((e) => e.type === 'vc-peer-connected').length >= n,
          size - 1,
          { timeout: 10_000 },
        )
        .catch(() => {}),
    ),
  );
  const evs = await Promise.all(pages.map(pageEvents));
  // Negotiation work per page (a glare shows as extra offers and rollbacks).
  const negotiation = await Promise.all(
    pages.map((p) =>
      p.evaluate(() => {
        const count = { offers: 0, answers: 0, rollbacks: 0, failed: 0 };
        for (const { what } of (window as unknown as { __bench: { trace: { what: string }[] } }).__bench.trace) {
          if (what === 'setLocalDescription:stable') count.offers++;
          else if (what === 'setLocalDescription:have-remote-offer') count.answers++;
          else if (what === 'setRemoteDescription:rollback') count.rollbacks++;
          else if (what.endsWith(' failed')) count.failed++;
        }
        return count;
      }),
    ),
  );
  const connected = evs.flat().filter((e) => e.type === 'vc-peer-connected');
  if (process.env.TRACE) {
    evs.forEach((list, i) =>
      console.log(`page ${i}: ${list.map((e) => `${e.type.replace('vc-', '')}@${(e.at - t0).toFixed(0)}`).join(' ')}`),
    );
  }
  const allConnected = connected.length >= size * (size - 1) ? Math.max(...connected.map((e) => e.at)) - t0 : NaN;
  await stopProbes();
  await sleep(2000);
  const callCores = await cpuOver(cpuMs);
  const videos = await Promise.all(
    pages.map((p) =>
      p.evaluate(() =>
        (window as unknown as { __bench: { remoteVideos(): HTMLVideoElement[] } }).__bench
          .remoteVideos()
          .map((v) => ({ w: v.videoWidth, h: v.videoHeight, frames: v.getVideoPlaybackQuality().totalVideoFrames })),
      ),
    ),
  );
  await Promise.all(pages.map(leave));
  await Promise.all(pages.map((p) => p.context().close()));

  // Baseline: the same number of connections as loopback pairs in one page, no signaling.
  const base = await newPage(env, 'baseline.html');
  await base.evaluate(() => (window as unknown as { __bench: { media(): Promise<unknown> } }).__bench.media());
  await baselineOnce(base, 1, 'warm');
  const pairs = (size * (size - 1)) / 2;
  const bl = await baselineOnce(base, pairs, 'mesh');
  await base.context().close();
  return {
    size,
    allFramesMs: round(allFrames),
    allConnectedMs: round(allConnected),
    baseline: { pairs, allFramesMs: round(bl.both), allConnectedMs: round(bl.connected) },
    cpu: { intervalMs: cpuMs, idlePreviewCores: round(idleCores, 2), inCallCores: round(callCores, 2) },
    remoteVideos: videos,
    negotiation,
  };
}

export async function runBrowserBenches(opts: { runs?: number; mesh?: boolean; connect?: boolean; variant?: boolean } = {}) {
  const env = await startEnv(opts.connect !== false && opts.variant !== false);
  try {
    const connect = opts.connect === false ? null : await withTimeout(benchConnect(env, opts.runs ?? 10), 300_000, 'connect bench');
    const mesh = opts.mesh === false ? null : await withTimeout(benchMesh(env), 180_000, 'mesh bench');
    return { connect, mesh };
  } finally {
    await env.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runBrowserBenches({ runs: Number(process.env.RUNS ?? 10), mesh: process.env.MESH !== '0' });
  console.log(JSON.stringify(r, null, 2));
}
