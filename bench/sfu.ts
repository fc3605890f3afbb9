/**
 * SFU bench (issue 13): what a room on Janus costs each browser, next to the same room as a mesh.
 *
 * Everything is real and runs in the netns lab, as test/e2e/sfu.test.ts does (Janus gathers no
 * ICE candidates on loopback): Janus (Debian's, VideoRoom) in the lab's first namespace
 * (test/e2e/janus.ts), the built relay on the host with Janus configured (it creates the room and
 * mints the tokens), and Chromium in the other two namespaces, pages of the script-tag bundle
 * alternating between them. Each page is its own Chromium (its own browser process tree), so a
 * page's CPU is its browser's: all its processes, from /proc, as bench/browser.ts measures.
 *
 * - Four pages join one room at once, `topology="mesh"` (the baseline) and then
 *   `topology="sfu"`, the element's default camera (1280×720 asked of the fake camera): time from
 *   the last page's `vc-joined` until every page sees every other (below); then, over the same
 *   10 s, each page's browser CPU and its upload (outbound-rtp `bytesSent` of all its peer
 *   connections, audio and video), medians over the four pages; and Janus's CPU.
 * - Eight pages join one room at once on the SFU, in two browsers (one per namespace, four
 *   contexts each, as the e2e tests open pages: eight whole Chromiums starve two cores), the fake
 *   camera at 320×180 and 15 fps (the bench's init script asks getUserMedia for that; eight
 *   encoders and 56 decoders share the two cores): time from the last page's `vc-joined` until
 *   every page sees every other, printed
 *   beside the four-page SFU time of the same run. Past `eightTimeoutMs` it reports how many of
 *   the 56 pairs were seen rather than waiting on.
 *
 * "Sees" as the e2e tests decide it (harness.ts waitForLiveVideos): the page's remote video of
 * that peer has a frame size, is not paused and its frames advance (by 3 or more) while it stays
 * so; the moment is the sample (every 500 ms) where that unbroken run began.
 *
 * Needs root (network namespaces) and janus: without them the section says why and is skipped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import {
  callPage,
  closeAll,
  events,
  launchBrowserIn,
  loadBuiltRelay,
  newPerson,
  remoteVideos,
  room,
  startStaticServer,
  waitForEvent,
  type Person,
} from '../test/e2e/harness.js';
import { JANUS, startJanus, type JanusLabServer } from '../test/e2e/janus.js';
import { createLab, type Lab, type Side } from '../test/e2e/netns.js';
import { median, round, sleep, treeCpuSeconds, withTimeout } from './util.js';

/** Why the section cannot run here, or null. */
export function sfuSkipReason(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (the netns lab: Janus gathers no ICE candidates on loopback)';
  if (!existsSync(JANUS)) return `Janus is not installed (${JANUS}; apt-get install janus)`;
  return null;
}

interface Slot {
  browser: Browser;
  side: Side;
  /** The browser's pid: its processes are this one's tree. */
  pid: number;
}

interface Member {
  person: Person;
  page: Page;
  id: string;
  /** Epoch ms of the page's vc-joined. */
  joinedAt: number;
  slot: Slot;
}

/** What the pages saw: pairs (page sees peer) that became live, and when everyone saw everyone. */
export interface AllSee {
  pages: number;
  pairs: number;
  /** Pairs live at the end (all of them when `ms` is a number). */
  seen: number;
  /** Last page's vc-joined → every page sees every other (ms), or null if not within the timeout. */
  ms: number | null;
  /** Per page, last join → it saw all the others (ms). */
  perPage: (number | null)[];
  /** Last join − first join (ms): how spread the simultaneous joins were. */
  joinSpreadMs: number;
  /** Per page at the end: remote videos shown, how many of them seen, its topology. */
  last: string[];
  /** [ms after the last join, pairs seen] whenever that count changed. */
  progress: [number, number][];
  /** Per page, its vc-topology {topology: 'sfu'} (ms after the last join; null: none). */
  movedMs: (number | null)[];
}

export interface CallFigures {
  topology: 'mesh' | 'sfu';
  camera: string;
  allSee: AllSee;
  windowMs: number;
  /** Per page: its browser's CPU (cores) over the window. */
  cpuCores: number[];
  /** Per page: what it sent (outbound-rtp bytesSent, every connection, audio + video), kbit/s. */
  uploadKbps: number[];
  /** Per page: peer connections open, and what each video sender sends (rid, size). */
  senders: string[];
  janusCpuCores: number;
  median: { cpuCores: number; uploadKbps: number };
}

export interface SfuBenchResult {
  skipped?: string;
  mesh?: CallFigures;
  sfu?: CallFigures;
  eight?: AllSee & { camera: string; timeoutMs: number };
}

const MODEST_CAMERA = { width: 320, height: 180, frameRate: 15 };

