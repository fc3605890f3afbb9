/**
 * `npm start` as a person uses it: scripts/start.mjs (what `npm start` runs; it builds only
 * if a source is newer than the build) starts the relay with the demo page. The printed URL
 * serves the page and the bundle, two tabs at that URL in one room call each other, and
 * SIGTERM (Ctrl-C) stops it cleanly.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { closeAll, DIST, launchBrowser, newPerson, room, ROOT, selfId, waitForEvent, waitForLiveVideos, type Person } from './harness.js';

let browser: Browser;
let child: ChildProcess | undefined;
let output = '';

before(async () => {
  browser = await launchBrowser();
});

after(() =>
  closeAll(
    () => browser?.close(),
    async () => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  ),
);

/** Starts `npm start`'s script on a free port; resolves with the URL it prints. */
function start(): Promise<string> {
  child = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs'), '--port', '0', '--host', '127.0.0.1'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '', ALLOWED_ORIGINS: '', RELAY_SECRET: '', REDIS_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line within 120 s:\n${output}`)), 120_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /listening on (http:\/\/\S+?)\/?\s/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child!.stdout!.on('data', onData);
    child!.stderr!.on('data', onData);
    child!.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited early (${code ?? signal}):\n${output}`));
    });
  });
}

test(
  'npm start: the printed URL serves the demo and the bundle, two tabs there call each other, SIGTERM stops it',
  { timeout: 180_000 },
  async () => {
    const url = await start();

    const page = await fetch(`${url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /<video-call\b/);

    const bundle = await fetch(`${url}/dist/video-call.js`);
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers.get('content-type') ?? '', /javascript/);
    assert.equal((await bundle.arrayBuffer()).byteLength, statSync(path.join(DIST, 'video-call.js')).size, 'serves the built bundle');

    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { ok: boolean }).ok, true);

    const people: Person[] = [];
    try {
      // The demo page as shared: ?room=…, with autojoin and a name from the query.
      // (No ice-servers here: the demo uses its default STUN server, unreachable offline;
      // host candidates on loopback still connect.)
      const r = room('demo');
      const ids: string[] = [];
      for (const name of ['Ann', 'Bob']) {
        const p = await newPerson(browser, name);
        people.push(p);
        await p.page.goto(`${url}/?room=${r}&autojoin&name=${name}`);
        ids.push(await selfId(p.page));
      }
      const [ann, bob] = people;
      await waitForEvent(ann.page, 'vc-peer-connected', { peerId: ids[1] }, 30_000);
      await waitForEvent(bob.page, 'vc-peer-connected', { peerId: ids[0] }, 30_000);
      await waitForLiveVideos(ann.page, [ids[1]]);
      await waitForLiveVideos(bob.page, [ids[0]]);
      for (const p of people) assert.deepEqual(p.errors, [], `${p.name}: no page errors`);
    } finally {
      await closeAll(...people.map((p) => () => p.context.close()));
    }

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child!.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running 10 s after SIGTERM'), 10_000))]);
    assert.equal(code, 0, `exit status after SIGTERM; output:\n${output}`);
  },
);
