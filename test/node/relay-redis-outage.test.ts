/**
 * REDIS_URL: Redis going away mid-run, with a real redis-server and two relays.
 *
 * - Killed and restarted: joins during the outage are answered at once with `transport`
 *   (not left hanging, not "join already in progress" on a retry), the relays stay up,
 *   and once Redis is back joins work again and presence is rebuilt.
 * - Unreachable but not restarted (a network cut, through a TCP proxy): a peer that
 *   disconnects meanwhile is removed from Redis once it answers again, so no stale member
 *   is left in the room.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { connect, disconnectAll, get, join, next, request, sleep, startRelay, type TestRelay } from './relay-helpers.js';
import { freePort } from '../support/net.js';

const children = new Set<ChildProcess>();
const relays: TestRelay[] = [];
const servers: net.Server[] = [];

after(async () => {
  disconnectAll();
  await Promise.all(relays.map((r) => r.close()));
  for (const s of servers) s.close();
  for (const c of children) c.kill('SIGKILL');
});

function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let text = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${text}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      text += d;
      if (/Ready to accept connections/.test(text)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited ${code}:\n${text}`)));
  });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return gone;
}

async function relay(redisUrl: string, redisHeartbeatMs = 200): Promise<TestRelay> {
  const r = await startRelay({ redisUrl, redisHeartbeatMs });
  relays.push(r);
  return r;
}

/** Retries `fn` until it returns true (or fails after `ms`). */
async function eventually(what: string, fn: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await fn().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(100);
  }
}

describe('relay over Redis, Redis going away', () => {
  it('Redis killed mid-run: joins fail fast with "transport", retries are not stuck, and work again once Redis is back', async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    const url = `redis://127.0.0.1:${port}`;
    const one = await relay(url);
    const two = await relay(url);
    const a = await connect(one.url);
    const b = await connect(two.url);
    assert.equal((await join(a, 'outage', 'A')).ok, true);

    await kill(redis);
    await sleep(200);
    for (let attempt = 1; attempt <= 2; attempt++) {
      const t0 = Date.now();
      const ack = await join(b, 'outage', 'B');
      assert.equal(ack.ok, false, `attempt ${attempt}`);
      assert.equal(ack.error.code, 'transport', `attempt ${attempt}: ${ack.error.message}`);
      assert.match(ack.error.message, /presence store/);
      assert.ok(Date.now() - t0 < 1000, `answered in ${Date.now() - t0} ms`);
    }
    // A signal that needs presence (its addressee is on the other process) fails alike.
    assert.equal((await request(a, 'signal', { to: b.id, data: 'x' })).error.code, 'transport');
    // Both relays are up and answering.
    for (const r of [one, two]) assert.equal((await get(`${r.url}/healthz`)).status, 200);
    assert.ok(a.connected && b.connected);
    assert.ok(one.logs.some((l) => /^error redis /.test(l)), 'the outage is logged');

    // Redis comes back empty: the relays reconnect, A's process puts A back, B can join and sees A.
    redis = await startRedis(port);
    const aSawB = next(a, 'peer-joined', 10_000);
    await eventually('B joins and sees A', async () => {
      const ack = await join(b, 'outage', 'B');
      return ack.ok === true && ack.peers.some((p: { id: string }) => p.id === a.id);
    });
    assert.deepEqual(await aSawB, { id: b.id, name: 'B' });
    // Signals cross processes again, both ways.
    const toA = next(a, 'signal');
    assert.deepEqual(await request(b, 'signal', { to: a.id, data: 'back' }), { ok: true });
    assert.deepEqual(await toA, { from: b.id, data: 'back' });
    const toB = next(b, 'signal');
    assert.deepEqual(await request(a, 'signal', { to: b.id, data: 'hi' }), { ok: true });
    assert.deepEqual(await toB, { from: a.id, data: 'hi' });
    // A newcomer on either process sees exactly A and B.
    const c = await connect(one.url);
    const ackC = await join(c, 'outage', 'C');
    assert.deepEqual(ackC.peers.map((p: { id: string }) => p.id).sort(), [a.id, b.id].sort());
  });

  it('Redis unreachable for a while (data kept): a peer that left meanwhile is removed once Redis answers', async () => {
    const redisPort = await freePort();
    await startRedis(redisPort);
    // relays → proxy → redis-server: cutting the proxy is a network outage that loses no data.
    const sockets = new Set<net.Socket>();
    let cut = false;
    const proxy = net.createServer((client) => {
      if (cut) return client.destroy();
      const upstream = net.connect(redisPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    servers.push(proxy);
    const proxyPort = await freePort();
    await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));
    const url = `redis://127.0.0.1:${proxyPort}`;
    // A heartbeat slow enough that the short cut below does not get the processes declared dead.
    const one = await relay(url, 1000);
    const two = await relay(url, 1000);

    const a = await connect(one.url);
    const gone = await connect(one.url);
    const b = await connect(two.url);
    await join(a, 'cut', 'A');
    await join(gone, 'cut', 'G');
    const goneId = gone.id;

    cut = true;
    for (const s of sockets) s.destroy();
    await sleep(200);
    const left = next(a, 'peer-left');
    gone.disconnect();
    // Its own process tells the room at once, Redis or not.
    assert.deepEqual(await left, { id: goneId });
    await sleep(300);
    cut = false;

    await eventually('B joins', async () => (await join(b, 'cut', 'B')).ok === true);
    // Once the heartbeat has run the removal that failed, nobody sees the departed peer.
    await eventually('the departed peer is gone from Redis', async () => {
      const c = await connect(two.url);
      const ack = await join(c, 'cut', 'C');
      c.disconnect();
      return ack.ok === true && !ack.peers.some((p: { id: string }) => p.id === goneId);
    }, 5000);
    const d = await connect(two.url);
    const ackD = await join(d, 'cut', 'D');
    assert.deepEqual(ackD.peers.map((p: { id: string }) => p.id).sort(), [a.id, b.id].sort());
  });
});