/** Init script: the page's camera asked at `size` (the element asks 1280×720; the fake camera gives what is asked). */
function modestCamera(size: { width: number; height: number; frameRate: number }) {
  const md = navigator.mediaDevices;
  if (!md?.getUserMedia) return;
  const gum = md.getUserMedia.bind(md);
  md.getUserMedia = (c?: MediaStreamConstraints) =>
    gum(
      c?.video
        ? {
            ...c,
            video: {
              ...(typeof c.video === 'object' ? c.video : {}),
              width: { ideal: size.width },
              height: { ideal: size.height },
              frameRate: { ideal: size.frameRate },
            },
          }
        : c,
    );
}

/** CPU seconds used so far by everything in a namespace (Janus's). */
function namespaceCpuSeconds(ns: string): number {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 5000 }).split(/\s+/).filter(Boolean);
    return pids.reduce((sum, pid) => sum + treeCpuSeconds(Number(pid)), 0);
  } catch {
    return NaN;
  }
}

/** Per outbound-rtp stream of the page's peer connections (harness's __vc.pcs), its bytesSent. */
function bytesSent(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const out: Record<string, number> = {};
    const pcs = (window as unknown as { __vc: { pcs: RTCPeerConnection[] } }).__vc.pcs;
    for (const [i, pc] of pcs.entries()) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((r: { type: string; id: string; bytesSent?: number }) => {
        if (r.type === 'outbound-rtp') out[`${i}:${r.id}`] = r.bytesSent ?? 0;
      });
    }
    return out;
  });
}

/** For results.json: the page's open connections and what each video sender sends. */
function senders(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __vc: { pcs: RTCPeerConnection[] } }).__vc.pcs.filter((pc) => pc.connectionState !== 'closed');
    const parts: string[] = [];
    for (const pc of pcs) {
      const out: string[] = [];
      (await pc.getStats()).forEach((r: Record<string, unknown>) => {
        if (r.type === 'outbound-rtp' && r.kind === 'video')
          out.push(`${r.rid ?? '-'}:${r.frameWidth ?? 0}x${r.frameHeight ?? 0}${r.active === false ? ':off' : ''}`);
      });
      parts.push(out.length ? out.join(',') : 'recv');
    }
    return `${pcs.length} pc [${parts.join(' | ')}]`;
  });
}

/**
 * Samples every page's remote videos every `interval` ms until every page sees every other, or
 * `timeout`. `t0`: the last join (epoch ms). With `topology`, every page must also report it.
 */
async function watchAllSee(members: Member[], t0: number, timeout: number, topology: string, interval = 500): Promise<AllSee> {
  const n = members.length;
  type Run = { since: number; base: number; last: number; live: boolean };
  const runs = new Map<string, Run>();
  const deadline = Date.now() + timeout;
  let seen: number;
  const perPage: (number | null)[] = members.map(() => null);
  const last: string[] = members.map(() => '');
  const progress: [number, number][] = [];
  for (;;) {
    const at = Date.now();
    // A page too busy to answer within 5 s keeps its state for this round (null).
    const samples = await Promise.all(members.map((m) => withTimeout(remoteVideos(m.page), 5000, 'sample').catch(() => null)));
    seen = 0;
    for (const [i, m] of members.entries()) {
      let all = true;
      const sample = samples[i];
      for (const o of members) {
        if (o === m) continue;
        const key = `${m.id}>${o.id}`;
        if (!sample) {
          if (runs.get(key)?.live) seen++;
          else all = false;
          continue;
        }
        const v = sample.find((s) => s.peerId === o.id);
        const playing = !!v && v.width > 0 && v.height > 0 && !v.paused && v.frames > 0;
        let run = runs.get(key);
        if (!playing || !run || v.frames < run.last) {
          run = playing ? { since: at, base: v.frames, last: v.frames, live: false } : undefined;
          if (run) runs.set(key, run);
          else runs.delete(key);
        } else {
          run.last = v.frames;
          run.live ||= v.frames >= run.base + 3;
        }
        if (run?.live) seen++;
        else all = false;
      }
      const live = members.filter((o) => runs.get(`${m.id}>${o.id}`)?.live).length;
      if (sample) last[i] = `${sample.length} videos, ${live} seen`;
      // A page's own moment: the latest start among its live runs.
      perPage[i] = all ? Math.max(...members.filter((o) => o !== m).map((o) => runs.get(`${m.id}>${o.id}`)!.since)) - t0 : null;
    }
    if (seen !== progress.at(-1)?.[1]) progress.push([round(at - t0, 0), seen]);
    if (seen === n * (n - 1)) {
      const topologies = await Promise.all(
        members.map((m) =>
          m.page.evaluate(() => (document.querySelector('video-call') as unknown as { topology: string }).topology).catch(() => '?'),
        ),
      );
      if (topologies.every((t) => t === topology)) break;
    }
    if (Date.now() > deadline) {
      // Where each page got to: its topology and its peer connections' states.
      const states = await Promise.all(
        members.map((m) =>
          m.page
            .evaluate(() => {
              const pcs = (window as unknown as { __vc: { pcs: RTCPeerConnection[] } }).__vc.pcs.filter(
                (pc) => pc.connectionState !== 'closed',
              );
              const el = document.querySelector('video-call') as unknown as { topology: string };
              return `${el.topology}, connections ${pcs.map((pc) => pc.connectionState).join(' ')}`;
            })
            .catch(() => '?'),
        ),
      );
      states.forEach((t, i) => (last[i] += `, ${t}`));
      break;
    }
    await sleep(Math.max(0, interval - (Date.now() - at)));
  }
  const done = seen === n * (n - 1);
  const movedMs = await Promise.all(
    members.map((m) =>
      events(m.page, 'vc-topology')
        .then(async (evs) => {
          const e = evs.find((x) => (x.detail as { topology?: string }).topology === 'sfu');
          return e ? round((await m.page.evaluate(() => performance.timeOrigin)) + e.at - t0, 0) : null;
        })
        .catch(() => null),
    ),
  );
  const joins = members.map((m) => m.joinedAt);
  return {
    pages: n,
    pairs: n * (n - 1),
    seen,
    ms: done ? round(Math.max(0, ...perPage.map((x) => x ?? 0))) : null,
    perPage: perPage.map((x) => (x === null ? null : round(x))),
    joinSpreadMs: round(Math.max(...joins) - Math.min(...joins)),
    last,
    progress,
    movedMs,
  };
}

