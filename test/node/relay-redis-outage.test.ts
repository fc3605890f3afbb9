/**
 * REDIS_URL: Redis going away mid-run, with a real redis-server and two relays.
 *
 * - Killed and restarted: joins during the outage are answered at once with `transport`
 *   (not left hanging, not "join already in progress" on a retry), the relays stay up,
 *   and once Redis is back joins work again and presence is rebuilt.
 *   Broadcasts to other processes are dropped meanwhile, not queued and replayed late.
 * - Unreachable but not restarted (a network cut, through a TCP proxy): a peer that
 *   disconnects meanwhile is removed from Redis once it answers again, so no stale member
 *   is left in the room.
 * - Stalled (SIGSTOP: the connection holds, nothing is answered): joins still fail fast,
 *   nothing is wedged, and a join whose write lands after its failure leaves no ghost.
 * - The client transport reconnecting while Redis is away keeps trying to re-join.
 * - A long backlog of removals to retry never keeps a process from proving it is alive.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { createClient } from 'redis';
import { RedisPresence, type RedisCommands } from '../../server/presence-redis.js';
import { SocketIoTransport } from '../../src/transports/socket-io.js';
import type { TransportState } from '../../src/transports/transport.js';
import { connect, disconnectAll, get, join, next, record, request, sleep, startRelay, type TestRelay } from './relay-helpers.js';
import { freePort } from '../support/net.js';
import { startRedisServer, type TestRedis } from '../support/redis-server.js';

const redisServers = new Set<TestRedis>();
const relays: TestRelay[] = [];
const servers: net.Server[] = [];
const cleanups: (() => unknown)[] = [];

after(async () => {
  for (const c of cleanups) await c();
  disconnectAll();
  await Promise.all(relays.map((r) => r.close()));
  for (const s of servers) s.close();
  for (const r of redisServers) await r.kill();
});

/** The test's redis-server on `port` (again, after a kill), killed after the file if still up. */
async function startRedis(port: number): Promise<TestRedis> {
  const redis = await startRedisServer({ port });
  redisServers.add(redis);
  redis.child.on('exit', () => redisServers.delete(redis));
  return redis;
}

