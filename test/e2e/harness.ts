/**
 * End-to-end harness: the BUILT bundle (dist/video-call.js) served by a tiny static
 * server on one origin, the BUILT relay (dist/server/app.js) on another, and Debian's
 * Chromium driven by playwright-core. Nothing here mocks the element or the network:
 * the init script only observes (records events, counts setLocalDescription calls,
 * remembers peer connections and getUserMedia tracks) and always calls through.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = path.join(ROOT, 'dist');

type RelayModule = typeof import('../../server/app.js');

/**
 * The built relay. Imported by a computed path so `tsc` (run before the build in
 * `npm test`) takes its types from the source while the test runs the build output.
 */
export async function loadBuiltRelay(): Promise<RelayModule> {
  const file = path.join(DIST, 'server', 'app.js');
  return (await import(new URL(`file://${file}`).href)) as RelayModule;
}

export async function startRelay(options: Parameters<RelayModule['createRelay']>[0] = {}) {
  const { createRelay } = await loadBuiltRelay();
  const relay = createRelay({ logger: () => {}, ...options });
  const port = await relay.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}`, close: () => relay.close() };
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.html': 'text/html; charset=utf-8',
};

/**
 * A static origin: `/dist/…` from the build, `/p/<n>.html` pages registered on the fly.
 * `host` is where it listens (0.0.0.0 for browsers in other network namespaces).
 */
export async function startStaticServer(host = '127.0.0.1') {
  const pages = new Map<string, string>();
  const requests: string[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      requests.push(url.pathname + url.search);
      if (pages.has(url.pathname)) {
        res.writeHead(200, { 'Content-Type': TYPES['.html'], 'Cache-Control': 'no-store' }).end(pages.get(url.pathname));
        return;
      }
      if (url.pathname.startsWith('/dist/')) {
        const file = path.join(DIST, path.normalize(url.pathname.slice('/dist/'.length)));
        if (file.startsWith(DIST + path.sep)) {
          try {
            const body = await readFile(file);
            res
              .writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' })
              .end(body);
            return;
          } catch {
            /* 404 below */
          }
        }
      }
      res.writeHead(404).end('not found');
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  /** Registers a page; returns its path. */
  const addPath = (html: string): string => {
    const p = `/p/${++n}.html`;
    pages.set(p, html);
    return p;
  };
  return {
    origin,
    port,
    requests,
    addPath,
    /** Registers a page; returns its absolute URL on 127.0.0.1. */
    addPage: (html: string): string => origin + addPath(html),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface CallPageOptions {
  /** How the bundle is loaded. Default `classic`. */
  script?: 'classic' | 'module';
  relayUrl: string;
  room: string;
  name: string;
  /** Extra markup in <head> after the bundle's script tag. */
  extraHead?: string;
  /** Extra attributes on <video-call>. */
  attrs?: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** A page as an embedder writes it: the script tag, then the element. */
export function callPage(o: CallPageOptions): string {
  const tag =
    o.script === 'module' ? '<script type="module" src="/dist/video-call.js"></script>' : '<script src="/dist/video-call.js"></script>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(o.name)}</title>
${tag}
${o.extraHead ?? ''}
<style>video-call { display: block; width: 960px; height: 640px; }</style>
</head><body>
<video-call room="${esc(o.room)}" server="${esc(o.relayUrl)}" ice-servers="[]" name="${esc(o.name)}" autojoin ${o.attrs ?? ''}></video-call>
</body></html>`;
}

/**
 * Observation hooks installed before any page script. They record and call through;
 * the page behaves exactly as without them.
 */
function observe() {
  type Rec = { type: string; detail: unknown; at: number };
  type Observed = { events: Rec[]; sld: number; pcs: RTCPeerConnection[]; gumTracks: MediaStreamTrack[] };
  const vc: Observed = { events: [], sld: 0, pcs: [], gumTracks: [] };
  (window as unknown as { __vc: Observed }).__vc = vc;
  const types = [
    'vc-joined',
    'vc-left',
    'vc-peer-joined',
    'vc-peer-connected',
    'vc-peer-left',
    'vc-incoming-call',
    'vc-peer-media',
    'vc-chat-message',
    'vc-screen-share',
    'vc-recording',
    'vc-error',
    'vc-topology',
  ];
  for (const type of types) {
    window.addEventListener(
      type,
      (e) => {
        let detail: unknown;
        try {
          detail = JSON.parse(JSON.stringify((e as CustomEvent).detail ?? null));
        } catch {
          detail = String((e as CustomEvent).detail);
        }
        vc.events.push({ type, detail, at: performance.now() });
      },
      true,
    );
  }
  const proto = RTCPeerConnection.prototype;
  const sld = proto.setLocalDescription;
  proto.setLocalDescription = function (this: RTCPeerConnection, ...args: unknown[]) {
    vc.sld++;
    if (!vc.pcs.includes(this)) vc.pcs.push(this);
    return (sld as (...a: unknown[]) => Promise<void>).apply(this, args);
  } as typeof proto.setLocalDescription;
  const md = navigator.mediaDevices;
  if (md?.getUserMedia) {
    const gum = md.getUserMedia.bind(md);
    md.getUserMedia = async (c?: MediaStreamConstraints) => {
      const s = await gum(c);
      vc.gumTracks.push(...s.getTracks());
      return s;
    };
  }
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--use-fake-device-for-media-stream',
  '--disable-gpu',
  '--disable-dev-shm-usage', // containers often give /dev/shm only 64 MB
  '--disable-background-networking',
  '--disable-component-update',
  '--autoplay-policy=no-user-gesture-required',
];