interface Stage {
  lab: Lab;
  janus: JanusLabServer;
  web: Awaited<ReturnType<typeof startStaticServer>>;
  relayPort: number;
  slots: Slot[];
}

async function launch(stage: Stage, count: number): Promise<void> {
  while (stage.slots.length < count) {
    const side = stage.lab.sides[1 + (stage.slots.length % 2)];
    const browser = await launchBrowserIn(side, stage.web.port);
    stage.slots.push({ browser, side, pid: side.browserPids().at(-1)! });
  }
}

/**
 * Opens one page in a room per slot, all at once (a slot may come twice: pages of one browser,
 * each its own context); resolves once every page has joined.
 */
async function openRoom(stage: Stage, slots: Slot[], attrs: string, people: Person[], camera?: typeof MODEST_CAMERA): Promise<Member[]> {
  const r = room(`bench-sfu${slots.length}`);
  return Promise.all(
    slots.map(async (slot, i) => {
      const person = await newPerson(
        slot.browser,
        `P${i}`,
        camera ? async (ctx) => void (await ctx.addInitScript(modestCamera, camera)) : undefined,
      );
      people.push(person);
      const origin = `http://${slot.side.hostAddr}`;
      const html = callPage({ relayUrl: `${origin}:${stage.relayPort}`, room: r, name: `P${i}`, attrs });
      await person.page.goto(`${origin}:${stage.web.port}${stage.web.addPath(html)}`, { timeout: 60_000 });
      const joined = await waitForEvent<{ selfId: string }>(person.page, 'vc-joined', {}, 60_000);
      const origin0 = await person.page.evaluate(() => performance.timeOrigin);
      return { person, page: person.page, id: joined.detail.selfId, joinedAt: origin0 + joined.at, slot };
    }),
  );
}

/** Four pages in one room on `topology`: time to all-see, then CPU and upload per page over one window. */
async function fourPages(stage: Stage, topology: 'mesh' | 'sfu', windowMs: number): Promise<CallFigures> {
  const people: Person[] = [];
  try {
    const members = await openRoom(stage, stage.slots.slice(0, 4), `topology="${topology}"`, people);
    const t0 = Math.max(...members.map((m) => m.joinedAt));
    const allSee = await watchAllSee(members, t0, 60_000, topology);
    // Not all there within 60 s: the figures below are of the call as it is, and say so.
    if (allSee.ms === null) say(`4 pages, ${topology}: ${allSee.seen} of ${allSee.pairs} pairs seen in 60 s; ${allSee.last.join('; ')}`);
    // Past the first seconds (retired mesh links close 4 s after a move; bitrates ramp up).
    await sleep(5000);
    const janusNs = stage.lab.sides[0].ns;
    const bytes0 = await Promise.all(members.map((m) => bytesSent(m.page)));
    const sent0 = performance.now();
    const cpu0 = members.map((m) => treeCpuSeconds(m.slot.pid));
    const janus0 = namespaceCpuSeconds(janusNs);
    const w0 = performance.now();
    await sleep(windowMs);
    const cpu1 = members.map((m) => treeCpuSeconds(m.slot.pid));
    const janus1 = namespaceCpuSeconds(janusNs);
    const seconds = (performance.now() - w0) / 1000;
    const bytes1 = await Promise.all(members.map((m) => bytesSent(m.page)));
    const sentSeconds = (performance.now() - sent0) / 1000;
    const cpuCores = members.map((m, i) => round((cpu1[i] - cpu0[i]) / seconds, 2));
    // Streams present at both ends of the window (a connection closed meanwhile is left out).
    const uploadKbps = members.map((m, i) => {
      const sent = Object.entries(bytes1[i]).reduce((sum, [k, v]) => sum + (k in bytes0[i] ? v - bytes0[i][k] : 0), 0);
      return round((sent * 8) / 1000 / sentSeconds, 0);
    });
    return {
      topology,
      camera: 'default (1280x720 asked)',
      allSee,
      windowMs,
      cpuCores,
      uploadKbps,
      senders: await Promise.all(members.map((m) => senders(m.page))),
      janusCpuCores: round((janus1 - janus0) / seconds, 2),
      median: { cpuCores: round(median(cpuCores), 2), uploadKbps: round(median(uploadKbps), 0) },
    };
  } finally {
    await closeAll(...people.map((p) => () => p.context.close()));
  }
}

