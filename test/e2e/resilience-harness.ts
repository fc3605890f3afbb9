/**
 * Helpers for the resilience tests (issue 5), on top of `harness.ts`: a relay in its own
 * process that can be SIGKILLed and restarted on the same port, a static origin on any
 * address (namespaced browsers reach it through their veth), and what a user sees of a
 * call: the reconnecting banner, the tiles, `peers`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { DIST, events, remoteVideos, type VcEvent } from './harness.js';
import { freePort } from '../support/net.js';

export { freePort };

/**
 * The built relay CLI (`dist/server/cli.js`) as a child process on a fixed port. `kill()`
 * is SIGKILL: no goodbye to anyone, sockets reset by the kernel. `start()` again brings a
 * fresh relay (empty rooms) up on the same port.
 */
export function relayProcess(port: number, host = '127.0.0.1', env: Record<string, string> = {}) {
  let child: ChildProcess | null = null;
  const log: string[] = [];
  return {
    url: `http://${host}:${port}`,
    log,
    async start(): Promise<void> {
      if (child) throw new Error('relay already running');
      // The CLI (PORT/HOST from the environment) behind a guard that exits when its stdin
      // closes: whatever ends this test process (even SIGKILL), no relay outlives it.
      const cli = new URL(`file://${path.join(DIST, 'server', 'cli.js')}`).href;
      const guard = `process.stdin.on('end', () => process.exit(0)); process.stdin.resume(); await import(${JSON.stringify(cli)});`;
      const c = spawn(process.execPath, ['--input-type=module', '-e', guard], {
        env: { ...process.env, ...env, PORT: String(port), HOST: host },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      child = c;
      c.once('exit', () => {
        if (child === c) child = null;
      });
      // The port may linger for a moment after a kill: the CLI then exits; retry briefly.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`relay did not start on ${port}: ${log.join('')}`)), 15_000);
        const onData = (b: Buffer) => {
          log.push(b.toString());
          if (/listening on/.test(b.toString())) {
            clearTimeout(timer);
            resolve();
          }
        };
        c.stdout!.on('data', onData);
        c.stderr!.on('data', (b: Buffer) => log.push(b.toString()));
        c.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`relay exited with ${code} before listening: ${log.join('')}`));
        });
      });
    },
    /**
     * SIGKILL (default: no goodbye, sockets reset by the kernel) or SIGTERM (the CLI's
     * graceful shutdown: `peer-left` for everyone, then it drops the connections).
     * Resolves once the process is gone.
     */
    async kill(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
      const c = child;
      if (!c) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill(signal);
      const timer = setTimeout(() => c.kill('SIGKILL'), 8_000);
      await gone;
      clearTimeout(timer);
    },
    get running() {
      return child !== null;
    },
  };
}

export interface PeerView {
  id: string;
  name: string;
  connectionState: string;
  audio: boolean;
  video: boolean;
  screen: boolean;
}

/** What the element says about the call right now. */
export function view(page: Page) {
  return page.evaluate(() => {
    const el = document.querySelector('video-call') as (HTMLElement & { peers: unknown[]; state: string }) | null;
    const root = el?.shadowRoot;
    return {
      state: el?.state ?? null,
      peers: (el?.peers ?? []) as PeerView[],
      tiles: [...(root?.querySelectorAll<HTMLElement>('[part~="remote-video"]') ?? [])].map((v) => v.dataset.peerId ?? ''),
      /** Remote tiles (figures) and what each shows over its video ("Connecting…", "Reconnecting…"), if anything. */
      figures: [...(root?.querySelectorAll<HTMLElement>('[part~="remote-tile"]') ?? [])].map((f) => ({
        id: f.dataset.peerId ?? '',
        status: f.querySelector('.status')?.textContent?.trim() ?? null,
      })),
      banner: root?.querySelector('.banner[role="status"]')?.textContent?.trim() ?? null,
    };
  });
}

export const RECONNECTING = 'Connection to the signaling server lost. Reconnecting…';

/** Waits until the reconnecting banner is shown (`shown`) or gone. Returns ms waited. */
export async function waitForBanner(page: Page, shown: boolean, timeout: number): Promise<number> {
  const t0 = Date.now();
  await page
    .waitForFunction(
      ({ shown, text }) => {
        const b = document.querySelector('video-call')?.shadowRoot?.querySelector('.banner[role="status"]');
        return shown ? !!b && (b.textContent ?? '').includes(text) : !b;
      },
      { shown, text: RECONNECTING },
      { timeout, polling: 100 },
    )
    .catch(async (e: Error) => {
      throw new Error(
        `reconnecting banner never ${shown ? 'shown' : 'gone'} within ${timeout} ms; page: ${JSON.stringify(await view(page).catch(() => null))}\n${e.message}`,
      );
    });
  return Date.now() - t0;
}

/** The id the page's element has now (its last `vc-joined`). */
export async function currentSelfId(page: Page): Promise<string> {
  const joined = (await events(page, 'vc-joined')) as VcEvent<{ selfId: string }>[];
  if (!joined.length) throw new Error('page never joined');
  return joined[joined.length - 1].detail.selfId;
}

/**
 * A clean call as a user sees it: `peers` lists exactly `ids` (each once, connected),
 * one remote tile and video per peer, no other tile, nothing ("Reconnecting…") shown
 * over any of them. Waits up to `timeout` for it.
 */
