/**
 * The framework recipes of docs/frameworks.md, each a tiny app in test/consumer/apps/<name>/
 * (React through `video-call-element/react`, Vue 3, Svelte 5, Angular without its CLI): each
 * is copied to a temp dir, installs its own package.json plus the packed package (one tarball
 * per build, see pack.ts), builds with Vite and opens in Chromium. Each app renders
 * `<video-call room="x" transport="local">` with `name` bound to an input, and writes the
 * `selfId` of its `vc-joined` listener (and the code of any `vc-error`) into the page: the
 * test sees the pre-join screen, clicks Join (local transport, no server, fake camera) and
 * waits for the framework's listener to have written the id.
 * The four installs and builds run in parallel (npm --prefer-offline: cached after a first run).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';
import { npm, packOnce, root, serveDir } from './pack.js';

const run = promisify(execFile);
const APPS = ['react', 'vue', 'svelte', 'angular'] as const;
type App = (typeof APPS)[number];

let dir: string;
let browser: Browser | undefined;
const built = new Map<App, Promise<string>>();
const timings: string[] = [];

/** Copies the app, points its `video-call-element` at the tarball, installs, builds: its dist/. */
async function installAndBuild(app: App, tarball: string): Promise<string> {
  const t0 = Date.now();
  const target = path.join(dir, app);
  await cp(path.join(root, 'test/consumer/apps', app), target, { recursive: true, filter: (src) => !/node_modules|dist$/.test(src) });
  const pkgFile = path.join(target, 'package.json');
  const pkg = JSON.parse(await readFile(pkgFile, 'utf8')) as { dependencies: Record<string, string> };
  pkg.dependencies['video-call-element'] = `file:${tarball}`;
  await writeFile(pkgFile, JSON.stringify(pkg, null, 2));
  const out = await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'warn'], target).catch(
    (e: Error) => e.message,
  );
  const t1 = Date.now();
  try {
    await run(process.execPath, [path.join(target, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error'], { cwd: target });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`${app}: vite build failed:\n${e.stdout}\n${e.stderr}\n(npm install said: ${out})`, { cause: err });
  }
  // No EBADENGINE and no peer-dependency conflicts on this Node.
  assert.doesNotMatch(out, /EBADENGINE|ERESOLVE|failed/, `${app}: npm install warned:\n${out}`);
  timings.push(`${app}: install ${((t1 - t0) / 1000).toFixed(1)} s, build ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  return path.join(target, 'dist');
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vc-frameworks-'));
  const tarball = await packOnce();
  for (const app of APPS) {
    const p = installAndBuild(app, tarball);
    p.catch(() => {}); // reported by the app's own test
    built.set(app, p);
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  await Promise.allSettled(built.values());
  if (timings.length) console.log(`# framework apps: ${timings.join('; ')}`);
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('framework recipes (docs/frameworks.md): built with Vite, in Chromium', () => {
  for (const app of APPS) {
    it(`${app}: renders <video-call>, and its listener sees vc-joined after Join`, async () => {
      const out = await built.get(app)!;
      const site = await serveDir(out);
      const page = await browser!.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on(
        'console',
        (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(`console.error: ${m.text()}`),
      );
      page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && errors.push(`${r.status()} ${r.url()}`));
      try {
        await page.goto(site.url);
        await page.locator('video-call [part~="prejoin"]').waitFor({ timeout: 20_000 });
        // The bound attribute reached the element.
        assert.equal(await page.evaluate(() => (document.querySelector('video-call') as HTMLElement & { name: string }).name), 'Ada');
        await page.locator('video-call [part~="join-button"]').click();
        const selfId = await page
          .waitForFunction(
            () =>
              document.querySelector('#self')?.textContent?.trim() ||
              (document.querySelector('#error')?.textContent?.trim() ? `error: ${document.querySelector('#error')!.textContent}` : ''),
            undefined,
            { timeout: 20_000 },
          )
          .then((h) => h.jsonValue() as Promise<string>);
        assert.doesNotMatch(selfId, /^error:/, `${app}: the framework's vc-error listener saw ${selfId}`);
        assert.equal(await page.evaluate(() => (document.querySelector('video-call') as HTMLElement & { state: string }).state), 'joined');
        assert.deepEqual(errors, []);
      } finally {
        await page.close();
        site.close();
      }
    });
  }
});
