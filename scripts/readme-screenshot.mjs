// docs/screenshot.png, the README's picture of a call: the Storybook story "Layouts / Wide
// (1280 px)" (four people, one muted, one with the camera off, chat open) at 1280×560, in Debian's Chromium.
// Usage: npm run build-storybook && node scripts/readme-screenshot.mjs [out.png]
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = path.join(root, 'storybook-static');
const out = process.argv[2] ?? path.join(root, 'docs/screenshot.png');
if (!existsSync(path.join(dir, 'index.json'))) throw new Error('Build Storybook first: npm run build-storybook');
const types = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
};
const server = http.createServer((req, res) => {
  let file = path.join(dir, path.normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)));
  if (existsSync(file) && statSync(file).isDirectory()) file = path.join(file, 'index.html');
  if (!file.startsWith(dir) || !existsSync(file)) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--autoplay-policy=no-user-gesture-required'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
  await page.goto(`http://127.0.0.1:${server.address().port}/iframe.html?id=layouts--wide&viewMode=story`);
  await page.waitForFunction(
    () => {
      const sr = document.querySelector('video-call')?.shadowRoot;
      const videos = [...(sr?.querySelectorAll('video[part="remote-video"]') ?? [])];
      return (
        videos.filter((v) => v.videoWidth > 0 && !v.paused).length === 2 &&
        sr.querySelectorAll('[part~="tile"]').length === 4 &&
        sr.textContent.includes('sharing my notes')
      );
    },
    null,
    { timeout: 30_000 },
  );
  await page.evaluate(() => (document.querySelector('.vc-story').style.height = '560px'));
  await page.waitForTimeout(1500);
  await page.locator('video-call').screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  server.close();
}
