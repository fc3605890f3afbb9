/**
 * The `video-call-relay` CLI as users run it: built by scripts/build-server.mjs
 * into plain JS, spawned as a process, serving static files, and shutting
 * down gracefully on SIGTERM (peers are told, the process exits promptly).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { connect, disconnectAll, get, join, next } from './relay-helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let out: string;
const children = new Set<ChildProcess>();

before(async () => {
  // Inside node_modules so the bundle's external imports resolve like an installed package's.
  out = await mkdtemp(path.join(root, 'node_modules', '.cache-relay-cli-'));
  const build = spawn(process.execPath, [path.join(root, 'scripts/build-server.mjs'), out], { stdio: 'pipe' });
  const code = await new Promise((resolve) => build.on('exit', resolve));
  assert.equal(code, 0, 'the server build succeeds');
  await writeFile(path.join(out, 'index.html'), '<title>static ok</title>');
});

after(async () => {
  disconnectAll();
  for (const c of children) c.kill('SIGKILL');
  await rm(out, { recursive: true, force: true });
});

/** Spawns the built CLI and resolves once it prints its URL. */
async function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [path.join(out, 'cli.js'), ...args], {
    env: { ...process.env, PORT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`CLI did not start:\n${text}`)), 5000);
    const check = () => {
      const m = /listening on (http:\/\/\S+?)\/?$/m.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', () => reject(new Error(`CLI exited:\n${text}`)));
  });
  return { child, url, output: () => text };
}

describe('video-call-relay CLI', () => {
  it('is a node script with a shebang', async () => {
    const cli = await readFile(path.join(out, 'cli.js'), 'utf8');
    assert.ok(cli.startsWith('#!/usr/bin/env node\n'));
  });

  it('prints usage with --help', async () => {
    const child = spawn(process.execPath, [path.join(out, 'cli.js'), '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    assert.equal(await new Promise((r) => child.on('exit', r)), 0);
    assert.match(text, /--port N/);
    assert.match(text, /RELAY_SECRET/);
  });

  it('serves --static DIR and /healthz on --port 0 --host 127.0.0.1', async () => {
    const { child, url } = await startCli(['--port', '0', '--host', '127.0.0.1', '--static', out]);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(await (await get(`${url}/`)).text(), /static ok/);
    assert.equal((await (await get(`${url}/healthz`)).json()).ok, true);
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
  });

  it('reads its settings from the environment (PORT, MAX_PEERS_PER_ROOM)', async () => {
    const { child, url } = await startCli(['--host', '127.0.0.1'], { PORT: '0', MAX_PEERS_PER_ROOM: '1' });
    const [a, b] = await Promise.all([connect(url), connect(url)]);
    assert.equal((await join(a, 'env')).ok, true);
    assert.equal((await join(b, 'env')).error.code, 'room-full');
    a.disconnect();
    b.disconnect();
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
  });

  it('refuses a malformed setting with a message and a non-zero exit', async () => {
    const child = spawn(process.execPath, [path.join(out, 'cli.js'), '--port', 'abc'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stderr.on('data', (d) => (text += d));
    assert.equal(await new Promise((r) => child.on('exit', r)), 2);
    assert.match(text, /Invalid port "abc"/);
  });

  it('--mint prints a room grant the relay accepts for that room only', async () => {
    const env = { ...process.env, RELAY_SECRET: 'cli-secret' };
    const child = spawn(process.execPath, [path.join(out, 'cli.js'), '--mint', 'board room', '--ttl', '60'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let token = '';
    child.stdout.on('data', (d) => (token += d));
    assert.equal(await new Promise((r) => child.on('exit', r)), 0);
    token = token.trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const { child: relay, url } = await startCli(['--port', '0', '--host', '127.0.0.1'], { RELAY_SECRET: 'cli-secret' });
    const a = await connect(url);
    assert.equal((await join(a, 'other room', 'A', token)).error.code, 'unauthorized');
    assert.equal((await join(a, 'board room', 'A', token)).ok, true);
    a.disconnect();
    relay.kill('SIGTERM');
    await new Promise((r) => relay.on('exit', r));
  });

  it('on SIGTERM tells peers and exits promptly with code 0', async () => {
    const { child, url, output } = await startCli(['--port', '0', '--host', '127.0.0.1']);
    const [a, b] = await Promise.all([connect(url), connect(url)]);
    await join(a, 'bye', 'A');
    await join(b, 'bye', 'B');
    const aId = a.id;
    const bId = b.id;
    const aLeft = next(a, 'peer-left', 3000);
    const bLeft = next(b, 'peer-left', 3000);
    const aDown = next(a, 'disconnect', 3000);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const t0 = Date.now();
    child.kill('SIGTERM');
    const [leftA, leftB] = await Promise.all([aLeft, bLeft]);
    assert.deepEqual(leftA, { id: bId });
    assert.deepEqual(leftB, { id: aId });
    // Dropped, not told to stay away: a real client reconnects (to another process behind a load balancer).
    assert.equal(await aDown, 'transport close');
    assert.equal(await exited, 0);
    assert.ok(Date.now() - t0 < 2000, `exited in ${Date.now() - t0} ms`);
    assert.match(output(), /SIGTERM: shutting down/);
  });
});
