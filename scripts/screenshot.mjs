// Screenshots of the demo as a person sees it: node scripts/screenshot.mjs [outdir]
// Starts the built relay with the demo on a free port, opens two pages in one room, joins,
// chats, and saves PNGs at 1280 px and 360 px wide (prejoin and in-call).
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { createRelay } from '../dist/server/app.js';

const out = process.argv[2] ?? 'test-results/screenshots';
mkdirSync(out, { recursive: true });
const relay = createRelay({
  static: [
    { prefix: '/dist/', dir: 'dist' },
    { prefix: '/', dir: 'demo' },
  ],
  logger: () => {},
});
const port = await relay.listen(0, '127.0.0.1');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    '--disable-gpu',
    '--disable-background-networking',
    '--autoplay-policy=no-user-gesture-required',
  ],
});
try {
  const url = `http://127.0.0.1:${port}/?room=shot-${Date.now()}`;
  for (const width of [1280, 360]) {
    const a = await browser.newPage({ viewport: { width, height: width > 600 ? 760 : 740 } });
    const b = await browser.newPage({ viewport: { width, height: 740 } });
    if (process.env.DEBUG)
      for (const [n, p] of [
        ['a', a],
        ['b', b],
      ]) {
        p.on('console', (m) => console.log(n, m.text()));
        p.on('pageerror', (e) => console.log(n, 'ERR', e.message));
      }
    await a.goto(url);
    await a.waitForTimeout(1200);
    await a.screenshot({ path: `${out}/prejoin-${width}.png` });
    await a.fill('video-call >> input#name', 'Ada Lovelace');
    await a.click('video-call >> button[part="join-button"]');
    await b.goto(url + '&name=Bob&autojoin');
    await a.waitForSelector('video-call >> video[part="remote-video"]');
    await a.waitForTimeout(2500);
    await b.evaluate(() => document.querySelector('video-call').sendChat('Hi Ada! <b>not bold</b>'));
    await b.evaluate(() => document.querySelector('video-call').toggleMic(false));
    await a.waitForTimeout(500);
    await a.screenshot({ path: `${out}/call-${width}.png` });
    await a.click('video-call >> button[aria-label="Chat"]');
    await a.waitForTimeout(300);
    await a.screenshot({ path: `${out}/chat-${width}.png` });
    await a.close();
    await b.close();
  }
  console.log(`screenshots in ${out}/`);
} finally {
  await browser.close();
  await relay.close();
}
