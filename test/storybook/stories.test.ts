/**
 * Storybook: builds it (`npm run build-storybook`), serves storybook-static/ on 127.0.0.1, and
 * opens every entry of its index.json in Debian's Chromium. A story fails on any console
 * error or page error, on an element that rendered nothing, and on any claim the story makes
 * about itself (the `data-expect` of its frame, see stories/support/call-kit.ts) that the
 * rendered element does not bear out: its state, the number of tiles, remote videos whose
 * frames advance, texts, and selectors present or absent in the shadow root; and, in every
 * story, no tile may cover another tile or the control bar. Docs pages must
 * show the attribute, event, part and CSS-property tables read from custom-elements.json.
 *
 * No fake-media flags: the stories bring synthetic media. Skipped builds: none; this is the check.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Expect } from '../../stories/support/call-kit.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = path.join(root, 'storybook-static');

interface Entry {
  id: string;
  type: 'story' | 'docs';
  title: string;
  name: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
};

/** The smallest static server: storybook-static/ only, GET only. */
function serve(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (pathname === '/favicon.ico') return void res.writeHead(204).end(); // Storybook ships favicon.svg
    let file = path.normalize(path.join(dir, pathname));
    if (!file.startsWith(dir)) return void res.writeHead(403).end();
    if (existsSync(file) && statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!existsSync(file)) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}

/** Lit's console warnings that no story or docs page may cause. */
const LIT_WARNINGS =
  /Lit is in dev mode|Multiple versions of Lit loaded|scheduled an update \(generally because a property was set\) after an update completed|change-in-update/i;

/**
 * Lit's "change-in-update" check, made in the page whatever Lit's mode (its own warning exists
 * only in its development build, which Storybook no longer loads): `<video-call>`'s `updated()`
 * must not schedule another update. Warns in Lit's words, naming the properties set.
 */
function watchChangeInUpdate() {
  const define = customElements.define.bind(customElements);
  customElements.define = (name: string, cls: CustomElementConstructor, options?: ElementDefinitionOptions) => {
    const proto = cls.prototype as {
      updated?: (changed: Map<PropertyKey, unknown>) => void;
      requestUpdate: (name?: PropertyKey, ...rest: unknown[]) => void;
      isUpdatePending: boolean;
    };
    const updated = proto.updated;
    if (name === 'video-call' && updated) {
      proto.updated = function (this: typeof proto, changed) {
        const set: string[] = [];
        const request = this.requestUpdate;
        this.requestUpdate = function (this: typeof proto, prop?: PropertyKey, ...rest: unknown[]) {
          set.push(String(prop));
          return request.call(this, prop, ...rest);
        };
        try {
          updated.call(this, changed);
        } finally {
          delete (this as Partial<typeof proto>).requestUpdate;
        }
        if (this.isUpdatePending)
          console.warn(
            `change-in-update: Element video-call scheduled an update (generally because a property was set) after an update completed: ${set.join(', ')} set in updated()`,
          );
      };
    }
    return define(name, cls, options);
  };
}

let browser: Browser;
let site: { url: string; close: () => Promise<void> };
let entries: Entry[] = [];

before(async () => {
  execFileSync(process.execPath, [path.join(root, 'node_modules/storybook/dist/bin/dispatcher.js'), 'build', '--quiet', '-o', out], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, STORYBOOK_DISABLE_TELEMETRY: '1' },
  });
  entries = Object.values(JSON.parse(readFileSync(path.join(out, 'index.json'), 'utf8')).entries as Record<string, Entry>);
  site = await serve(out);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

after(async () => {
  await browser?.close();
  await site?.close();
});

/**
 * Opens `url` in a fresh page, recording console errors and uncaught page errors, and clicks
 * an empty corner of it at once: a person in Storybook has clicked its sidebar, and Chromium
 * lets a page play remote audio/video only after a click (see the report on autoplay).
 */
