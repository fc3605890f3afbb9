/**
 * The relay protocol (CONTRACT section 6) against a real relay on a random
 * loopback port: join/peers, signal delivery and refusal, leave/disconnect,
 * room isolation, the seed tutorial's protocol, junk payloads, /healthz,
 * static files and logging.
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { relayOptionsFromEnv } from '../../server/app.js';
import { connect, disconnectAll, flush, get, join, next, record, request, sleep, startRelay, type TestRelay } from './relay-helpers.js';

let r: TestRelay;
let staticDir: string;

before(async () => {
  staticDir = await mkdtemp(path.join(tmpdir(), 'relay-static-'));
  await mkdir(path.join(staticDir, 'demo', 'sub'), { recursive: true });
  await mkdir(path.join(staticDir, 'dist'));
  await writeFile(path.join(staticDir, 'demo', 'index.html'), '<!doctype html><title>demo</title>');
  await writeFile(path.join(staticDir, 'demo', 'sub', 'index.html'), 'sub index');
  await writeFile(path.join(staticDir, 'dist', 'video-call.js'), 'console.log(1)');
  await writeFile(path.join(staticDir, 'secret.txt'), 'do not serve');
  r = await startRelay({
    // The junk test sends ~800 refused messages in a burst; rate limits have their own tests.
    limits: { eventBurst: 5000 },
    // Every test's clients stay connected until the end, all from loopback; the cap has its own tests.
    maxConnectionsPerIp: 0,
    static: [
      { prefix: '/dist/', dir: path.join(staticDir, 'dist') },
      { prefix: '/', dir: path.join(staticDir, 'demo') },
    ],
  });
});

after(async () => {
  disconnectAll();
  await r.close();
  await rm(staticDir, { recursive: true, force: true });
});

describe('relay protocol', () => {
  it('join answers with our id and the peers already there; the others get peer-joined', async () => {
    const a = await connect(r.url);
    const b = await connect(r.url);
    const ackA = await join(a, 'room-1', 'Alice');
    assert.deepEqual(ackA, { ok: true, selfId: a.id, peers: [] });
    const joined = next(a, 'peer-joined');
    const ackB = await join(b, 'room-1', 'Bob');
    assert.deepEqual(ackB, { ok: true, selfId: b.id, peers: [{ id: a.id, name: 'Alice' }] });
    assert.deepEqual(await joined, { id: b.id, name: 'Bob' });
  });

  it('delivers a signal to its addressee only, with the sender id', async () => {
    const [a, b, c] = await Promise.all([connect(r.url), connect(r.url), connect(r.url)]);
    await join(a, 'room-2', 'A');
    await join(b, 'room-2', 'B');
    await join(c, 'room-2', 'C');
    const seenC = record(c);
    const got = next(b, 'signal');
    const ack = await request(a, 'signal', { to: b.id, data: { sdp: 'v=0', n: [1, 2] } });
    assert.deepEqual(ack, { ok: true });
    assert.deepEqual(await got, { from: a.id, data: { sdp: 'v=0', n: [1, 2] } });
    await flush(c);
    assert.deepEqual(
      seenC.filter((e) => e.event === 'signal'),
      [],
      'a third peer does not see it',
    );
  });

  it('refuses signals to a peer outside the rooms the sender joined', async () => {
    const [a, b, outsider] = await Promise.all([connect(r.url), connect(r.url), connect(r.url)]);
    await join(a, 'room-3a');
    await join(b, 'room-3b');
    const seenB = record(b);
    const ack = await request(a, 'signal', { to: b.id, data: 'hello' });
    assert.equal(ack.ok, false);
    assert.equal(ack.error.code, 'not-joined');
    const ack2 = await request(outsider, 'signal', { to: b.id, data: 'hello' });
    assert.equal(ack2.ok, false);
    outsider.emit('signal', { to: b.id, data: 'no ack' });
    await flush(outsider);
    await sleep(50);
    assert.deepEqual(seenB, [], 'nothing reached b');
  });

  it('leave tells the others and stops delivery; disconnect tells them too', async () => {
    const [a, b, c] = await Promise.all([connect(r.url), connect(r.url), connect(r.url)]);
    await join(a, 'room-4', 'A');
    await join(b, 'room-4', 'B');
    const left = next(a, 'peer-left');
    assert.deepEqual(await request(b, 'leave', { room: 'room-4' }), { ok: true });
    assert.deepEqual(await left, { id: b.id });
    const ack = await request(b, 'signal', { to: a.id, data: 1 });
    assert.equal(ack.error.code, 'not-joined');
    assert.equal((await request(b, 'leave', { room: 'room-4' })).error.code, 'not-joined');

    await join(c, 'room-4', 'C');
    const cId = c.id;
    const gone = next(a, 'peer-left');
    c.disconnect();
    assert.deepEqual(await gone, { id: cId });
  });

  it('keeps rooms isolated: joins, leaves and signals never cross', async () => {
    const [x1, x2, y1] = await Promise.all([connect(r.url), connect(r.url), connect(r.url)]);
    await join(y1, 'room-y');
    const seenY = record(y1);
    await join(x1, 'room-x');
    await join(x2, 'room-x');
    await request(x1, 'signal', { to: x2.id, data: 'x only' });
    await request(x2, 'leave', { room: 'room-x' });
    await flush(y1);
    await sleep(30);
    assert.deepEqual(seenY, []);
  });

  it('a socket may be in several rooms and signal within each', async () => {
    const [a, b, c] = await Promise.all([connect(r.url), connect(r.url), connect(r.url)]);
    await join(a, 'multi-1');
    await join(a, 'multi-2');
    await join(b, 'multi-1');
    await join(c, 'multi-2');
    const toB = next(b, 'signal');
    const toC = next(c, 'signal');
    assert.ok((await request(a, 'signal', { to: b.id, data: 'b' })).ok);
    assert.ok((await request(a, 'signal', { to: c.id, data: 'c' })).ok);
    assert.equal(((await toB) as { data: string }).data, 'b');
    assert.equal(((await toC) as { data: string }).data, 'c');
    // b and c share no room: refused.
    assert.equal((await request(b, 'signal', { to: c.id, data: 'x' })).error.code, 'not-joined');
    // Joining the same room twice is harmless and lists the others.
    const again = await join(a, 'multi-1');
    assert.deepEqual(again.peers, [{ id: b.id, name: '' }]);
  });
});

describe('seed tutorial protocol', () => {
  it('join-room makes the others receive user-joined, and forwards offer/answer/candidates/chat as bare values', async () => {
    const [a, b] = await Promise.all([connect(r.url), connect(r.url)]);
    const seenA = record(a);
    a.emit('join-room', 'seed-1');
    await flush(a);
    const userJoined = next(a, 'user-joined');
    b.emit('join-room', 'seed-1');
    assert.equal(await userJoined, undefined);
    const offer = next(b, 'offer');
    a.emit('offer', { roomId: 'seed-1', offer: { type: 'offer', sdp: 'v=0' } });
    assert.deepEqual(await offer, { type: 'offer', sdp: 'v=0' });
    const answer = next(a, 'answer');
    b.emit('answer', { roomId: 'seed-1', answer: { type: 'answer', sdp: 'v=0' } });
    assert.deepEqual(await answer, { type: 'answer', sdp: 'v=0' });
    const cand = next(b, 'ice-candidate');
    a.emit('ice-candidate', { roomId: 'seed-1', candidate: { candidate: 'candidate:1', sdpMid: '0' } });
    assert.deepEqual(await cand, { candidate: 'candidate:1', sdpMid: '0' });
    const chat = next(b, 'chat-message');
    a.emit('chat-message', { roomId: 'seed-1', message: 'hi' });
    assert.equal(await chat, 'hi');
    // The sender does not get its own messages back.
    await flush(a);
    assert.deepEqual(
      seenA.map((e) => e.event),
      ['user-joined', 'answer'],
    );
  });

  it('does not forward for a room the sender did not join, and never crosses into relay-protocol rooms', async () => {
    const [seed, outsider, modern] = await Promise.all([connect(r.url), connect(r.url), connect(r.url)]);
    await join(modern, 'shared-name');
    const seenModern = record(modern);
    seed.emit('join-room', 'shared-name');
    await flush(seed);
    const seenSeed = record(seed);
    outsider.emit('offer', { roomId: 'shared-name', offer: 'sneaky' });
    outsider.emit('chat-message', { roomId: 'shared-name', message: 'sneaky' });
    const late = await connect(r.url);
    await join(late, 'shared-name', 'Late');
    late.emit('join-room', 'other');
    await flush(outsider);
    await flush(late);
    await sleep(30);
    assert.deepEqual(seenSeed, [], 'seed member got nothing from outsiders or relay-protocol joins');
    assert.deepEqual(
      seenModern.map((e) => e.event),
      ['peer-joined'],
      'relay-protocol member saw only the relay-protocol join',
    );
  });
});

describe('junk payloads', () => {
  const deep = (n: number) => {
    let v: unknown = 'x';
    for (let i = 0; i < n; i++) v = [v];
    return v;
  };
  const proto = JSON.parse('{"__proto__": {"polluted": true}, "room": {"__proto__": 1}, "to": "x", "roomId": "seed-j"}');
  const payloads: unknown[] = [
    undefined,
    null,
    0,
    42,
    -1.5,
    '',
    'room',
    'x'.repeat(10_000),
    true,
    false,
    [],
    [1, 2, 3],
    {},
    { room: 5 },
    { room: '' },
    { room: 'x'.repeat(129) },
    { room: 'ok', name: 7 },
    { room: 'ok', name: 'n'.repeat(65) },
    { room: 'a\nb' },
    { room: ['r'] },
    { room: { toString: 'r' } },
    { room: 'ok', token: 123 },
    { to: 5, data: 1 },
    { to: 'x'.repeat(1000), data: 1 },
    { to: '', data: 1 },
    { data: 1 },
    { to: 'r:junk-honest', data: 1 },
    { to: 's:seed-j', data: 1 },
    { to: 'nobody', data: deep(100) },
    proto,
    { roomId: 5, offer: 1 },
    { roomId: 'seed-j' },
    { roomId: 'seed-j', offer: deep(100) },
  ];
  const events = ['join', 'signal', 'leave', 'join-room', 'offer', 'answer', 'ice-candidate', 'chat-message'];

  it('answers bad payloads with an ack error, drops them without one, and never crashes or leaks', async () => {
    const [honest1, honest2] = await Promise.all([connect(r.url), connect(r.url)]);
    await join(honest1, 'junk-honest');
    await join(honest2, 'junk-honest');
    honest1.emit('join-room', 'seed-j');
    honest2.emit('join-room', 'seed-j');
    await flush(honest2);
    const seen1 = record(honest1);
    const seen2 = record(honest2);

    const junk = await connect(r.url);
    for (const event of events) {
      for (const payload of payloads) {
        const ack = await request(junk, event, payload);
        if (event === 'join-room' && payload === 'room') {
          assert.deepEqual(ack, { ok: true }, 'a bare room string is a valid seed join');
          continue;
        }
        assert.equal(ack.ok, false, `${event} ${JSON.stringify(payload)?.slice(0, 60)} must be refused`);
        assert.ok(['bad-request', 'not-joined'].includes(ack.error.code), `${event}: got ${ack.error.code}`);
        junk.emit(event, payload); // no ack
        junk.emit(event, payload, 'not a function', 42); // trailing junk
      }
      junk.emit(event); // no payload at all
      const onlyAck = await junk.timeout(2000).emitWithAck(event); // the ack as the only argument
      assert.equal(onlyAck.ok, false);
    }
    junk.emit('no-such-event', { a: 1 });
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
    await flush(junk);
    assert.ok(junk.connected, 'the junk sender is still connected (it was refused, not flooding)');

    // The relay still works for everyone and nothing reached the honest clients.
    const got = next(honest2, 'signal');
    assert.ok((await request(honest1, 'signal', { to: honest2.id, data: 'still fine' })).ok);
    assert.deepEqual(await got, { from: honest1.id, data: 'still fine' });
    assert.deepEqual(seen1, []);
    assert.deepEqual(
      seen2.map((e) => e.event),
      ['signal'],
    );
    const health = await get(`${r.url}/healthz`);
    assert.equal(health.status, 200);
  });
});

describe('http', () => {
  it('GET /healthz answers 200 JSON with uptime, sockets and rooms', async () => {
    disconnectAll();
    await sleep(50);
    const a = await connect(r.url);
    await join(a, 'health-room');
    const res = await get(`${r.url}/healthz`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = await res.json();
    assert.equal(body.ok, true);
    assert.equal(typeof body.uptime, 'number');
    assert.equal(body.sockets, 1);
    assert.equal(body.rooms, 1);
  });

  it('serves static mounts with content types, index.html for directories, and refuses traversal', async () => {
    const index = await get(`${r.url}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await index.text(), /<title>demo<\/title>/);
    const js = await get(`${r.url}/dist/video-call.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(await js.text(), 'console.log(1)');
    const sub = await get(`${r.url}/sub`, { redirect: 'manual' });
    assert.equal(sub.status, 301);
    assert.equal(await (await get(`${r.url}/sub/`)).text(), 'sub index');
    assert.equal((await get(`${r.url}/missing.js`)).status, 404);
    assert.equal((await get(`${r.url}/dist`, { redirect: 'manual' })).status, 301);
    for (const p of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/dist/..%2fsecret.txt',
      '/dist/%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/%00',
      '/%E0%A4%A',
    ]) {
      const res = await rawGet(r.port, p);
      assert.ok(res.status === 400 || res.status === 404, `${p} → ${res.status}`);
      assert.doesNotMatch(res.body, /do not serve/);
    }
    assert.equal((await get(`${r.url}/`, { method: 'POST' })).status, 405);
  });

  it('logs one line per join and leave, never message contents', async () => {
    const [a, b] = await Promise.all([connect(r.url), connect(r.url)]);
    await join(a, 'log-room', 'SecretName');
    await join(b, 'log-room');
    await request(a, 'signal', { to: b.id, data: 'TOP-SECRET-SDP' });
    a.emit('join-room', 'log-seed');
    a.emit('chat-message', { roomId: 'log-seed', message: 'TOP-SECRET-CHAT' });
    await request(b, 'leave', { room: 'log-room' });
    await flush(a);
    const mine = r.logs.filter((l) => l.includes(a.id!) || l.includes(b.id!));
    assert.ok(mine.some((l) => l.startsWith('join ') && l.includes('"log-room"') && l.includes(a.id!)));
    assert.ok(mine.some((l) => l.startsWith('leave ') && l.includes(b.id!)));
    assert.equal(mine.filter((l) => l.startsWith('join ') && l.includes('"log-room"')).length, 2);
    assert.ok(!r.logs.some((l) => /TOP-SECRET|SecretName/.test(l)), 'no contents or names in logs');
  });
});

/** A GET with the path sent exactly as written (fetch would normalise `..`). */
async function rawGet(port: number, p: string): Promise<{ status: number; body: string }> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let data = '';
    sock.on('data', (d) => (data += d));
    sock.on('end', () => resolve({ status: Number(data.split(' ')[1]), body: data }));
    sock.on('error', reject);
  });
}