export async function waitForCleanCall(page: Page, ids: string[], timeout = 20_000): Promise<void> {
  const want = [...ids].sort();
  const deadline = Date.now() + timeout;
  let last: Awaited<ReturnType<typeof view>> | null = null;
  while (Date.now() < deadline) {
    last = await view(page);
    const peerIds = last.peers.map((p) => p.id).sort();
    const tiles = [...last.tiles].sort();
    if (
      JSON.stringify(peerIds) === JSON.stringify(want) &&
      JSON.stringify(tiles) === JSON.stringify(want) &&
      JSON.stringify(last.figures.map((f) => f.id).sort()) === JSON.stringify(want) &&
      last.figures.every((f) => f.status === null) &&
      last.peers.every((p) => p.connectionState === 'connected') &&
      last.state === 'joined'
    )
      return;
    await page.waitForTimeout(250);
  }
  throw new Error(`not a clean call with ${JSON.stringify(want)} within ${timeout} ms; page shows ${JSON.stringify(last)}`);
}

/** Remote video frame counts by peer id. */
export async function frameCounts(page: Page): Promise<Record<string, number>> {
  return Object.fromEntries((await remoteVideos(page)).map((v) => [v.peerId, v.frames]));
}

/** Schedules `fn` in every page at the same wall-clock instant (same machine, same clock). */
export async function atSameInstant(pages: Page[], fn: string, leadMs = 600): Promise<void> {
  const at = Date.now() + leadMs;
  await Promise.all(
    pages.map((p) =>
      p.evaluate(
        ({ at, fn }) =>
          new Promise<void>((resolve, reject) => {
            // Spin the last few ms: timers are coarse, a busy wait is exact.
            setTimeout(
              () => {
                while (Date.now() < at) {
                  /* spin */
                }
                try {
                  const r = (0, eval)(fn)(document.querySelector('video-call'));
                  Promise.resolve(r).then(() => resolve(), reject);
                } catch (e) {
                  reject(e);
                }
              },
              Math.max(0, at - Date.now() - 20),
            );
          }),
        { at, fn },
      ),
    ),
  );
}

/**
 * Runs `body`; if it throws, appends what each page shows and the events it saw to the
 * error, so a failure says what the user saw.
 */
export async function explained<T>(pages: { name: string; page: Page }[], body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    const lines: string[] = [];
    for (const p of pages) {
      try {
        const seen = await events(p.page);
        lines.push(
          `${p.name}: ${JSON.stringify(await view(p.page))}\n  events: ${JSON.stringify(seen.filter((x) => x.type !== 'vc-peer-media').map((x) => [Math.round(x.at), x.type, x.detail]))}`,
        );
      } catch (err) {
        lines.push(`${p.name}: (page unreadable: ${(err as Error).message.split('\n')[0]})`);
      }
    }
    const err = e as Error;
    err.message += `\n--- what the pages showed ---\n${lines.join('\n')}`;
    throw err;
  }
}

/**
 * A Chromium of its own (a separate `chromium.launch()`), started through a wrapper that
 * records its pid, so a test can SIGKILL exactly this browser (its process group) the way
 * a crash or the OOM killer would. `kill()` resolves once playwright saw it disconnect.
 */
export async function launchKillableBrowser(args: string[]) {
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vc-kill-'));
  const pidFile = path.join(dir, 'pid');
  const wrapper = path.join(dir, 'chromium');
  writeFileSync(wrapper, `#!/bin/sh\necho $$ > '${pidFile}'\nexec '${process.env.CHROMIUM_PATH || '/usr/bin/chromium'}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  const browser = await chromium.launch({ executablePath: wrapper, args, timeout: 30_000 });
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const killGroup = () => {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  };
  return {
    browser,
    pid,
    async kill(): Promise<void> {
      const gone = new Promise<void>((r) => (browser.isConnected() ? browser.once('disconnected', () => r()) : r()));
      killGroup();
      await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
    },
    /** For `after`: close politely, then make sure the whole group is gone; remove the wrapper. */
    async dispose(): Promise<void> {
      await Promise.race([browser.close().catch(() => {}), new Promise((r) => setTimeout(r, 5_000))]);
      killGroup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Replays the page's vc-peer-joined / vc-peer-left events and reports every moment a
 * person (by name) was on screen twice at once, e.g. `Ann twice from 9728 ms to 10575 ms`.
 */
export async function shownTwice(page: Page): Promise<string[]> {
  const all = await events(page);
  const current = new Map<string, string>(); // id -> name
  const open = new Map<string, number>(); // name -> since
  const out: string[] = [];
  for (const e of all) {
    const id = e.detail?.peerId as string;
    if (e.type === 'vc-peer-joined') current.set(id, String(e.detail.name ?? ''));
    else if (e.type === 'vc-peer-left') current.delete(id);
    else if (e.type === 'vc-left' || e.type === 'vc-joined') current.clear();
    else continue;
    const counts = new Map<string, number>();
    for (const n of current.values()) if (n) counts.set(n, (counts.get(n) ?? 0) + 1);
    for (const [n, c] of counts) if (c > 1 && !open.has(n)) open.set(n, e.at);
    for (const [n, since] of [...open]) {
      if ((counts.get(n) ?? 0) <= 1) {
        out.push(`${n} twice from ${Math.round(since)} ms to ${Math.round(e.at)} ms`);
        open.delete(n);
      }
    }
  }
  for (const [n, since] of open) out.push(`${n} twice from ${Math.round(since)} ms on`);
  return out;
}
