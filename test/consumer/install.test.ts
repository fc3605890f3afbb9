/**
 * The package as a web developer gets it (after `npm run build`): `npm pack`, then a fresh
 * project in a temp dir (Vite 7 + TypeScript) installs the tarball, and
 * - its node_modules holds no server-side or Firebase code (firebase, socket.io, redis, jose);
 * - a tiny page that imports 'video-call-element' builds with Vite and, in Chromium, shows
 *   `<video-call>`'s pre-join screen;
 * - a TypeScript consumer importing the element class and the transports type-checks;
 * - `npx video-call-relay --port 0` runs from the installed package and answers /healthz.
 * npm installs with --prefer-offline (the packages are in the npm cache from our own install).
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';
import { NPM_ENV, npm, packOnce, root, serveDir } from './pack.js';

const run = promisify(execFile);
const ours = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  devDependencies: Record<string, string>;
};

let dir: string;
let browser: Browser | undefined;
const children = new Set<ChildProcess>();

before(async () => {
  for (const f of [
    'dist/video-call.js',
    'dist/esm/video-call.js',
    'dist/server/cli.js',
    'dist/server/app.js',
    'dist/types/src/video-call.d.ts',
  ]) {
    assert.ok(existsSync(path.join(root, f)), `${f} is built (npm run build)`);
  }
  dir = await mkdtemp(path.join(os.tmpdir(), 'vc-consumer-'));
  const tarball = await packOnce();
  const app = path.join(dir, 'app');
  await mkdir(path.join(app, 'src'), { recursive: true });
  await writeFile(
    path.join(app, 'package.json'),
    JSON.stringify(
      {
        name: 'vc-consumer',
        private: true,
        type: 'module',
        dependencies: { [ours.name]: `file:${tarball}` },
        devDependencies: { vite: ours.devDependencies.vite, typescript: ours.devDependencies.typescript },
      },
      null,
      2,
    ),
  );
  await writeFile(
    path.join(app, 'index.html'),
    `<!doctype html>
<title>consumer</title>
<video-call room="consumer-test" name="Ada"></video-call>
<video-call id="fb" room="consumer-test" name="Bo" transport="firebase" firebase-config='{"databaseURL":"https://consumer-test.firebaseio.com","apiKey":"k"}' autojoin></video-call>
<script type="module" src="/src/main.ts"></script>
`,
  );
  await writeFile(
    path.join(app, 'src/main.ts'),
    `import 'video-call-element';
import { VideoCall } from 'video-call-element';
const el = document.querySelector('video-call') as VideoCall;
(window as unknown as { consumerReady: boolean }).consumerReady = el instanceof VideoCall;
// Firebase is not installed: picking that transport must end in vc-error, nothing worse.
const errors: unknown[] = ((window as unknown as { fbErrors: unknown[] }).fbErrors = []);
document.getElementById('fb')!.addEventListener('vc-error', (e) => errors.push((e as CustomEvent).detail));
`,
  );
  await writeFile(
    path.join(app, 'src/types.ts'),
    `import { VideoCall, registerTransport } from 'video-call-element';
import { VideoCall as Element } from 'video-call-element/element';
import { getTransportFactory, type Transport, type TransportFactory } from 'video-call-element/transports';
import { createSocketIoTransport } from 'video-call-element/transports/socket-io';
import { createLocalTransport } from 'video-call-element/transports/local';

const el: VideoCall = new Element();
el.room = 'r';
const mic: boolean = el.toggleMic(false);
const factory: TransportFactory = () => createLocalTransport();
registerTransport('mine', factory);
const t: Transport | Promise<Transport> = getTransportFactory('mine')({});
export { mic, t, createSocketIoTransport };
`,
  );
  // Every vc-* event is typed for addEventListener: on the class, through querySelector, on
  // ancestors (they bubble), and as the React wrapper's onVc… props. A wrong detail field must
  // fail (each @ts-expect-error is itself an error once the typing is lost).
  await writeFile(
    path.join(app, 'src/events.ts'),
    `import type { ComponentProps } from 'react';
import { VideoCall, type VideoCallEventMap } from 'video-call-element';
import type { VideoCall as ReactVideoCall } from 'video-call-element/react';

const el = new VideoCall();
el.addEventListener('vc-joined', (e) => {
  const id: string = e.detail.selfId;
  const room: string = e.detail.room;
  return [id, room];
});
el.addEventListener('vc-error', (e) => {
  const code: VideoCallEventMap['vc-error']['code'] = e.detail.code;
  return code;
});
el.addEventListener('vc-chat-message', (e) => e.detail.text.length + e.detail.at);
el.addEventListener('vc-peer-media', (e) => e.detail.audio && e.detail.screen);
el.removeEventListener('vc-left', (e) => e.detail.room);
el.addEventListener('click', (e) => e.clientX); // the DOM's own events keep their types
// @ts-expect-error vc-joined has no peerId
el.addEventListener('vc-joined', (e) => e.detail.peerId);

const found = document.querySelector('video-call')!;
found.addEventListener('vc-peer-left', (e) => {
  const peer: string = e.detail.peerId;
  return peer;
});
// @ts-expect-error vc-peer-left has no selfId
found.addEventListener('vc-peer-left', (e) => e.detail.selfId);
// @ts-expect-error active is a boolean
document.body.addEventListener('vc-screen-share', (e) => e.detail.active.toUpperCase());

type Props = ComponentProps<typeof ReactVideoCall>;
const onJoined: Props['onVcJoined'] = (e) => void e.detail.selfId;
// @ts-expect-error vc-peer-left has no name
const onPeerLeft: Props['onVcPeerLeft'] = (e) => void e.detail.name;
const props: Props = { room: 'r', transport: 'local', onVcError: (e) => void e.detail.message, onVcIncomingCall: (e) => void e.detail.name };
export { onJoined, onPeerLeft, props };
`,
  );
  await writeFile(
    path.join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        types: [],
      },
      include: ['src'],
    }),
  );
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund'], app);
});

after(async () => {
  await browser?.close();
  for (const c of children) c.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a fresh project that installs the packed package', () => {
  it('gets no server-side or Firebase packages', async () => {
    const modules = path.join(dir, 'app/node_modules');
    for (const name of ['firebase', '@firebase', 'socket.io', '@socket.io/redis-adapter', 'redis', '@redis', 'jose', 'engine.io']) {
      assert.ok(!existsSync(path.join(modules, name)), `node_modules/${name} should not be installed`);
    }
    assert.ok(existsSync(path.join(modules, 'lit')) && existsSync(path.join(modules, 'socket.io-client')));
    // What the package itself pulls in (the app's own Vite and TypeScript aside).
    const prod = (await npm(['ls', '--omit=dev', '--all', '--parseable'], path.join(dir, 'app'))).trim().split('\n').slice(1);
    assert.ok(prod.length < 30, `the package brings ${prod.length} packages:\n${prod.join('\n')}`);
  });

  it('ships dist/ (the script bundle, the ESM build, the relay, the types)', () => {
    const pkg = path.join(dir, 'app/node_modules/video-call-element');
    for (const f of [
      'dist/video-call.js',
      'dist/video-call-firebase.js',
      'dist/video-call-extras.js',
      'dist/esm/video-call.js',
      'dist/server/cli.js',
      'dist/server/app.js',
      'dist/types/src/video-call.d.ts',
      'custom-elements.json',
    ]) {
      assert.ok(existsSync(path.join(pkg, f)), f);
    }
  });

  it('type-checks a TypeScript consumer of the element class, the transports and every vc-* event (addEventListener, the React props)', async () => {
    const app = path.join(dir, 'app');
    try {
      await run(process.execPath, [path.join(app, 'node_modules/typescript/bin/tsc'), '-p', app], { cwd: app });
    } catch (err) {
      assert.fail(`tsc --noEmit failed:\n${(err as { stdout?: string }).stdout}`);
    }
  });

  it('builds a page with Vite that, in Chromium, shows the pre-join screen (and a vc-error for Firebase, not installed)', async () => {
    const app = path.join(dir, 'app');
    try {
      await run(process.execPath, [path.join(app, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error'], { cwd: app });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      assert.fail(`vite build failed:\n${e.stdout}\n${e.stderr}`);
    }
    const out = path.join(app, 'dist');
    const server = await serveDir(out);
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(server.url);
      await page.locator('video-call:not(#fb) [part~="prejoin"]').waitFor({ timeout: 15_000 });
      assert.equal(await page.evaluate(() => (window as unknown as { consumerReady: boolean }).consumerReady), true);
      assert.equal(await page.locator('video-call:not(#fb) [part~="join-button"]').count(), 1);
      // The page that picks Firebase without installing it gets a vc-error naming firebase.
      const fb = await page.waitForFunction(
        () => (window as unknown as { fbErrors: { code: string; message: string }[] }).fbErrors[0],
        undefined,
        { timeout: 15_000 },
      );
      const detail = (await fb.jsonValue()) as { code: string; message: string };
      assert.ok(['bad-config', 'transport'].includes(detail.code), JSON.stringify(detail));
      assert.match(detail.message, /firebase/i);
      assert.deepEqual(errors, []);
    } finally {
      server.close();
    }
    // The built page carries no Firebase code (it is only for those who pick that transport).
    const assets = await readdir(path.join(out, 'assets'));
    for (const a of assets.filter((f) => f.endsWith('.js'))) {
      assert.doesNotMatch(await readFile(path.join(out, 'assets', a), 'utf8'), /firebaseio\.com|@firebase\/database/, a);
    }
  });

  it('runs `npx video-call-relay --port 0` from the installed package; it answers /healthz', async () => {
    const child = spawn('npx', ['--no-install', 'video-call-relay', '--port', '0', '--host', '127.0.0.1'], {
      cwd: path.join(dir, 'app'),
      env: { ...NPM_ENV, PORT: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.add(child);
    let text = '';
    child.stdout!.on('data', (d) => (text += d));
    child.stderr!.on('data', (d) => (text += d));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the relay did not start:\n${text}`)), 15_000);
        child.stdout!.on('data', () => {
          const m = /listening on (http:\/\/\S+?)\/?$/m.exec(text);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.on('exit', () => reject(new Error(`the relay exited:\n${text}`)));
      });
      const res = await fetch(`${url.replace('localhost', '127.0.0.1')}/healthz`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { ok: boolean }).ok, true);
    } finally {
      // npx runs the bin in a child of its own: stop the whole group.
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {}
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.on('exit', resolve)));
      children.delete(child);
    }
  });
});
