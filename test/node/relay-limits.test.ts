/**
 * Issue 4, the relay's defences, each against a real relay: room grants
 * (RELAY_SECRET), allowed origins, room capacity, message size, the rate
 * limit and cut-off, and the cap on rooms per socket.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { createRelay } from '../../server/app.js';
import { freePort } from '../support/net.js';
import { connect, disconnectAll, flush, get, join, next, record, request, sleep, startRelay, type TestRelay } from './relay-helpers.js';

const relays: TestRelay[] = [];
async function relay(options: Parameters<typeof startRelay>[0]): Promise<TestRelay> {
  const r = await startRelay(options);
  relays.push(r);
  return r;
}

after(async () => {
  disconnectAll();
  await Promise.all(relays.map((r) => r.close()));
});

const SECRET = 'correct horse battery staple';
function mint(claims: Record<string, unknown>, { secret = SECRET, exp = '5m' as string | number | null } = {}): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(new TextEncoder().encode(secret));
}

describe('RELAY_SECRET room grants', () => {
  it('admits a valid token for the room and refuses missing, forged, expired, exp-less, other-room and unsigned ones', async () => {
    const r = await relay({ secret: SECRET });
    const member = await connect(r.url);
    assert.equal((await join(member, 'vip', 'M', await mint({ room: 'vip' }))).ok, true);
    const seen = record(member);

    const c = await connect(r.url);
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ room: 'vip', exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url')}.`;
    const cases: [string, string | undefined][] = [
      ['missing', undefined],
      ['empty', ''],
      ['forged', await mint({ room: 'vip' }, { secret: 'wrong secret' })],
      ['expired', await mint({ room: 'vip' }, { exp: Math.floor(Date.now() / 1000) - 10 })],
      ['no exp', await mint({ room: 'vip' }, { exp: null })],
      ['other room', await mint({ room: 'lobby' })],
      ['no room claim', await mint({})],
      ['alg none', unsigned],
      ['garbage', 'not.a.jwt'],
    ];
    for (const [label, token] of cases) {
      const ack = await join(c, 'vip', 'intruder', token);
      assert.equal(ack.ok, false, `${label} token must be refused`);
      assert.equal(ack.error.code, 'unauthorized', label);
    }
    // A refused joiner is in no room: its signals go nowhere, the member saw nothing.
    assert.equal((await request(c, 'signal', { to: member.id, data: 'x' })).error.code, 'not-joined');
    await flush(c);
    assert.deepEqual(seen, []);
    // The lobby token works for the lobby only.
    assert.equal((await join(c, 'lobby', 'c', await mint({ room: 'lobby' }))).ok, true);
  });

  it('turns the seed protocol off (it cannot carry a grant) unless asked to keep it', async () => {
    const r = await relay({ secret: SECRET });
    const [a, b] = await Promise.all([connect(r.url), connect(r.url)]);
    const seenA = record(a);
    const refused = await request(a, 'join-room', 'seed-vip');
    assert.equal(refused.error.code, 'unauthorized');
    b.emit('join-room', 'seed-vip');
    b.emit('offer', { roomId: 'seed-vip', offer: 'x' });
    await flush(b);
    assert.deepEqual(seenA, []);
    const kept = await relay({ secret: SECRET, seedProtocol: true });
    const c = await connect(kept.url);
    assert.deepEqual(await request(c, 'join-room', 'seed-open'), { ok: true });
  });

  it('leaves rooms open when no secret is set', async () => {
    const r = await relay({});
    const c = await connect(r.url);
    assert.equal((await join(c, 'open-room')).ok, true);
  });
});

describe('ALLOWED_ORIGINS', () => {
  it("refuses a disallowed Origin over polling and websocket, the relay's own origin included unless listed; admits listed and origin-less clients", async () => {
    const r = await relay({ allowedOrigins: ['https://good.example'] });
    for (const transports of [['polling'], ['websocket']]) {
      await assert.rejects(
        connect(r.url, { transports, extraHeaders: { Origin: 'https://evil.example' } }),
        `evil origin over ${transports[0]} must not connect`,
      );
      // A page on the relay's own host and port (Origin host = Host header) is not listed: refused.
      await assert.rejects(
        connect(r.url, { transports, extraHeaders: { Origin: r.url } }),
        `the relay's own origin over ${transports[0]} must not connect unless listed`,
      );
      const good = await connect(r.url, { transports, extraHeaders: { Origin: 'https://good.example' } });
      assert.equal((await join(good, `origins-${transports[0]}`)).ok, true);
    }
    assert.ok((await connect(r.url)).connected, 'non-browser clients send no Origin');
    assert.equal(r.relay.io.engine.clientsCount, 3);

    // Listing the relay's own origin (its demo page, say) admits it.
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const listed = createRelay({ allowedOrigins: ['https://good.example', url], logger: () => {} });
    await listed.listen(port, '127.0.0.1');
    relays.push({ relay: listed, url, port, logs: [], close: () => listed.close() });
    const same = await connect(url, { transports: ['websocket'], extraHeaders: { Origin: url } });
    assert.ok(same.connected);
  });

  it('logs refused handshakes at most once per origin per minute, and at most 20 origins a minute', async () => {
    const r = await relay({ allowedOrigins: ['https://good.example'] });
    const handshake = (origin: string) => get(`${r.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: origin } });
    for (let i = 0; i < 50; i++) assert.equal((await handshake('https://evil.example')).status, 403);
    const lines = () => r.logs.filter((l) => /event=handshake/.test(l));
    assert.equal(lines().length, 1, lines().join('\n'));
    assert.match(lines()[0]!, /code=unauthorized origin "https:\/\/evil\.example" not allowed/);
    for (let i = 0; i < 100; i++) assert.equal((await handshake(`https://evil-${i}.example`)).status, 403);
    assert.equal(lines().length, 20, 'distinct origins are capped too');
    assert.equal((await handshake('https://good.example')).status, 200);
  });

  it('answers the raw polling handshake and the raw WebSocket upgrade from a disallowed origin with a refusal', async () => {
    const r = await relay({ allowedOrigins: ['https://good.example'] });
    const evil = await get(`${r.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: 'https://evil.example' } });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const preflight = await get(`${r.url}/socket.io/?EIO=4&transport=polling`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    assert.notEqual(preflight.headers.get('access-control-allow-origin'), 'https://evil.example');
    const good = await get(`${r.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: 'https://good.example' } });
    assert.equal(good.status, 200);
    assert.equal(good.headers.get('access-control-allow-origin'), 'https://good.example');

    const upgrade = await new Promise<string>((resolve) => {
      const req = http.request(`${r.url}/socket.io/?EIO=4&transport=websocket`, {
        headers: {
          Origin: 'https://evil.example',
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': Buffer.from('0123456789abcdef').toString('base64'),
        },
      });
      req.on('upgrade', () => resolve('upgraded'));
      req.on('response', (res) => resolve(`http ${res.statusCode}`));
      req.on('error', () => resolve('refused'));
      req.end();
    });
    assert.notEqual(upgrade, 'upgraded');
    await sleep(20);
    assert.equal(r.relay.io.engine.clientsCount, 1, 'only the allowed polling handshake made a session');
  });
});

describe('MAX_PEERS_PER_ROOM', () => {
  it('answers room-full to the next joiner, and admits again once someone leaves', async () => {
    const r = await relay({ maxPeersPerRoom: 2 });
    const [a, b, c] = await Promise.all([connect(r.url), connect(r.url), connect(r.url)]);
    const seenA = record(a);
    await join(a, 'small');
    await join(b, 'small');
    const full = await join(c, 'small');
    assert.equal(full.ok, false);
    assert.equal(full.error.code, 'room-full');
    await flush(c);
    assert.deepEqual(
      seenA.map((e) => e.event),
      ['peer-joined'],
      'a saw b join, never c',
    );
    assert.equal((await request(c, 'signal', { to: a.id, data: 1 })).error.code, 'not-joined');
    await request(b, 'leave', { room: 'small' });
    const ok = await join(c, 'small');
    assert.equal(ok.ok, true);
    assert.deepEqual(ok.peers, [{ id: a.id, name: '' }]);
  });
});

describe('message size', () => {
  it('a 5 MB payload reaches nobody, its sender is cut off, and the relay stays up', async () => {
    const r = await relay({});
    const [a, b] = await Promise.all([connect(r.url), connect(r.url)]);
    await join(a, 'big');
    await join(b, 'big');
    const seenB = record(b);
    const huge = 'x'.repeat(5 * 1024 * 1024);
    const cut = next(a, 'disconnect', 5000);
    a.emit('signal', { to: b.id, data: huge });
    await cut;
    // Over polling too.
    const p = await connect(r.url, { transports: ['polling'] });
    await join(p, 'big');
    const cutP = next(p, 'disconnect', 5000);
    p.emit('signal', { to: b.id, data: huge });
    await cutP;
    await flush(b);
    await sleep(50);
    assert.deepEqual(
      seenB.filter((e) => e.event === 'signal'),
      [],
      'b never got the payload',
    );
    assert.equal((await get(`${r.url}/healthz`)).status, 200);
    const c = await connect(r.url);
    assert.equal((await join(c, 'big')).ok, true);
  });

  it('refuses data over the limit with bad-request when the message itself fits', async () => {
    const r = await relay({ limits: { maxMessageBytes: 2000 } });
    const [a, b] = await Promise.all([connect(r.url), connect(r.url)]);
    await join(a, 'mid');
    await join(b, 'mid');
    const seenB = record(b);
    const ack = await request(a, 'signal', { to: b.id, data: 'y'.repeat(2500) });
    assert.equal(ack.ok, false);
    assert.equal(ack.error.code, 'bad-request');
    assert.ok(a.connected);
    assert.ok((await request(a, 'signal', { to: b.id, data: 'y'.repeat(1500) })).ok);
    await flush(b);
    assert.equal(seenB.length, 1);
  });
});

describe('rate limit', () => {
  it('throttles a flooding socket with rate-limited, then cuts it off, while another room is unaffected', async () => {
    const r = await relay({ limits: { eventsPerSecond: 20, eventBurst: 20, floodTolerance: 30 } });
    const [flooder, victim, h1, h2] = await Promise.all([connect(r.url), connect(r.url), connect(r.url), connect(r.url)]);
    await join(flooder, 'flood');
    await join(victim, 'flood');
    await join(h1, 'calm');
    await join(h2, 'calm');
    let victimGot = 0;
    victim.on('signal', () => victimGot++);
    const calmGot: number[] = [];
    h2.on('signal', (m: { data: number }) => calmGot.push(m.data));

    // Honest traffic in another room at 10 messages per second throughout.
    let calmSent = 0;
    const calm = setInterval(() => h1.emit('signal', { to: h2.id, data: calmSent++ }), 100);
    try {
      const acks = await Promise.all(Array.from({ length: 30 }, (_, i) => request(flooder, 'signal', { to: victim.id, data: i })));
      const limited = acks.filter((a) => !a.ok);
      assert.ok(limited.length >= 5, `some of the burst is throttled (${limited.length})`);
      assert.ok(limited.every((a) => a.error.code === 'rate-limited'));
      assert.ok(flooder.connected, 'throttled, not yet cut off');

      const cut = next<string>(flooder, 'disconnect', 3000);
      for (let i = 0; i < 500 && flooder.connected; i++) flooder.emit('signal', { to: victim.id, data: i });
      assert.equal(await cut, 'io server disconnect');
      await sleep(500);
    } finally {
      clearInterval(calm);
    }
    await flush(h1);
    await sleep(50);
    assert.ok(victimGot <= 40, `the victim got at most the burst plus the refill (${victimGot})`);
    assert.deepEqual(
      calmGot,
      Array.from({ length: calmSent }, (_, i) => i),
      'every honest message arrived, in order',
    );
    assert.ok(calmSent >= 4);
    assert.equal(r.logs.filter((l) => l.includes('kept flooding; disconnected')).length, 1, 'the cut-off is logged once');
  });
});

describe('raw packet flood', () => {
  it('closes a connection flooding packets that are not events (acks), and nobody else notices', async () => {
    const r = await relay({ limits: { eventsPerSecond: 20, eventBurst: 20, floodTolerance: 30 } });
    const [flooder, h1, h2] = await Promise.all([connect(r.url), connect(r.url), connect(r.url)]);
    await join(h1, 'calm-raw');
    await join(h2, 'calm-raw');
    const cut = next<string>(flooder, 'disconnect', 3000);
    for (let i = 0; i < 1000 && flooder.connected; i++) flooder.io.engine.send('31[]'); // an ack for nothing
    assert.equal(await cut, 'io server disconnect', 'told to stay away, so it does not auto-reconnect');
    assert.ok(r.logs.some((l) => l.includes('connection kept flooding; disconnected')));
    const got = next(h2, 'signal');
    assert.ok((await request(h1, 'signal', { to: h2.id, data: 'fine' })).ok);
    assert.deepEqual(await got, { from: h1.id, data: 'fine' });
  });
});

describe('rooms per socket', () => {
  it('caps the rooms one socket may be in, seed rooms included', async () => {
    const r = await relay({ limits: { maxRoomsPerSocket: 2 } });
    const a = await connect(r.url);
    assert.equal((await join(a, 'one')).ok, true);
    assert.deepEqual(await request(a, 'join-room', 'seed-two'), { ok: true });
    const third = await join(a, 'three');
    assert.equal(third.ok, false);
    assert.equal(third.error.code, 'bad-request');
    assert.match(third.error.message, /at most 2 rooms/);
    assert.equal((await request(a, 'join-room', 'seed-three')).ok, false);
    assert.equal((await join(a, 'one')).ok, true, 'rejoining a room it is in is fine');
    await request(a, 'leave', { room: 'one' });
    assert.equal((await join(a, 'three')).ok, true);
    const health = await (await get(`${r.url}/healthz`)).json();
    assert.equal(health.rooms, 2);
  });
});

describe('MAX_CONNECTIONS_PER_IP', () => {
  /** A raw long-polling handshake from this address: its status and body. */
  async function handshake(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    const res = await get(`${url}/socket.io/?EIO=4&transport=polling`, { headers });
    return { status: res.status, body: await res.text() };
  }

  it('refuses handshakes past the cap from one address, over websocket and polling, with a clear error; a slot freed is usable again', async () => {
    const r = await relay({ maxConnectionsPerIp: 3 });
    const held = [await connect(r.url), await connect(r.url), await connect(r.url, { transports: ['polling'] })];
    await assert.rejects(connect(r.url), 'a fourth WebSocket is refused');
    await assert.rejects(connect(r.url, { transports: ['polling'] }), 'a fourth long-polling client is refused');
    const refused = await handshake(r.url);
    assert.equal(refused.status, 403);
    assert.deepEqual(JSON.parse(refused.body), { code: 4, message: 'Too many connections from this address' });
    // Forwarding headers are not trusted: the TCP peer's address counts.
    assert.equal((await handshake(r.url, { 'X-Forwarded-For': '203.0.113.7', Forwarded: 'for=203.0.113.7' })).status, 403);
    assert.equal(r.relay.io.engine.clientsCount, 3);
    const lines = r.logs.filter((l) => /event=handshake/.test(l));
    assert.equal(lines.length, 1, 'logged once per address per minute');
    assert.match(lines[0]!, /code=unauthorized too many connections from "127\.0\.0\.1" \(at most 3;/);

    held[0]!.disconnect();
    await sleep(100);
    const again = await connect(r.url);
    assert.equal((await join(again, 'per-ip')).ok, true);
  });

  it('defaults to 20 per address; 0 turns it off', async () => {
    const r = await relay({});
    for (let i = 0; i < 20; i++) await connect(r.url);
    await assert.rejects(connect(r.url), 'the 21st is refused');
    disconnectAll();
    const open = await relay({ maxConnectionsPerIp: 0 });
    for (let i = 0; i < 25; i++) await connect(open.url);
    assert.equal(open.relay.io.engine.clientsCount, 25);
    disconnectAll();
  });
});