/** Debian's Chromium. `fakeUi` answers every camera/mic/screen prompt with "allow". */
export function launchBrowser({ fakeUi = true } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: fakeUi ? [...CHROMIUM_ARGS, '--use-fake-ui-for-media-stream'] : CHROMIUM_ARGS,
    timeout: 30_000,
  });
}

/**
 * Debian's Chromium inside a netns lab side (`side.chromium` is a wrapper that runs it in the
 * side's namespace). The page origin there is plain http on a lab address: it may use the (fake)
 * camera as localhost could.
 */
export function launchBrowserIn(side: { chromium: string; hostAddr: string }, webPort: number): Promise<Browser> {
  return chromium.launch({
    executablePath: side.chromium,
    args: [
      ...CHROMIUM_ARGS,
      '--use-fake-ui-for-media-stream',
      `--unsafely-treat-insecure-origin-as-secure=http://${side.hostAddr}:${webPort}`,
    ],
    timeout: 30_000,
  });
}

export interface Person {
  name: string;
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions and unhandled rejections in the page. */
  errors: string[];
  /** alert()/confirm()/prompt() the page opened. */
  dialogs: string[];
}

/** One person: their own browser context (own permissions, storage) and one tab. */
export async function newPerson(browser: Browser, name: string, prepare?: (ctx: BrowserContext) => Promise<void>): Promise<Person> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  if (prepare) await prepare(context);
  await context.addInitScript(observe);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const person: Person = { name, context, page, errors: [], dialogs: [] };
  page.on('pageerror', (e) => person.errors.push(`${e.name}: ${e.message}`));
  page.on('dialog', (d) => {
    person.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => {});
  });
  if (process.env.DEBUG) page.on('console', (m) => console.log(`[${name}] ${m.type()}: ${m.text()}`));
  return person;
}

export interface VcEvent<D = Record<string, unknown>> {
  type: string;
  detail: D;
  at: number;
}

export function events(page: Page, type?: string): Promise<VcEvent[]> {
  return page.evaluate((t) => {
    const all = (window as unknown as { __vc: { events: VcEvent[] } }).__vc.events;
    return t ? all.filter((e) => e.type === t) : all;
  }, type);
}

/** Waits for an event of `type` whose detail contains every field of `match`. */
export async function waitForEvent<D = Record<string, unknown>>(
  page: Page,
  type: string,
  match: Record<string, unknown> = {},
  opts: number | { timeout?: number; since?: number } = {},
): Promise<VcEvent<D>> {
  const { timeout = 20_000, since = -1 } = typeof opts === 'number' ? { timeout: opts } : opts;
  const handle = await page
    .waitForFunction(
      ({ type, match, since }) => {
        const all = (window as unknown as { __vc: { events: VcEvent[] } }).__vc.events;
        return (
          all.find(
            (e) =>
              e.type === type && e.at > since && Object.entries(match).every(([k, v]) => (e.detail as Record<string, unknown>)?.[k] === v),
          ) ?? false
        );
      },
      { type, match, since },
      { timeout, polling: 100 },
    )
    .catch(async (err: Error) => {
      const seen = await events(page).catch(() => []);
      throw new Error(
        `no ${type} ${JSON.stringify(match)} within ${timeout} ms; events seen: ${JSON.stringify(seen.map((e) => [e.type, e.detail]))}\n` +
          `peer connections: ${await connectionStates(page)}\n${err.message}`,
      );
    });
  return (await handle.jsonValue()) as VcEvent<D>;
}

/** For failure messages: each of the page's peer connections, its states and how far its ICE got. */
async function connectionStates(page: Page): Promise<string> {
  return page
    .evaluate(async () => {
      const out = [];
      for (const pc of (window as unknown as { __vc: { pcs: RTCPeerConnection[] } }).__vc.pcs) {
        const kinds: Record<string, number> = {};
        (await pc.getStats()).forEach((s: { type: string; state?: string; candidateType?: string }) => {
          const key = s.type === 'candidate-pair' ? `pair:${s.state}` : s.type.endsWith('-candidate') ? `${s.type}:${s.candidateType}` : '';
          if (key) kinds[key] = (kinds[key] ?? 0) + 1;
        });
        out.push({
          connection: pc.connectionState,
          ice: pc.iceConnectionState,
          signaling: pc.signalingState,
          gathering: pc.iceGatheringState,
          local: pc.localDescription?.type ?? null,
          remote: pc.remoteDescription?.type ?? null,
          stats: kinds,
        });
      }
      return JSON.stringify(out);
    })
    .catch((e: Error) => `(unreadable: ${e.message.split('\n')[0]})`);
}

