/**
 * Languages in the script-tag bundle (issue 15), as an embedder loads it: each language is the
 * sibling file dist/video-call-lang-<lang>.js, fetched relative to the script's own URL (classic
 * or module script), or under `data-video-call-base`; an English page fetches no language file.
 * Needs the build with the language files (rollup.config.js wrapped in `withLanguages`, see
 * scripts/rollup-lang.mjs).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { closeAll, DIST, launchBrowser, startStaticServer } from './harness.js';

let browser: Browser;
let server: Awaited<ReturnType<typeof startStaticServer>>;

before(async () => {
  assert.ok(
    existsSync(path.join(DIST, 'video-call-lang-de.js')),
    'dist/video-call-lang-de.js is missing: build with rollup.config.js wrapped in withLanguages() (scripts/rollup-lang.mjs)',
  );
  browser = await launchBrowser();
  server = await startStaticServer();
});

after(() =>
  closeAll(
    () => browser?.close(),
    () => server?.close(),
  ),
);

const page = (html: string, head: string, attrs = '') =>
  `<!doctype html><html ${html}><head><meta charset="utf-8">${head}</head><body><video-call room="r" transport="local" ice-servers="[]" ${attrs}></video-call></body></html>`;

async function open(html: string): Promise<{ join: string; dir: string; langFiles: string[]; p: Page }> {
  const from = server.requests.length;
  const p = await browser.newPage();
  await p.goto(server.addPage(html));
  await p.waitForFunction(() => !!document.querySelector('video-call')?.shadowRoot?.querySelector('[part="join-button"]'));
  await p.evaluate(() => (document.querySelector('video-call') as unknown as { updateComplete: Promise<boolean> }).updateComplete);
  const r = await p.evaluate(() => {
    const sr = document.querySelector('video-call')!.shadowRoot!;
    return { join: sr.querySelector('[part="join-button"]')!.textContent!.trim(), dir: sr.querySelector('.root')!.getAttribute('dir')! };
  });
  const langFiles = server.requests.slice(from).filter((u) => u.includes('video-call-lang-'));
  return { ...r, langFiles, p };
}

test('classic script, <html lang="de">: German, from dist/video-call-lang-de.js beside the script', async () => {
  const r = await open(page('lang="de"', '<script src="/dist/video-call.js"></script>'));
  assert.equal(r.join, 'Beitreten');
  assert.deepEqual(r.langFiles, ['/dist/video-call-lang-de.js']);
  await r.p.close();
});

test('module script, lang="ar" on the element: Arabic, right to left', async () => {
  const r = await open(page('lang="en"', '<script type="module" src="/dist/video-call.js"></script>', 'lang="ar"'));
  assert.equal(r.join, 'انضمام');
  assert.equal(r.dir, 'rtl');
  assert.deepEqual(r.langFiles, ['/dist/video-call-lang-ar.js']);
  await r.p.close();
});

test('data-video-call-base: the language file comes from there', async () => {
  const html = page('lang="ja"', '<script src="/dist/video-call.js?v=1" data-video-call-base="/dist/"></script>');
  const r = await open(html);
  assert.equal(r.join, '参加');
  assert.deepEqual(r.langFiles, ['/dist/video-call-lang-ja.js']);
  await r.p.close();
});

test('an English page fetches no language file', async () => {
  const r = await open(page('lang="en"', '<script src="/dist/video-call.js"></script>'));
  assert.equal(r.join, 'Join');
  assert.deepEqual(r.langFiles, []);
  await r.p.close();
});

test('`strings` overrides by the documented ids in the script bundle (which numbers them), over German', async () => {
  const r = await open(page('lang="de"', '<script src="/dist/video-call.js"></script>'));
  const shown = await r.p.evaluate(async () => {
    const el = document.querySelector('video-call') as unknown as HTMLElement & { strings: object; updateComplete: Promise<boolean> };
    el.strings = { join: 'Rein da', 'error.room-full': 'Voll' };
    await el.updateComplete;
    const sr = el.shadowRoot!;
    return {
      join: sr.querySelector('[part="join-button"]')!.textContent!.trim(),
      label: sr.querySelector('label[for="name"]')!.textContent!.trim(),
    };
  });
  assert.deepEqual(shown, { join: 'Rein da', label: 'Ihr Name' });
  await r.p.close();
});