/** A plain client of the test's Redis, to look at what the relays left there. */
async function inspect(url: string) {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  cleanups.push(() => client.destroy());
  return client;
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

type Client = Awaited<ReturnType<typeof connect>>;

/** Once Redis is back: B (on the other process) can join `room` and sees A, and signals cross processes both ways. */
async function backInService(a: Client, b: Client, room: string): Promise<void> {
  const aSawB = next(a, 'peer-joined', 10_000);
  await eventually('B joins and sees A', async () => {
    const ack = await join(b, room, 'B');
    return ack.ok === true && ack.peers.some((p: { id: string }) => p.id === a.id);
  });
  assert.deepEqual(await aSawB, { id: b.id, name: 'B' });
  const toA = next(a, 'signal');
  assert.deepEqual(await request(b, 'signal', { to: a.id, data: 'back' }), { ok: true });
  assert.deepEqual(await toA, { from: b.id, data: 'back' });
  const toB = next(b, 'signal');
  assert.deepEqual(await request(a, 'signal', { to: b.id, data: 'hi' }), { ok: true });
  assert.deepEqual(await toB, { from: a.id, data: 'hi' });
}

describe('relay over Redis, Redis going away', () => {
  it('Redis killed mid-run: joins fail fast with "transport", retries are not stuck, and work again once Redis is back', async () => {
    const port = await freePort();
    const redis = await startRedis(port);
    const url = `redis://127.0.0.1:${port}`;
    const one = await relay(url);
    const two = await relay(url);
    const a = await connect(one.url);
    const b = await connect(two.url);
    const bSaw = record(b);
    assert.equal((await join(a, 'outage', 'A')).ok, true);
    // Publishes (messages to the other process) not yet answered by Redis.
    const pub = (one.relay.io.of('/').adapter as unknown as { pubClient: { publish(...args: unknown[]): Promise<unknown> } }).pubClient;
    const publish = pub.publish;
    let publishing = 0;
    pub.publish = (...args) => {
      publishing++;
      return publish(...args).finally(() => publishing--);
    };

    await redis.kill();
    await sleep(200);
    // Broadcasts meanwhile (here to B, on the other process) are dropped at once: nothing
    // piles up in memory, nothing is delivered late once Redis is back.
    for (let i = 0; i < 1000; i++) one.relay.io.to(b.id!).emit('signal', { from: 'stale', data: i });
    await sleep(50);
    assert.equal(publishing, 0, 'no publish waits for Redis');
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
    assert.ok(
      one.logs.some((l) => /^error redis /.test(l)),
      'the outage is logged',
    );

    // Redis comes back empty: the relays reconnect, A's process puts A back, B can join and sees A.
    await startRedis(port);
    await backInService(a, b, 'outage');
    // A newcomer on either process sees exactly A and B.
    const c = await connect(one.url);
    const ackC = await join(c, 'outage', 'C');
    assert.deepEqual(ackC.peers.map((p: { id: string }) => p.id).sort(), [a.id, b.id].sort());
    assert.ok(
      !bSaw.some((e) => e.event === 'signal' && (e.args[0] as { from: string }).from === 'stale'),
      'no broadcast of the outage arrives late',
    );
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
    await eventually(
      'the departed peer is gone from Redis',
      async () => {
        const c = await connect(two.url);
        const ack = await join(c, 'cut', 'C');
        c.disconnect();
        return ack.ok === true && !ack.peers.some((p: { id: string }) => p.id === goneId);
      },
      5000,
    );
    const d = await connect(two.url);
    const ackD = await join(d, 'cut', 'D');
    assert.deepEqual(ackD.peers.map((p: { id: string }) => p.id).sort(), [a.id, b.id].sort());
  });

  it('Redis stalled (SIGSTOP): joins fail with "transport" within ~3 s, the relay is not wedged, and after SIGCONT joins and signals work with no ghost', async () => {
    const port = await freePort();
    const redis = await startRedis(port);
    const url = `redis://127.0.0.1:${port}`;
    const one = await relay(url, 1000);
    const two = await relay(url, 1000);
    const a = await connect(one.url);
    const b = await connect(two.url);
    const g = await connect(one.url);
    const ghost = g.id;
    assert.equal((await join(a, 'stall', 'A')).ok, true);

    process.kill(redis.child.pid!, 'SIGSTOP');
    cleanups.push(() => redis.child.exitCode === null && process.kill(redis.child.pid!, 'SIGCONT'));
    try {
      // G's join is written to the stalled Redis and fails; G gives up and goes.
      const gJoin = join(g, 'stall', 'G');
      // B's join fails in time, and so does its retry (not "a join is already in progress").
      for (let attempt = 1; attempt <= 2; attempt++) {
        const t0 = Date.now();
        const ack = await join(b, 'stall', 'B');
        assert.equal(ack.ok, false, `attempt ${attempt}`);
        assert.equal(ack.error.code, 'transport', `attempt ${attempt}: ${ack.error.message}`);
        assert.match(ack.error.message, /presence store/);
        assert.ok(Date.now() - t0 < 3000, `answered in ${Date.now() - t0} ms`);
      }
      assert.equal((await gJoin).error.code, 'transport');
      g.disconnect();
      // Both relays answer at once meanwhile, and their heartbeat fails instead of hanging.
      for (const r of [one, two]) {
        const t0 = Date.now();
        assert.equal((await get(`${r.url}/healthz`)).status, 200);
        assert.ok(Date.now() - t0 < 500);
        assert.ok(
          r.logs.some((l) => /^error presence heartbeat: Redis did not answer/.test(l)),
          r.logs.join('\n'),
        );
      }
    } finally {
      process.kill(redis.child.pid!, 'SIGCONT');
    }

    // Redis goes on (running what it was sent meanwhile, G's join included).
    await backInService(a, b, 'stall');
    // G's late write is undone: the room in Redis holds exactly A and B, and so a newcomer sees.
    const plain = await inspect(url);
    await eventually('no ghost in Redis', async () => {
      const ids = Object.keys(await plain.hGetAll('video-call:room:stall')).sort();
      return JSON.stringify(ids) === JSON.stringify([a.id, b.id].sort());
    });
    assert.equal(await plain.exists(`video-call:peer:${ghost}`), 0);
    const c = await connect(two.url);
    const ackC = await join(c, 'stall', 'C');
    assert.deepEqual(ackC.peers.map((p: { id: string }) => p.id).sort(), [a.id, b.id].sort());
  });

  it('the client transport reconnecting while Redis is away keeps re-joining (reconnecting) and rejoins once Redis is back', async () => {
    const port = await freePort();
    const redis = await startRedis(port);
    const url = `redis://127.0.0.1:${port}`;
    const one = await relay(url);
    const make = () => {
      const t = new SocketIoTransport({
        server: one.url,
        joinTimeoutMs: 3000,
        ioOptions: { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 200 },
      });
      cleanups.push(() => t.close());
      return t;
    };
    const t = make();
    const u = make();
    const jt = await t.join('blip', { name: 'T' });
    const ju = await u.join('blip', { name: 'U' });
    const seen: string[] = [];
    t.on('state', (s: TransportState) => seen.push(`state:${s}`));
    t.on('error', (e) => seen.push(`error:${e.code}`));
    const rejoined = new Promise<{ selfId: string; peers: { id: string; name: string }[] }>((resolve) => t.on('rejoined', resolve));

    await redis.kill();
    await sleep(100);
    // T's connection drops; it comes back at once, and its re-join gets "transport".
    const held = [...one.relay.io.sockets.sockets.values()].find((s) => s.rooms.has(jt.selfId));
    held!.conn.close();
    await eventually('a re-join was refused for now', async () => one.logs.some((l) => /event=join code=transport/.test(l)), 5000);
    await sleep(1500); // a retry or two
    assert.equal(t.state, 'reconnecting', seen.join(', '));
    assert.ok(!seen.includes('error:transport') && !seen.includes('state:closed'), seen.join(', '));

    await startRedis(port);
    const result = await Promise.race([rejoined, sleep(15_000).then(() => assert.fail(`no rejoined: ${seen.join(', ')}`))]);
    assert.equal(result.selfId, jt.selfId);
    assert.equal(t.state, 'connected');
    assert.equal(seen.at(-1), 'state:connected');
    assert.ok(!seen.some((e) => e.startsWith('error:') || e === 'state:closed'), seen.join(', '));
    // Signals flow again.
    const toU = new Promise((resolve) => u.on('signal', resolve));
    t.send(ju.selfId, 'back');
    assert.deepEqual(await toU, { from: jt.selfId, data: 'back' });
  });

  it('a long backlog of removals to retry, with Redis slow, never keeps a process from beating: nobody sweeps it', async () => {
    const port = await freePort();
    await startRedis(port);
    const url = `redis://127.0.0.1:${port}`;
    const real = await inspect(url);
    // Process A's view of Redis: unreachable, or answering each command 2 ms late.
    let mode: 'ok' | 'down' | 'slow' = 'ok';
    const through =
      <K extends keyof RedisCommands>(name: K) =>
      async (...args: Parameters<RedisCommands[K]>): Promise<any> => {
        if (mode === 'down') throw new Error('Redis unreachable');
        if (mode === 'slow') await sleep(2);
        return (real[name] as (...a: unknown[]) => Promise<unknown>)(...args);
      };
    const slow: RedisCommands = {
      eval: through('eval'),
      hExists: through('hExists'),
      hLen: through('hLen'),
      sRem: through('sRem'),
      sMembers: through('sMembers'),
      del: through('del'),
    };
    const prefix = 'backlog:';
    const swept: string[] = [];
    const a = new RedisPresence(slow, { prefix, heartbeatMs: 150, log: () => undefined, onGone: () => undefined });
    const b = new RedisPresence(real as unknown as RedisCommands, {
      prefix,
      heartbeatMs: 150,
      log: () => undefined,
      onGone: (gone, reason) => swept.push(...gone.map((g) => `${g.id} ${reason}`)),
    });
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    await a.start();
    await b.start();
    const claim = (id: string) => ({ id, sid: `s-${id}`, keyHash: '', mayTakeOver: true });
    assert.equal((await a.join('stay', claim('alive'), 'Alive', 8)).status, 'ok');
    // 1000 members, one room each, whose leaves fail: 1000 removals to retry.
    const n = 1000;
    for (let i = 0; i < n; i++) await a.join(`r${i}`, claim(`p${i}`), '', 8);
    mode = 'down';
    for (let i = 0; i < n; i++) await a.leave(`r${i}`, `p${i}`, `s-p${i}`).catch(() => undefined);
    mode = 'slow';
    // Retried one by one they take over 2 s, far beyond A's TTL (450 ms): A keeps beating meanwhile.
    await eventually(
      'the backlog is drained',
      async () => {
        for (let i = 0; i < n; i += 50) if ((await real.exists(`${prefix}room:r${i}`)) === 1) return false;
        return (await real.exists(`${prefix}room:r${n - 1}`)) === 0;
      },
      20_000,
    );
    assert.deepEqual(swept, [], 'A was never declared dead');
    assert.deepEqual(Object.keys(await real.hGetAll(`${prefix}room:stay`)), ['alive']);
  });
});