const say = (what: string) => process.stderr.write(`bench: sfu: ${what}\n`);

export async function runSfuBench({ windowMs = 10_000, eightTimeoutMs = 120_000, four = true } = {}): Promise<SfuBenchResult> {
  const why = sfuSkipReason();
  if (why) return { skipped: why };
  let lab: Lab;
  try {
    lab = createLab(3);
  } catch (e) {
    return { skipped: (e as Error).message.split('\n')[0] };
  }
  let stage: Stage | undefined;
  let relay: { close(): Promise<void> } | undefined;
  try {
    const janus = await startJanus({ side: lab.sides[0] });
    const web = await startStaticServer('0.0.0.0');
    stage = { lab, janus, web, relayPort: 0, slots: [] };
    const { createRelay } = await loadBuiltRelay();
    const r = createRelay({
      logger: () => {},
      maxConnectionsPerIp: 0,
      janus: { urls: [janus.url], adminKey: janus.adminKey, tokenSecret: janus.tokenSecret },
    });
    relay = r;
    stage.relayPort = await r.listen(0, '0.0.0.0');
    await launch(stage, four ? 4 : 2);
    let mesh: CallFigures | undefined;
    let sfu: CallFigures | undefined;
    if (four) {
      mesh = await fourPages(stage, 'mesh', windowMs);
      say(
        `4 pages, mesh: all see all ${mesh.allSee.ms} ms after the last join; CPU ${mesh.cpuCores.join(' ')}; kbit/s ${mesh.uploadKbps.join(' ')}`,
      );
      await sleep(2000);
      sfu = await fourPages(stage, 'sfu', windowMs);
      say(
        `4 pages, SFU: all see all ${sfu.allSee.ms} ms after the last join; CPU ${sfu.cpuCores.join(' ')}; kbit/s ${sfu.uploadKbps.join(' ')}`,
      );
      await sleep(2000);
    }
    const people: Person[] = [];
    try {
      // Eight pages in the first two browsers (one per namespace, four contexts each, as the e2e
      // tests open them): eight whole Chromiums at once starve two cores. The others go.
      await closeAll(...stage.slots.splice(2).map((s) => () => s.browser.close()));
      const slots = Array.from({ length: 8 }, (_, i) => stage!.slots[i % 2]);
      const members = await openRoom(stage, slots, 'topology="sfu"', people, MODEST_CAMERA);
      const t0 = Math.max(...members.map((m) => m.joinedAt));
      say(`8 pages joined (${round(t0 - Math.min(...members.map((m) => m.joinedAt)))} ms apart)`);
      const eight = await watchAllSee(members, t0, eightTimeoutMs, 'sfu');
      say(`8 pages, SFU: ${eight.seen} of ${eight.pairs} pairs seen, all ${eight.ms} ms; ${eight.last.join('; ')}`);
      const { width, height, frameRate } = MODEST_CAMERA;
      return { mesh, sfu, eight: { ...eight, camera: `${width}x${height}@${frameRate}`, timeoutMs: eightTimeoutMs } };
    } finally {
      await closeAll(...people.map((p) => () => p.context.close()));
    }
  } finally {
    await closeAll(
      ...(stage?.slots ?? []).map((s) => () => s.browser.close()),
      () => relay?.close() ?? Promise.resolve(),
      () => stage?.web.close() ?? Promise.resolve(),
      () => stage?.janus.close() ?? Promise.resolve(),
    );
    await lab.teardown();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runSfuBench({ four: process.env.SFU_FOUR !== '0' }), null, 2));
}
