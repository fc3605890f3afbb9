/**
 * TURN credentials from the relay (CONTRACT section 9): a real relay, real Socket.IO
 * clients. That coturn accepts what is minted here is proven in Chromium against a real
 * coturn (test/e2e/turn.test.ts and the element's relay-only call).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, afterEach, test } from 'node:test';
import { mintRoomToken, relayOptionsFromEnv } from '../../server/app.js';
import { connect, disconnectAll, join, request, startRelay, type TestRelay } from './relay-helpers.js';

const TURN = { urls: ['turn:127.0.0.1:3478?transport=udp', 'stun:127.0.0.1:3478'], secret: 'coturn-static-auth-secret', ttlSeconds: 600 };
const relays: TestRelay[] = [];
afterEach(() => disconnectAll());
after(() => Promise.all(relays.map((r) => r.close())));

async function relay(options: Parameters<typeof startRelay>[0]) {
  const r = await startRelay(options);
  relays.push(r);
  return r;
}

test('the join ack carries TURN credentials minted for this peer: username <expiry>:<peer id>, HMAC-SHA1 of the secret, valid for TURN_TTL', async () => {
  const r = await relay({ turn: TURN });
  const before = Math.floor(Date.now() / 1000);
  const ack = await join(await connect(r.url), 'turn-room', 'Ada');
  assert.equal(ack.ok, true);
  const [turn, stun] = ack.iceServers;
  assert.deepEqual(turn.urls, ['turn:127.0.0.1:3478?transport=udp']);
  assert.deepEqual(stun, { urls: ['stun:127.0.0.1:3478'] });
  const [expiry, peer] = turn.username.split(':');
  assert.equal(peer, ack.selfId);
  assert.ok(Number(expiry) >= before + 600 && Number(expiry) <= before + 602, `expiry ${expiry} is now + TURN_TTL`);
  assert.equal(turn.credential, createHmac('sha1', TURN.secret).update(turn.username).digest('base64'));
  // Each peer its own credentials.
  const other = await join(await connect(r.url), 'turn-room', 'Bob');
  assert.notEqual(other.iceServers[0].username, turn.username);
  // Never logged: neither the secret nor a minted credential.
  const log = r.logs.join('\n');
  assert.ok(!log.includes(TURN.secret) && !log.includes(turn.credential), log);
});

test('with RELAY_SECRET only admitted peers get TURN credentials: a refused join carries none', async () => {
  const secret = 'room-grant-secret';
  const r = await relay({ turn: TURN, secret });
  const refused = await join(await connect(r.url), 'vip', 'Eve', 'not-a-token');
  assert.equal(refused.ok, false);
  assert.equal(refused.iceServers, undefined);
  assert.ok(!JSON.stringify(refused).includes('credential'));
  const admitted = await join(await connect(r.url), 'vip', 'Ada', await mintRoomToken(secret, 'vip'));
  assert.equal(admitted.ok, true);
  assert.equal(admitted.iceServers[0].username.split(':')[1], admitted.selfId);
});

test('without TURN settings the ack has no iceServers', async () => {
  const r = await relay({});
  const ack = await join(await connect(r.url), 'plain');
  assert.equal(ack.ok, true);
  assert.equal('iceServers' in ack, false);
});

test('a re-join on a new connection (after a relay restart, say) gets freshly minted credentials', async () => {
  const r = await relay({ turn: TURN });
  const key = 'k'.repeat(24);
  const first = await request(await connect(r.url), 'join', { room: 'again', key });
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const again = await request(await connect(r.url), 'join', { room: 'again', key });
  assert.equal(again.selfId, first.selfId);
  assert.ok(Number(again.iceServers[0].username.split(':')[0]) > Number(first.iceServers[0].username.split(':')[0]), 'a later expiry');
});

test('TURN_URLS, TURN_SECRET and TURN_TTL reach the relay options', () => {
  const options = relayOptionsFromEnv({ TURN_URLS: 'turn:t.example:3478', TURN_SECRET: 's', TURN_TTL: '120' });
  assert.deepEqual(options.turn, { urls: ['turn:t.example:3478'], secret: 's', ttlSeconds: 120 });
  assert.throws(() => relayOptionsFromEnv({ TURN_URLS: 'turn:t.example:3478' }), /TURN_SECRET/);
});
