/**
 * Fuzz (issue 4): thousands of random and hostile messages (wrong types, huge
 * strings, deep nesting, `__proto__` keys, binary, unknown and reserved event
 * names, malformed raw Socket.IO packets, floods) from strangers who know the
 * honest peers' ids (one of them a resumable id that strangers try to claim
 * with wrong keys and malformed id/key values), against a live relay, while two honest pairs keep
 * signalling (one per protocol). The relay must stay up, honest traffic must
 * arrive complete and in order, and nothing may cross into their rooms.
 * Seeded, bounded in count and time, loopback only.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { connect, disconnectAll, get, join, request, sleep, startRelay, type Client, type TestRelay } from './relay-helpers.js';
import { peerIdForKey } from '../../server/peer-id.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const MESSAGES = 10_000;
const FUZZERS = 6;

/** mulberry32: a small seeded PRNG, so a failure can be replayed with FUZZ_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(SEED);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

let r: TestRelay;
const honestIds: string[] = [];
const KEYS = [
  'room',
  'name',
  'token',
  'id',
  'key',
  'to',
  'data',
  'roomId',
  'offer',
  'answer',
  'candidate',
  'message',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  '',
];
const EVENTS = [
  'join',
  'signal',
  'leave',
  'join-room',
  'offer',
  'answer',
  'ice-candidate',
  'chat-message',
  'peer-joined',
  'user-joined',
  'hasOwnProperty',
  '__proto__',
  'constructor',
  'toString',
  'x',
  '',
];

function str(): string {
  switch (int(8)) {
    case 0:
      return '';
    case 1:
      return 'x'.repeat(int(3) === 0 ? 70_000 : int(300));
    // Honest ids, but never the honest rooms' names: those rooms are open, joining them is legitimate.
    case 2:
      return pick(['__proto__', 'constructor', 'hasOwnProperty', ...honestIds]);
    case 3:
      return String.fromCharCode(...Array.from({ length: int(20) }, () => int(0xffff)));
    case 4:
      return '\u0000\n\r\u007f\u2028';
    default:
      return Math.random()
        .toString(36)
        .slice(2, 2 + int(12));
  }
}

function value(depth = 0): unknown {
  if (depth > 4) return pick([null, 1, 'leaf']);
  switch (int(13)) {
    case 0:
      return undefined;
    case 1:
      return null;
    case 2:
      return rand() < 0.5;
    case 3:
      return pick([0, -1, 1e308, -1e-308, NaN, Infinity, 2 ** 53 + 1]);
    case 4:
    case 5:
      return str();
    case 6:
      return Array.from({ length: int(6) }, () => value(depth + 1));
    case 7: {
      let v: unknown = 'deep';
      for (let i = 0, n = 30 + int(2000); i < n; i++) v = int(2) ? [v] : { a: v };
      return v;
    }
    case 8:
      return new Uint8Array(int(2000));
    case 9:
      return JSON.parse(
        `{"__proto__": {"polluted": "yes"}, "room": ${JSON.stringify(str())}, "to": ${JSON.stringify(pick(honestIds))}, "data": 1}`,
      );
    default: {
      const o: Record<string, unknown> = {};
      for (let i = 0, n = int(5); i < n; i++) o[pick(KEYS)] = value(depth + 1);
      return o;
    }
  }
}

/** A near-valid message: the right shape aimed at the honest peers and rooms. */
function aimed(): [string, ...unknown[]] {
  switch (int(7)) {
    case 0:
      return ['signal', { to: pick(honestIds), data: value() }];
    case 1:
      return int(2)
        ? ['join', { room: pick(['fuzz-a', 'fuzz-b', str()]), name: str() }]
        : // Claims of honest (or junk) ids, with wrong or malformed keys.
          [
            'join',
            {
              room: pick(['fuzz-a', str()]),
              id: pick([...honestIds, str(), value()]),
              key: pick(['wrong-key-0123456789', str(), value()]),
            },
          ];
    case 2:
      return ['leave', { room: pick(['honest', 'fuzz-a', str()]) }];
    case 3:
      return [
        pick(['offer', 'answer', 'ice-candidate', 'chat-message']),
        { roomId: 'honest-seed', offer: 1, answer: 1, candidate: 1, message: 'sneaky' },
      ];
    case 4:
      return ['join-room', pick(['fuzz-seed', str()])];
    case 5:
      return ['signal', { to: pick(honestIds), data: 'sneaky' }];
    default:
      return [pick(EVENTS), value(), value()];
  }
}

const RAW = [
  '2',
  '2[',
  '2["signal"',
  '21234["join",{}]',
  '3[]',
  '399["x"]',
  '0',
  '0/admin,',
  '1',
  '4"err"',
  '6',
  '9',
  '2{}',
  '2[1,2]',
  '2["signal",{"to":"x","data":{"_placeholder":true,"num":0}}]',
  '51-["signal",{"_placeholder":true,"num":0}]',
  `2["signal",${'['.repeat(20_000)}${']'.repeat(20_000)}]`,
  `2${'['.repeat(50_000)}`,
  '2["__proto__",{"__proto__":{"polluted":1}}]',
];