async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
    // Lit's warnings: its development build, two copies of it, an update scheduled from updated().
    else if (m.type() === 'warning' && LIT_WARNINGS.test(m.text())) errors.push(`console.warn: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  await page.addInitScript(watchChangeInUpdate);
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForSelector('body');
  await page.mouse.click(1, 1);
  await page.waitForLoadState('load');
  return { page, errors };
}

/** What the story's element shows, as the test checks it. */
async function observe(page: Page) {
  return page.evaluate(() => {
    const frame = document.querySelector<HTMLElement>('#storybook-root .vc-story');
    const el = frame?.querySelector('video-call') as (HTMLElement & { state: string }) | null;
    const sr = el?.shadowRoot;
    const videos = [...(sr?.querySelectorAll<HTMLVideoElement>('video[part="remote-video"]') ?? [])];
    const local = sr?.querySelector<HTMLVideoElement>('video[part="local-video"]');
    return {
      hasFrame: !!frame,
      expect: frame?.dataset.expect ?? null,
      rendered: !!sr && sr.childElementCount > 0 && (sr.textContent ?? '').trim().length > 0,
      state: el?.state ?? null,
      tiles: sr?.querySelectorAll('[part~="tile"]').length ?? 0,
      remote: videos.map((v) => ({ w: v.videoWidth, t: v.currentTime, paused: v.paused })),
      local: local ? { w: local.videoWidth, t: local.currentTime, paused: local.paused } : null,
      text: (sr?.textContent ?? '').replace(/\s+/g, ' '),
      // The canvas shows the whole element, its control bar (in a call) or Join button included.
      cut: (() => {
        if (!el) return null;
        const box = el.getBoundingClientRect();
        if (box.bottom > innerHeight + 1 || box.right > innerWidth + 1)
          return `the element (${Math.round(box.width)}×${Math.round(box.height)} px at ${Math.round(box.left)},${Math.round(box.top)}) does not fit the ${innerWidth}×${innerHeight} canvas`;
        const last = sr?.querySelector('[part="controls"]') ?? sr?.querySelector('[part~="join-button"]');
        const r = last?.getBoundingClientRect();
        if (r && r.height > 0 && (r.bottom > box.bottom + 1 || r.bottom > innerHeight + 1))
          return `${last!.getAttribute('part')} is cut off (bottom ${Math.round(r.bottom)} px, element ${Math.round(box.bottom)} px)`;
        return null;
      })(),
      overlaps: (() => {
        // Tiles must not cover each other or the control bar (a name or a button hidden).
        const boxes = [...(sr?.querySelectorAll('figure[part~="tile"]') ?? [])].map((f, i) => ({
          what: `tile ${i + 1}`,
          r: f.getBoundingClientRect(),
        }));
        const controls = sr?.querySelector('[part="controls"]')?.getBoundingClientRect();
        if (controls) boxes.push({ what: 'the control bar', r: controls });
        const found: string[] = [];
        for (let i = 0; i < boxes.length; i++)
          for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i].r;
            const b = boxes[j].r;
            const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
            const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
            if (w > 2 && h > 2) found.push(`${boxes[i].what} overlaps ${boxes[j].what} by ${Math.round(w)}×${Math.round(h)} px`);
          }
        return found;
      })(),
    };
  });
}

async function selectorsPresent(page: Page, selectors: string[]): Promise<boolean[]> {
  return page.evaluate(
    (sels) => sels.map((s) => !!document.querySelector('#storybook-root video-call')?.shadowRoot?.querySelector(s)),
    selectors,
  );
}

/** Polls until every claim of `expect` holds, or returns the ones that still fail after `ms`. */
async function verify(page: Page, expect: Expect, ms = 20_000): Promise<string[]> {
  const deadline = Date.now() + ms;
  let failures: string[] = [];
  let prev: Awaited<ReturnType<typeof observe>> | null = null;
  for (;;) {
    const o = await observe(page);
    failures = [];
    if (!o.rendered) failures.push('the element rendered nothing in its shadow root');
    if (expect.state && o.state !== expect.state) failures.push(`state is "${o.state}", expected "${expect.state}"`);
    if (expect.tiles !== undefined && o.tiles !== expect.tiles) failures.push(`${o.tiles} tiles, expected ${expect.tiles}`);
    if (expect.playing !== undefined) {
      // Frames advance: a decoded size, and a clock that moved since the previous look.
      const live = o.remote.filter((v, i) => v.w > 0 && !v.paused && prev?.remote[i] && v.t > prev.remote[i].t).length;
      if (live < expect.playing) failures.push(`${live} remote videos playing, expected ${expect.playing}`);
    }
    if (expect.localPlaying && !(o.local && o.local.w > 0 && !o.local.paused && prev?.local && o.local.t > prev.local.t)) {
      failures.push('our own video is not playing');
    }
    for (const t of expect.text ?? []) if (!o.text.includes(t)) failures.push(`text "${t}" not shown`);
    failures.push(...o.overlaps);
    if (o.cut) failures.push(o.cut);
    if (expect.inView?.length) {
      const hidden = await page.evaluate((sels) => {
        const sr = document.querySelector('#storybook-root video-call')?.shadowRoot;
        return sels.filter((s) => {
          const el = sr?.querySelector(s);
          if (!el) return true;
          const r = el.getBoundingClientRect();
          // Inside every scrolled ancestor's box (the shadow tree's own parents).
          for (let p = el.parentElement; p; p = p.parentElement) {
            if (p.scrollHeight > p.clientHeight + 1) {
              const b = p.getBoundingClientRect();
              if (r.bottom > b.bottom + 1 || r.top < b.top - 1) return true;
            }
          }
          return false;
        });
      }, expect.inView);
      for (const s of hidden) failures.push(`${s} is not scrolled into view`);
    }
    const sels = [...(expect.selectors ?? []), ...(expect.absentSelectors ?? [])];
    if (sels.length) {
      const found = await selectorsPresent(page, sels);
      (expect.selectors ?? []).forEach((s, i) => !found[i] && failures.push(`nothing matches ${s}`));
      (expect.absentSelectors ?? []).forEach(
        (s, i) => found[(expect.selectors ?? []).length + i] && failures.push(`${s} should not exist`),
      );
    }
    if (failures.length === 0 || Date.now() > deadline) return failures;
    prev = o;
    await page.waitForTimeout(400);
  }
}

describe('storybook', () => {
  test("the preview bundle uses engine.io-client's browser transports, not its Node ones", () => {
    const assets = path.join(out, 'assets');
    const js = readdirSync(assets)
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(path.join(assets, f), 'utf8'));
    assert.ok(
      js.some((s) => s.includes('video-call')),
      'the element is in the preview bundle',
    );
    assert.ok(!js.some((s) => s.includes('ws does not work in the browser')), 'the Node "ws" module was bundled');
    assert.ok(
      js.some((s) => /new WebSocket\(|new this\.WebSocket|WebSocket\b/.test(s)),
      "socket.io-client's browser WebSocket transport is bundled",
    );
  });

  test('index.json lists a story for every state the issue names', () => {
    const names = entries.filter((e) => e.type === 'story').map((e) => `${e.title}/${e.name}`.toLowerCase());
    for (const want of [
      'pre-join',
      'joining',
      'alone in the room',
      '1:1 call',
      'mesh of four',
      'start call',
      'incoming call',
      'chat open with a conversation',
      'many messages',
      'muted and camera-off',
      'screen sharing',
      'reconnecting',
      'permission denied',
      'bad config',
      'room full',
      'narrow (360 px)',
      'wide (1280 px)',
      'theming/',
      'hands up',
      'participants panel',
      'reactions',
      'pre-join without a room',
    ]) {
      assert.ok(
        names.some((n) => n.includes(want)),
        `no story for "${want}"`,
      );
    }
    assert.ok(
      entries.some((e) => e.type === 'docs'),
      'an autodocs page',
    );
  });

  test('every story renders what it claims, with no console or page error', async (t) => {
    for (const entry of entries.filter((e) => e.type === 'story')) {
      await t.test(`${entry.title} / ${entry.name}`, async (st) => {
        const { page, errors } = await open(`${site.url}/iframe.html?id=${entry.id}&viewMode=story`);
        try {
          await page.waitForFunction(() => !!document.querySelector('#storybook-root .vc-story video-call'), null, { timeout: 15_000 });
          const raw = await page.evaluate(() => document.querySelector<HTMLElement>('#storybook-root .vc-story')?.dataset.expect ?? '{}');
          const expect = JSON.parse(raw) as Expect;
          // A story whose frame names a known element bug is a todo: reported, not failing the run.
          if (expect.knownBug) st.todo(`known element bug: ${expect.knownBug}`);
          const failures = await verify(page, expect, expect.knownBug ? 8_000 : 20_000);
          if (expect.knownBug && failures.length === 0)
            st.diagnostic(`${entry.id} shows all it claims: the known bug looks fixed, drop its knownBug`);
          await page.waitForTimeout(300); // late errors
          assert.deepEqual([...failures, ...errors], [], `${entry.id}:\n  ${[...failures, ...errors].join('\n  ')}`);
        } finally {
          await page.close();
        }
      });
    }
  });

  test('`storybook dev` (what `npm run storybook` serves) loads one Lit, in production mode, with no Lit warning', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const dev = spawn(
      process.execPath,
      [
        path.join(root, 'node_modules/storybook/dist/bin/dispatcher.js'),
        'dev',
        '-p',
        String(port),
        '--host',
        '127.0.0.1',
        '--no-open',
        '--ci',
      ],
      {
        cwd: root,
        env: { ...process.env, STORYBOOK_DISABLE_TELEMETRY: '1' },
        stdio: 'ignore',
        detached: true,
      },
    );
    try {
      const url = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 120_000;
      while (
        !(await fetch(`${url}/iframe.html`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        assert.ok(Date.now() < deadline && dev.exitCode === null, 'storybook dev did not start');
        await new Promise((r) => setTimeout(r, 1000));
      }
      for (const id of ['video-call--playground', 'states-errors--permission-denied']) {
        const { page, errors } = await open(`${url}/iframe.html?id=${id}&viewMode=story`);
        try {
          await page.waitForFunction(() => !!document.querySelector('#storybook-root video-call')?.shadowRoot?.childElementCount, null, {
            timeout: 60_000,
          });
          await page.waitForTimeout(2000);
          const issued = await page.evaluate(() => [...((globalThis as { litIssuedWarnings?: Set<string> }).litIssuedWarnings ?? [])]);
          const lit = [...errors.filter((e) => LIT_WARNINGS.test(e)), ...issued];
          assert.deepEqual(lit, [], `${id} under storybook dev:\n  ${lit.join('\n  ')}`);
        } finally {
          await page.close();
        }
      }
    } finally {
      try {
        process.kill(-dev.pid!, 'SIGTERM');
      } catch {}
    }
  });

  test("the docs page shows the element's API from custom-elements.json, with no error", async () => {
    for (const entry of entries.filter((e) => e.type === 'docs')) {
      const { page, errors } = await open(`${site.url}/iframe.html?id=${entry.id}&viewMode=docs`);
      try {
        await page.waitForSelector('.docblock-argstable', { timeout: 20_000 });
        const table = await page.locator('.docblock-argstable').first().innerText();
        for (const name of [
          'max-peers',
          'ice-servers',
          'firebase-config',
          'vc-joined',
          'vc-error',
          'local-video',
          'remote-video',
          '--vc-accent',
          'localStream',
        ]) {
          assert.ok(table.includes(name), `${entry.id}: "${name}" missing from the docs table`);
        }
        // Methods are not in Storybook's tables: the description lists them from the manifest.
        const docs = await page.locator('.sbdocs-content').first().innerText();
        for (const method of ['join()', 'toggleMic(on?: boolean): boolean', 'sendChat(text: string): void', 'getStats()', 'decline()']) {
          assert.ok(docs.includes(method), `${entry.id}: method "${method}" missing from the docs page`);
        }
        // Read-only properties are listed, with no control to set them.
        const controls = await page.evaluate(
          (names) => {
            const rows = [...document.querySelectorAll('.docblock-argstable tbody tr')];
            return names.map((name) => {
              const row = rows.find((r) => r.querySelector('td')?.textContent?.trim().startsWith(name));
              if (!row) return `${name}: no row`;
              const control =
                row.querySelector('input, textarea, select, [role="switch"]') ??
                [...row.querySelectorAll('button')].find((b) => /^Set /.test(b.textContent ?? ''));
              return control ? `${name}: offers a control (${control.outerHTML.slice(0, 80)})` : null;
            });
          },
          ['state', 'peers', 'localStream'],
        );
        assert.deepEqual(controls.filter(Boolean), [], `${entry.id}: read-only properties with a control`);
        // Each story shown in the docs page is whole: its element and control bar inside the story's box.
        await page.waitForTimeout(1000);
        const clipped = await page.evaluate(() =>
          [...document.querySelectorAll('.docs-story')].flatMap((story, i) => {
            const el = story.querySelector('video-call');
            if (!el) return [];
            const box = story.getBoundingClientRect();
            const r = el.getBoundingClientRect();
            return r.bottom > box.bottom + 1 || r.height < 300
              ? [
                  `story ${i + 1}: element ${Math.round(r.top)}–${Math.round(r.bottom)} px in a box ${Math.round(box.top)}–${Math.round(box.bottom)} px`,
                ]
              : [];
          }),
        );
        assert.deepEqual(clipped, [], `${entry.id}: stories cut off in the docs page`);
        assert.deepEqual(errors, [], `${entry.id}:\n  ${errors.join('\n  ')}`);
      } finally {
        await page.close();
      }
    }
  });
});