describe('relayOptionsFromEnv', () => {
  it('maps the documented variables and refuses malformed numbers', () => {
    assert.deepEqual(relayOptionsFromEnv({}), {});
    assert.deepEqual(
      relayOptionsFromEnv({
        ALLOWED_ORIGINS: ' https://a.example, https://b.example ,',
        MAX_PEERS_PER_ROOM: '4',
        RELAY_SECRET: 's',
        REDIS_URL: 'redis://127.0.0.1:6379',
        REDIS_HEARTBEAT_MS: '500',
        SEED_PROTOCOL: 'on',
        MAX_CONNECTIONS_PER_IP: '50',
      }),
      {
        allowedOrigins: ['https://a.example', 'https://b.example'],
        maxPeersPerRoom: 4,
        secret: 's',
        redisUrl: 'redis://127.0.0.1:6379',
        redisHeartbeatMs: 500,
        seedProtocol: true,
        maxConnectionsPerIp: 50,
      },
    );
    assert.equal(relayOptionsFromEnv({ MAX_CONNECTIONS_PER_IP: '0' }).maxConnectionsPerIp, 0, '0: no cap');
    assert.throws(() => relayOptionsFromEnv({ MAX_CONNECTIONS_PER_IP: 'lots' }), /MAX_CONNECTIONS_PER_IP must be a non-negative integer/);
    assert.throws(() => relayOptionsFromEnv({ MAX_PEERS_PER_ROOM: 'eight' }), /MAX_PEERS_PER_ROOM must be a positive integer/);
    assert.throws(() => relayOptionsFromEnv({ MAX_PEERS_PER_ROOM: '0' }), /positive integer/);
    assert.throws(() => relayOptionsFromEnv({ SEED_PROTOCOL: 'maybe' }), /SEED_PROTOCOL/);
  });
});

describe('names', () => {
  it('strips control characters from display names', async () => {
    const [a, b] = await Promise.all([connect(r.url), connect(r.url)]);
    await join(a, 'names', 'Ada\u0000\n Lovelace\u001b[31m');
    const ack = await join(b, 'names', 'B');
    assert.deepEqual(ack.peers, [{ id: a.id, name: 'Ada Lovelace[31m' }]);
  });
});