before(async () => {
  r = await startRelay({ limits: { eventsPerSecond: 50, eventBurst: 100, floodTolerance: 50 } });
});

after(async () => {
  disconnectAll();
  await r.close();
});

it(`survives ${MESSAGES} hostile messages while honest peers keep signalling (seed ${SEED})`, { timeout: 60_000 }, async () => {
  // Honest pair 1, relay protocol.
  const [a, b] = await Promise.all([connect(r.url), connect(r.url)]);
  await join(a, 'honest', 'A');
  // b under a resumable peer id (derived from its key by the relay).
  const bId = peerIdForKey('honest-secret-key-0123456789');
  assert.equal((await request(b, 'join', { room: 'honest', name: 'B', key: 'honest-secret-key-0123456789' })).selfId, bId);
  // Honest pair 2, seed protocol.
  const [s1, s2] = await Promise.all([connect(r.url), connect(r.url)]);
  s1.emit('join-room', 'honest-seed');
  await request(s2, 'join-room', 'honest-seed');
  honestIds.push(a.id!, bId, b.id!, s1.id!, s2.id!);

  const unexpected: string[] = [];
  const gotB: unknown[] = [];
  const gotA: unknown[] = [];
  const gotS2: unknown[] = [];
  a.onAny((event, p) => (event === 'signal' && p.from === bId ? gotA.push(p.data) : unexpected.push(`a:${event}`)));
  b.onAny((event, p) => (event === 'signal' && p.from === a.id ? gotB.push(p.data) : unexpected.push(`b:${event}`)));
  s1.onAny((event) => unexpected.push(`s1:${event}`));
  s2.onAny((event, m) => (event === 'chat-message' && typeof m === 'number' ? gotS2.push(m) : unexpected.push(`s2:${event}`)));

  let honestSent = 0;
  let seedSent = 0;
  const ackFailures: unknown[] = [];
  const honest = setInterval(() => {
    const n = honestSent++;
    request(a, 'signal', { to: bId, data: n }).then(
      (ack) => ack.ok || ackFailures.push(ack),
      (e) => ackFailures.push(String(e)),
    );
    b.emit('signal', { to: a.id, data: n });
    s1.emit('chat-message', { roomId: 'honest-seed', message: seedSent++ });
  }, 40);

  let sent = 0;
  let cutOff = 0;
  const t0 = Date.now();
  try {
    const fuzzers: Client[] = await Promise.all(Array.from({ length: FUZZERS }, () => connect(r.url)));
    while (sent < MESSAGES) {
      for (let f = 0; f < FUZZERS && sent < MESSAGES; f++) {
        if (!fuzzers[f]!.connected) {
          cutOff++;
          fuzzers[f] = await connect(r.url).catch(() => fuzzers[f]!);
          continue;
        }
        const socket = fuzzers[f]!;
        for (let i = 0; i < 25 && sent < MESSAGES; i++, sent++) {
          try {
            if (int(20) === 0) socket.io.engine.send(int(3) ? pick(RAW) : str());
            else {
              const [event, ...args] = aimed();
              if (int(3) === 0) args.push(() => undefined); // with an ack
              socket.emit(event, ...args);
            }
          } catch {
            // socket.io-client refuses reserved event names itself: fine.
          }
        }
      }
      await sleep(5);
    }
    await sleep(300);
  } finally {
    clearInterval(honest);
  }
  const elapsed = Date.now() - t0;
  await sleep(200);

  if (process.env.FUZZ_VERBOSE)
    console.log({ sent, cutOff, honestSent, seedSent, elapsed, logLines: r.logs.length, sample: r.logs.slice(0, 8) });
  assert.equal(sent, MESSAGES);
  assert.ok(elapsed < 40_000, `bounded in time (${elapsed} ms)`);
  assert.ok(cutOff > 0, 'floods and malformed packets got sockets cut off');
  // The relay is up and still serves newcomers.
  assert.equal((await get(`${r.url}/healthz`)).status, 200);
  const c = await connect(r.url);
  assert.equal((await join(c, 'after-fuzz')).ok, true);
  // Honest traffic: all of it, in order, acknowledged; nothing else reached them.
  assert.ok(honestSent > 20, `honest peers kept signalling (${honestSent})`);
  assert.ok(a.connected && b.connected && s1.connected && s2.connected, 'honest peers were never cut off');
  assert.deepEqual(ackFailures, []);
  const seq = (n: number) => Array.from({ length: n }, (_, i) => i);
  assert.deepEqual(gotB, seq(honestSent));
  assert.deepEqual(gotA, seq(honestSent));
  assert.deepEqual(gotS2, seq(seedSent));
  assert.deepEqual(unexpected, [], 'no stranger reached an honest room');
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
});
