/**
 * A room member that stops reading while the others send it big signals (within the
 * limits) must not make the relay buffer without bound: the relay (the real CLI, in a
 * process of its own, so its memory can be measured) drops that socket as soon as
 * what waits to be sent to it passes a bound, its RSS stays bounded meanwhile, and
 * SIGTERM under that load still exits 0 at once.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, afterEach, describe, it } from 'node:test';
import { connect, disconnectAll, request, sleep, type Client } from './relay-helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const children = new Set<ChildProcess>();

after(() => {
  for (const c of children) c.kill('SIGKILL');
});
afterEach(() => disconnectAll());

/** The relay CLI from source, on a free loopback port. */
async function startCli(env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--port', '0', '--host', '127.0.0.1'], {
    cwd: root,
    env: { ...process.env, PORT: '', REDIS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start:\n${text}`)), 10_000);
    child.stdout!.on('data', () => {
      const m = /listening on (http:\/\/\S+?)\/?$/m.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', () => reject(new Error(`relay exited:\n${text}`)));
  });
  return { child, url, output: () => text };
}

/** Resident memory of a process, in MB (Linux). */
function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!;
  return Number(kb) / 1024;
}

/**
 * A room of eight: one member that joins, then stops reading (its TCP socket paused:
 * the kernel buffers fill and the relay's writes to it stall), and seven senders.
 */
async function roomWithStalledReader(url: string, room: string): Promise<{ reader: Client; readerId: string; senders: Client[] }> {
  const reader = await connect(url);
  const readerId = (await request(reader, 'join', { room, name: 'slow' })).selfId as string;
  const senders: Client[] = [];
  for (let i = 0; i < 7; i++) {
    const s = await connect(url);
    assert.equal((await request(s, 'join', { room, name: `s${i}` })).ok, true);
    senders.push(s);
  }
  await sleep(100);
  const ws = (reader.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } }).ws;
  ws._socket.pause();
  return { reader, readerId, senders };
}

/** Each sender sends `to` a 60 KB signal 45 times a second (the limit is 50/s) until stopped. */
function load(senders: Client[], to: string): () => void {
  const data = 'x'.repeat(60_000);
  const timers = senders.map((s) => setInterval(() => s.connected && s.emit('signal', { to, data }), 1000 / 45));
  return () => timers.forEach(clearInterval);
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.on('exit', (code) => r(code)));
}

describe('a reader that stalls', () => {
  it('is dropped within a bounded time, and the relay memory stays bounded', { timeout: 30_000 }, async () => {
    const { child, url, output } = await startCli();
    const { readerId, senders } = await roomWithStalledReader(url, 'stall');
    const before = rssMb(child.pid!);
    let gone = 0;
    senders[0]!.on('peer-left', (p: { id: string }) => p.id === readerId && (gone ||= Date.now()));
    const t0 = Date.now();
    const stop = load(senders, readerId);
    let peak = before;
    try {
      while (Date.now() - t0 < 6000) {
        await sleep(100);
        peak = Math.max(peak, rssMb(child.pid!));
      }
    } finally {
      stop();
    }
    const growth = Math.round(peak - before);
    console.log(
      `stalled reader dropped after ${gone ? gone - t0 : 'never'} ms; relay RSS ${Math.round(before)} → peak ${Math.round(peak)} MB`,
    );
    assert.ok(gone > 0, `the stalled reader was not dropped within 6 s\n${output()}`);
    assert.ok(gone - t0 < 4000, `dropped only after ${gone - t0} ms`);
    assert.ok(growth < 80, `relay RSS grew by ${growth} MB`);
    assert.match(output(), /event=send code=slow-reader/);
    child.kill('SIGKILL');
  });

  it('SIGTERM under that load exits 0 within a second or so', { timeout: 30_000 }, async () => {
    const { child, url, output } = await startCli();
    const { readerId, senders } = await roomWithStalledReader(url, 'stall-term');
    const stop = load(senders, readerId);
    try {
      await sleep(400);
      const t0 = Date.now();
      child.kill('SIGTERM');
      const code = await exited(child);
      const took = Date.now() - t0;
      assert.equal(code, 0, output());
      assert.ok(took < 2000, `exit took ${took} ms`);
    } finally {
      stop();
    }
  });

  it('SIGTERM exits 0 at once with a stalled reader that has a little data waiting (under the bound)', { timeout: 30_000 }, async () => {
    const { child, url, output } = await startCli();
    const { readerId, senders } = await roomWithStalledReader(url, 'stall-small');
    const data = 'x'.repeat(60_000);
    for (let i = 0; i < 10; i++) senders[i % 7]!.emit('signal', { to: readerId, data });
    await sleep(300);
    const t0 = Date.now();
    child.kill('SIGTERM');
    const code = await exited(child);
    const took = Date.now() - t0;
    assert.equal(code, 0, output());
    assert.ok(took < 2000, `exit took ${took} ms`);
  });
});
