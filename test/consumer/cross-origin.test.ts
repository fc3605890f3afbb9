/**
 * The README's embed from another origin (after `npm run build`): the BUILT relay serves dist/
 * with `Access-Control-Allow-Origin: *`, so a page elsewhere loads
 * `<script type="module" src="http://relay/dist/video-call.js">` (fetched in CORS mode) and the
 * on-demand Firebase chunk, and the element is defined and shows its pre-join screen in Chromium.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = path.join(root, 'dist');

type RelayModule = typeof import('../../server/app.js');
let relay: { close(): Promise<void> };
let relayUrl: string;
let page: http.Server;
let pageUrl: string;
let browser: Browser | undefined;

before(async () => {
  assert.ok(existsSync(path.join(dist, 'server/app.js')), 'dist/ is built (npm run build)');
  // The built relay, by a computed path (tsc takes its types from the source).
  const { createRelay } = (await import(pathToFileURL(path.join(dist, 'server/app.js')).href)) as RelayModule;
  const r = createRelay({ logger: () => {}, static: [{ prefix: '/dist/', dir: dist }] });
  relay = r;
  relayUrl = `http://127.0.0.1:${await r.listen(0, '127.0.0.1')}`;
  // Another origin (another host name and port) with a page that embeds the relay's script.
  page = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<script type="module" src="${relayUrl}/dist/video-call.js"></script>
<video-call room="cross-origin" server="${relayUrl}"></video-call>`);
  });
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://localhost:${(page.address() as AddressInfo).port}/`;
});

after(async () => {
  await browser?.close();
  await relay?.close();
  page?.close();
});

describe('the relay serves dist/ to any origin', () => {
  for (const file of ['video-call.js', 'video-call-firebase.js']) {
    it(`GET /dist/${file} with an Origin header answers Access-Control-Allow-Origin: *`, async () => {
      const res = await fetch(`${relayUrl}/dist/${file}`, { headers: { Origin: 'https://elsewhere.example' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
      await res.arrayBuffer();
    });
  }

  it('HEAD, redirects and 404s carry it too', async () => {
    const head = await fetch(`${relayUrl}/dist/video-call.js`, { method: 'HEAD', headers: { Origin: 'https://elsewhere.example' } });
    assert.equal(head.headers.get('access-control-allow-origin'), '*');
    const redirect = await fetch(`${relayUrl}/dist`, { redirect: 'manual', headers: { Origin: 'https://elsewhere.example' } });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('access-control-allow-origin'), '*');
    const missing = await fetch(`${relayUrl}/dist/nope.js`, { headers: { Origin: 'https://elsewhere.example' } });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('access-control-allow-origin'), '*');
  });

  it('a page on another origin loads the module script and the Firebase chunk; <video-call> shows its pre-join screen', async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const tab = await browser.newPage();
    const failed: string[] = [];
    tab.on('console', (m) => {
      if (m.type() === 'error') failed.push(m.text());
    });
    tab.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
    await tab.goto(pageUrl);
    await tab
      .waitForFunction(() => !!customElements.get('video-call'), undefined, { timeout: 10_000 })
      .catch(() => {
        throw new Error(`<video-call> was not defined; errors:\n${failed.join('\n')}`);
      });
    await tab.locator('video-call [part~="prejoin"]').waitFor({ timeout: 10_000 });
    assert.equal(await tab.locator('video-call [part~="join-button"]').count(), 1);
    // The Firebase chunk, as the element imports it on demand: a cross-origin module import.
    const exported = await tab.evaluate(async (url) => Object.keys(await import(url)), `${relayUrl}/dist/video-call-firebase.js`);
    assert.ok(exported.length > 0, 'the Firebase chunk exports something');
    assert.deepEqual(
      failed.filter((f) => /CORS|blocked|ERR_/i.test(f)),
      [],
    );
  });
});
