/**
 * The Socket.IO transport (src/transports/socket-io.ts) in Node against a real relay:
 * join results, peer events, addressed signals, leave/close, error codes,
 * an unreachable relay, automatic re-join after a lost connection, and the
 * `error` event when that re-join is refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { createRelay } from '../../server/app.js';
import { VideoCallError } from '../../src/errors.js';
import { SocketIoTransport } from '../../src/transports/socket-io.js';
import type { TransportEvents, TransportState } from '../../src/transports/transport.js';
import { sleep, startRelay, type TestRelay } from './relay-helpers.js';
import { freePort } from '../support/net.js';
import net from 'node:net';

/** A TCP server that counts connection attempts and drops each at once (a host that is up, with no relay). */
async function countingServer(port = 0): Promise<{ port: number; attempts(): number; close(): Promise<void> }> {
  let n = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    n++;
    s.destroy();
  });
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    attempts: () => n,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A TCP proxy in front of `port`. `stall()` makes the connections open now go silent both
 * ways without closing (what a network change does to a connection bound to the old address);
 * new connections are forwarded as before.
 */
async function stallingProxy(port: number): Promise<{ url: string; stall(): void; close(): Promise<void> }> {
  const live = new Set<[net.Socket, net.Socket]>();
  const all = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [client, upstream];
    live.add(pair);
    all.add(client).add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      live.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    stall() {
      for (const [client, upstream] of live) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
      live.clear();
    },
    close() {
      for (const s of all) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let r: TestRelay;
const made: SocketIoTransport[] = [];

function transport(url = r.url): SocketIoTransport {
  const t = new SocketIoTransport({
    server: url,
    joinTimeoutMs: 3000,
    ioOptions: { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 200 },
  });
  made.push(t);
  return t;
}

function nextEvent<K extends keyof TransportEvents>(t: SocketIoTransport, type: K, ms = 3000): Promise<TransportEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${String(type)} within ${ms} ms`));
    }, ms);
    const off = t.on(type, (payload) => {
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

before(async () => {
  r = await startRelay({ maxPeersPerRoom: 3 });
});

after(async () => {
  for (const t of made) t.close();
  await r.close();
});

describe('socket.io transport', () => {
  it('joins, sees peers come and go, and exchanges addressed signals', async () => {
    const a = transport();
    const b = transport();
    const ja = await a.join('t-room', { name: 'Alice' });
    assert.equal(typeof ja.selfId, 'string');
    assert.deepEqual(ja.peers, []);
    assert.equal(a.state, 'connected');
    const joined = nextEvent(a, 'peer-joined');
    const jb = await b.join('t-room', { name: 'Bob' });
    assert.deepEqual(jb.peers, [{ id: ja.selfId, name: 'Alice' }]);
    assert.deepEqual(await joined, { id: jb.selfId, name: 'Bob' });

    const sig = nextEvent(b, 'signal');
    a.send(jb.selfId, { type: 'offer', sdp: 'v=0' });
    assert.deepEqual(await sig, { from: ja.selfId, data: { type: 'offer', sdp: 'v=0' } });

    const left = nextEvent(a, 'peer-left');
    await b.leave();
    assert.deepEqual(await left, { id: jb.selfId });
    // After leaving, b's sends go nowhere and b gets nothing.
    let bGot = 0;
    b.on('signal', () => bGot++);
    a.send(jb.selfId, 'after leave');
    b.send(ja.selfId, 'after leave');
    await sleep(100);
    assert.equal(bGot, 0);
  });

  it('close() tells the others and ends in state "closed"', async () => {
    const a = transport();
    const b = transport();
    await a.join('t-close');
    const jb = await b.join('t-close');
    const states: TransportState[] = [];
    b.on('state', (s) => states.push(s));
    const left = nextEvent(a, 'peer-left');
    b.close();
    assert.deepEqual(await left, { id: jb.selfId });
    assert.equal(b.state, 'closed');
    assert.deepEqual(states, ['closed']);
    await assert.rejects(b.join('t-close'), (e: VideoCallError) => e.code === 'invalid-state');
  });

  it('rejects with room-full and bad-config from the relay as VideoCallErrors', async () => {
    const ts = [transport(), transport(), transport()];
    for (const t of ts) await t.join('t-full');
    const fourth = transport();
    await assert.rejects(fourth.join('t-full'), (e: unknown) => e instanceof VideoCallError && e.code === 'room-full');
    await assert.rejects(fourth.join('x'.repeat(200)), (e: unknown) => e instanceof VideoCallError && e.code === 'bad-request');
    // The same transport can still join another room.
    assert.deepEqual((await fourth.join('t-not-full')).peers, []);
  });

  it('maps unauthorized from a relay that requires tokens', async () => {
    const secured = await startRelay({ secret: 's3cret' });
    try {
      const t = transport(secured.url);
      await assert.rejects(t.join('locked'), (e: unknown) => e instanceof VideoCallError && e.code === 'unauthorized');
      const token = await new SignJWT({ room: 'locked' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('1m')
        .sign(new TextEncoder().encode('s3cret'));
      assert.deepEqual((await t.join('locked', { token })).peers, []);
      t.close();
    } finally {
      await secured.close();
    }
  });

  it('fails fast with code "transport" and a readable message when the relay is unreachable', async () => {
    const dead = await startRelay();
    const url = dead.url;
    await dead.close();
    const t = transport(url);
    const t0 = Date.now();
    await assert.rejects(t.join('nowhere'), (e: unknown) => {
      assert.ok(e instanceof VideoCallError);
      assert.equal(e.code, 'transport');
      // The server named as a person reads it; no client jargon ("xhr poll error", "websocket error").
      assert.equal(e.message, `Cannot reach the call server ${new URL(url).host}. Check the internet connection, or try again later.`);
      return true;
    });
    assert.ok(Date.now() - t0 < 2500, 'fails well before the 10 s timeout');
    t.close();
  });

  it('after a join that could not reach the relay, nothing keeps reconnecting in the background', async () => {
    const server = await countingServer();
    const t = transport(`http://127.0.0.1:${server.port}`);
    await assert.rejects(t.join('nowhere'), /Cannot reach the call server/);
    const tries = server.attempts();
    await sleep(3000); // the client's reconnection (100-200 ms apart here) would have tried many times by now
    assert.equal(server.attempts(), tries, 'no connection attempt after the failed join');
    // Joining again tries again.
    await assert.rejects(t.join('nowhere'), /Cannot reach the call server/);
    assert.ok(server.attempts() > tries);
    t.close();
    await server.close();
  });

  it('a lost connection that does not come back: retries back off and then stop, with error "transport", then closed', async () => {
    const relay = await startRelay();
    const t = new SocketIoTransport({
      server: relay.url,
      joinTimeoutMs: 3000,
      ioOptions: { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 200, reconnectionAttempts: 3 },
    });
    made.push(t);
    await t.join('t-gone', { name: 'A' });
    const error = nextEvent(t, 'error', 8000);
    const closed = new Promise<void>((resolve) => t.on('state', (s) => s === 'closed' && resolve()));
    await relay.close();
    // The relay's port now answers nothing a client could use: every reconnection fails.
    const server = await countingServer(relay.port);
    try {
      const e = await error;
      assert.equal(e.code, 'transport');
      assert.equal(e.message, `Lost the connection to the call server 127.0.0.1:${relay.port} and could not get it back.`);
      await closed;
      const tries = server.attempts();
      assert.ok(tries >= 1 && tries <= 4, `a bounded number of tries (${tries})`);
      await sleep(1500);
      assert.equal(server.attempts(), tries, 'no reconnection after giving up');
    } finally {
      await server.close();
    }
  });

  it('after a lost connection, reconnects, re-joins on its own under the same id and emits rejoined', async () => {
    const a = transport();
    const b = transport();
    const ja = await a.join('t-rejoin', { name: 'A' });
    const jb = await b.join('t-rejoin', { name: 'B' });
    const states: TransportState[] = [];
    a.on('state', (s) => states.push(s));
    const rejoined = nextEvent(a, 'rejoined', 5000);
    const bSawLeft = nextEvent(b, 'peer-left', 5000);
    const bSawJoin = nextEvent(b, 'peer-joined', 5000);
    // Cut a's connection from the server side, as a network drop would.
    // (The socket holding the peer id: its own id, or one it proposed, which it joined as a room.)
    const held = [...r.relay.io.sockets.sockets.values()].find((s) => s.id === ja.selfId || s.rooms.has(ja.selfId));
    held!.conn.close();
    const result = await rejoined;
    // The transport proposes a resumable id: it comes back under the same one.
    assert.equal(result.selfId, ja.selfId);
    assert.deepEqual(result.peers, [{ id: jb.selfId, name: 'B' }]);
    assert.deepEqual(await bSawLeft, { id: ja.selfId });
    assert.deepEqual(await bSawJoin, { id: result.selfId, name: 'A' });
    assert.equal(states[0], 'reconnecting');
    assert.equal(states.at(-1), 'connected');
    // Signals flow with the new id.
    const sig = nextEvent(b, 'signal');
    a.send(jb.selfId, 'hello again');
    assert.deepEqual(await sig, { from: result.selfId, data: 'hello again' });
  });

  it('check(): a connection gone silent (no close, as after a network change) is noticed at once and the room re-joined under the same id; a live one is left alone', async () => {
    const proxy = await stallingProxy(Number(new URL(r.url).port));
    try {
      const a = transport(proxy.url);
      const b = transport();
      const { selfId } = await a.join('probe-room', { name: 'Ann' });
      await b.join('probe-room', { name: 'Bob' });
      const states: string[] = [];
      a.on('state', (s) => states.push(s));
      a.check(); // alive: answered, nothing happens
      await sleep(2500);
      assert.deepEqual(states, [], 'a live connection is not touched');
      proxy.stall();
      const rejoined = nextEvent(a, 'rejoined', 4000);
      const checkedAt = Date.now();
      a.check();
      const result = await rejoined;
      const took = Date.now() - checkedAt;
      assert.equal(result.selfId, selfId, 'the same id as before');
      assert.deepEqual(states.slice(0, 2), ['reconnecting', 'connected']);
      // The relay's own keep-alive (pingInterval + pingTimeout) would have taken 10 s or more.
      assert.ok(took < 4000, `re-joined ${took} ms after check()`);
      // The signaling works again: Bob reaches Ann.
      const got = nextEvent(a, 'signal');
      b.send(selfId, { hello: 1 });
      assert.deepEqual((await got).data, { hello: 1 });
    } finally {
      await proxy.close();
    }
  });

  it('passes on the TURN servers the relay minted for it, in the join result and, fresh, in rejoined', async () => {
    const turnRelay = await startRelay({ turn: { urls: ['turn:127.0.0.1:3478'], secret: 'shh', ttlSeconds: 600 } });
    try {
      const a = transport(turnRelay.url);
      const ja = await a.join('t-turn', { name: 'A' });
      assert.equal(ja.iceServers?.[0]?.username?.split(':')[1], ja.selfId);
      assert.deepEqual(ja.iceServers?.[0]?.urls, ['turn:127.0.0.1:3478']);
      await sleep(1100); // a later second: a later expiry
      const rejoined = nextEvent(a, 'rejoined', 5000);
      [...turnRelay.relay.io.sockets.sockets.values()].find((s) => s.rooms.has(ja.selfId))!.conn.close();
      const again = await rejoined;
      const expiry = (j: typeof ja) => Number(j.iceServers![0].username!.split(':')[0]);
      assert.ok(expiry(again) > expiry(ja), 'freshly minted on the re-join');
      a.close();
    } finally {
      await turnRelay.close();
    }
  });

  it('when the re-join after a relay restart is refused (token expired meanwhile), emits error unauthorized, then closed', async () => {
    const port = await freePort();
    const secret = 'restart-secret';
    // The same port for both lives of the relay, as an operator's restart would have it.
    const boot = async () => {
      const rel = createRelay({ secret, logger: () => {} });
      await rel.listen(port, '127.0.0.1');
      return rel;
    };
    let live = await boot();
    const url = `http://127.0.0.1:${port}`;
    try {
      const exp = Math.floor(Date.now() / 1000) + 2;
      const token = await new SignJWT({ room: 'expiring' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime(exp)
        .sign(new TextEncoder().encode(secret));
      const t = transport(url);
      await t.join('expiring', { token });
      const seen: string[] = [];
      let error: { code: string; message: string } | undefined;
      t.on('state', (s) => seen.push(`state:${s}`));
      t.on('error', (e) => {
        error = e;
        seen.push(`error:${e.code}`);
      });
      t.on('rejoined', () => seen.push('rejoined'));
      // The relay goes away; the token expires while it is down; it comes back on the same port.
      await live.close();
      while (Date.now() / 1000 <= exp + 0.1) await sleep(100);
      live = await boot();
      const deadline = Date.now() + 5000;
      while (t.state !== 'closed' && Date.now() < deadline) await sleep(50);
      assert.equal(t.state, 'closed');
      assert.equal(error?.code, 'unauthorized');
      assert.match(error!.message, /expired/i);
      assert.deepEqual(seen.slice(-2), ['error:unauthorized', 'state:closed'], `events: ${seen.join(', ')}`);
      assert.ok(!seen.includes('rejoined'));
    } finally {
      await live.close();
    }
  });
});