/** The page's clock, for `waitForEvent(…, {since})`: only events after now. */
export function now(page: Page): Promise<number> {
  return page.evaluate(() => performance.now());
}

export async function selfId(page: Page): Promise<string> {
  const e = await waitForEvent<{ selfId: string }>(page, 'vc-joined');
  return e.detail.selfId;
}

export interface VideoSample {
  peerId: string;
  width: number;
  height: number;
  frames: number;
  paused: boolean;
  /** The id of the video track it plays ('' for none). */
  track: string;
}

/** What the remote `<video part="remote-video">` elements in the page show right now. */
export function remoteVideos(page: Page): Promise<VideoSample[]> {
  return page.evaluate(() => {
    const el = document.querySelector('video-call');
    const vids = [...(el?.shadowRoot?.querySelectorAll<HTMLVideoElement>('video[part~="remote-video"]') ?? [])];
    return vids.map((v) => ({
      peerId: v.dataset.peerId ?? '',
      width: v.videoWidth,
      height: v.videoHeight,
      frames: v.getVideoPlaybackQuality().totalVideoFrames,
      paused: v.paused,
      track: (v.srcObject as MediaStream | null)?.getVideoTracks()[0]?.id ?? '',
    }));
  });
}

/**
 * Waits until the page shows exactly the remote videos of `peerIds`, each playing
 * live video: a frame size, not paused, and frames advancing between two samples
 * `interval` ms apart. Returns the last sample.
 */
export async function waitForLiveVideos(
  page: Page,
  peerIds: string[],
  { timeout = 25_000, interval = 800, check }: { timeout?: number; interval?: number; check?: (v: VideoSample) => boolean } = {},
): Promise<VideoSample[]> {
  const deadline = Date.now() + timeout;
  let before = await remoteVideos(page);
  let last: VideoSample[] = before;
  while (Date.now() < deadline) {
    await page.waitForTimeout(interval);
    const now = await remoteVideos(page);
    last = now;
    const ok =
      now.length === peerIds.length &&
      peerIds.every((id) => {
        const v = now.find((s) => s.peerId === id);
        const b = before.find((s) => s.peerId === id);
        return v && b && v.width > 0 && v.height > 0 && !v.paused && v.frames >= b.frames + 3 && (!check || check(v));
      });
    if (ok) return now;
    before = now;
  }
  throw new Error(`remote videos not live for ${JSON.stringify(peerIds)} within ${timeout} ms; last sample: ${JSON.stringify(last)}`);
}

/** Polls the remote video of `peerId` until `ok` holds for it; returns that sample. */
export async function waitForRemoteVideo(
  page: Page,
  peerId: string,
  ok: (v: VideoSample) => boolean | Promise<boolean>,
  { timeout = 15_000, what = 'condition' } = {},
): Promise<VideoSample> {
  const deadline = Date.now() + timeout;
  let last: VideoSample[] = [];
  while (Date.now() < deadline) {
    last = await remoteVideos(page);
    const v = last.find((s) => s.peerId === peerId);
    if (v && (await ok(v))) return v;
    await page.waitForTimeout(200);
  }
  throw new Error(`remote video of ${peerId}: no ${what} within ${timeout} ms; last sample: ${JSON.stringify(last)}`);
}

/** Closes everything, never throwing (for `after` hooks). */
export async function closeAll(...closers: (() => Promise<unknown>)[]): Promise<void> {
  for (const c of closers) {
    try {
      await Promise.race([c(), new Promise((r) => setTimeout(r, 10_000))]);
    } catch {
      /* keep closing the rest */
    }
  }
}

/**
 * The usual stage for a test file: the built bundle served from one origin, a relay that admits
 * only that origin (so the cross-origin path, CORS and handshake, is really taken) and one
 * browser; set up before the file's tests and closed after them. Read its fields inside tests.
 */
export function useStage(options: { fakeUi?: boolean } = {}) {
  const stage = {} as {
    web: Awaited<ReturnType<typeof startStaticServer>>;
    relay: Awaited<ReturnType<typeof startRelay>>;
    browser: Browser;
  };
  before(async () => {
    stage.web = await startStaticServer();
    stage.relay = await startRelay({ allowedOrigins: [stage.web.origin] });
    stage.browser = await launchBrowser(options);
  });
  after(() =>
    closeAll(
      () => stage.browser?.close(),
      () => stage.relay?.close(),
      () => stage.web?.close(),
    ),
  );
  return stage;
}

/** A fresh room name per test, so tests never see each other's peers. */
export const room = (label: string) => `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
