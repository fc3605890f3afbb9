/**
 * Issue 13: the relay hands the SFU to the peers it admitted. Two real Janus instances in the
 * netns lab (test/e2e/janus.ts), two relay processes given the same JANUS_URLS (in different
 * orders, as two deploys might): every join ack carries `sfu` {url, token, roomToken, room, pin,
 * expires} for the room's one Janus (the same from both relays), the room exists there, a peer
 * holding it joins it on Janus; with RELAY_SECRET a peer without a grant gets an error and no
 * `sfu`; `sfu-refresh` answers fresh tokens only to members; the room is destroyed on Janus when
 * its last peer leaves. With Redis (a real redis-server), relay processes whose JANUS_URLS differ
 * (a deploy adding an instance) keep a room on the Janus its first peer got, and the record goes
 * with the room, and a room is destroyed only once no process has members in it; with Redis out
 * of reach, hashing still gives a join its room. Needs root
 * (namespaces) and janus.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { relayOptionsFromEnv } from '../../server/app.js';
import { pickJanus, RedisJanusAssignment } from '../../server/janus-assign.js';
import { JanusRooms } from '../../server/janus-rooms.js';
import { JanusConnection, JanusError, VIDEOROOM_ERROR } from '../../server/janus-client.js';
import { mintJanusToken, VIDEOROOM_PLUGIN } from '../../server/janus-tokens.js';
import { mintRoomToken } from '../../server/grants.js';
import type { SfuAccess } from '../../src/transports/relay-protocol.js';
import { connect, disconnectAll, join, next, request, sleep, startRelay, type TestRelay } from '../node/relay-helpers.js';
import { failFastClient, startRedisServer, type TestRedis } from '../support/redis-server.js';
import { startJanus, type JanusLabServer } from './janus.js';
import { createLab, type Lab } from './netns.js';

let lab: Lab | undefined;
const janus: JanusLabServer[] = [];
const relays: TestRelay[] = [];
const redisServers: TestRedis[] = [];
const redisClients: { isOpen: boolean; destroy(): void }[] = [];
const adminKey = `admin-${Math.random().toString(36).slice(2)}-${Date.now()}`;
const tokenSecret = `tokens-${Math.random().toString(36).slice(2)}-${Date.now()}`;
const RELAY_SECRET = 'relay-secret-for-the-janus-test';

before(async () => {
  lab = createLab(2);
  for (const side of lab.sides) janus.push(await startJanus({ side, adminKey, tokenSecret }));
  const env = (urls: string[]) => ({ JANUS_URLS: urls.join(','), JANUS_ADMIN_KEY: adminKey, JANUS_TOKEN_SECRET: tokenSecret });
  const urls = janus.map((j) => j.url);
  relays.push(await startRelay(relayOptionsFromEnv(env(urls))));
  relays.push(await startRelay(relayOptionsFromEnv(env([...urls].reverse()))));
  relays.push(await startRelay({ ...relayOptionsFromEnv(env(urls)), secret: RELAY_SECRET }));
});

after(async () => {
  disconnectAll();
  for (const r of relays) await r.close();
  for (const c of redisClients) if (c.isOpen) c.destroy();
  for (const r of redisServers) await r.kill();
  for (const j of janus) await j.close();
  await lab?.teardown();
});

/** Participants of `access.room` on its Janus (through a session of our own), or 'absent'. */
async function onJanus(access: SfuAccess): Promise<string[] | 'absent'> {
  const c = await JanusConnection.open(access.url);
  try {
    const s = await c.createSession(mintJanusToken(tokenSecret, { ttlSeconds: 60 }));
    const h = await s.attach(VIDEOROOM_PLUGIN);
    try {
      const list = await h.request({ request: 'listparticipants', room: access.room });
      return (list.participants as { display?: string }[]).map((p) => p.display ?? '');
    } catch (e) {
      if (e instanceof JanusError && e.code === VIDEOROOM_ERROR.NO_SUCH_ROOM) return 'absent';
      throw e;
    }
  } finally {
    c.close();
  }
}

/** Joins the room on Janus as a publisher with `access` (what the join ack gave); resolves with the connection. */
async function enter(access: SfuAccess, display: string): Promise<JanusConnection> {
  const c = await JanusConnection.open(access.url);
  const s = await c.createSession(access.token);
  const h = await s.attach(VIDEOROOM_PLUGIN);
  await h.message({ request: 'join', ptype: 'publisher', room: access.room, pin: access.pin, token: access.roomToken, display });
  return c;
}

test('every admitted peer gets sfu in its join ack, for the same Janus from both relay processes; the room exists there and takes them', async () => {
  const room = `relay-sfu-${Date.now().toString(36)}`;
  const [a, b] = [await connect(relays[0].url), await connect(relays[1].url)];
  const [ackA, ackB] = [await join(a, room, 'Ann'), await join(b, room, 'Bob')];
  assert.equal(ackA.ok, true);
  const sfuA = ackA.sfu as SfuAccess;
  const sfuB = ackB.sfu as SfuAccess;
  assert.ok(sfuA && sfuB, `both acks carry sfu: ${JSON.stringify([ackA, ackB])}`);
  assert.deepEqual(Object.keys(sfuA).sort(), ['expires', 'pin', 'room', 'roomToken', 'token', 'url']);
  assert.equal(sfuA.url, sfuB.url, 'one Janus for the room, whichever relay process admitted the peer');
  assert.equal(sfuA.room, sfuB.room);
  assert.ok(janus.some((j) => j.url === sfuA.url));
  assert.ok(sfuA.expires > Date.now() / 1000 + 3600, 'tokens valid for the TTL (a day by default)');
  assert.ok(!relays[0].logs.join('\n').includes(sfuA.token), 'tokens are never logged');
  const ca = await enter(sfuA, 'Ann');
  const cb = await enter(sfuB, 'Bob');
  try {
    assert.deepEqual(((await onJanus(sfuA)) as string[]).sort(), ['Ann', 'Bob'], 'both are in the room on Janus');
  } finally {
    ca.close();
    cb.close();
  }
  // sfu-refresh: fresh tokens for a member; refused for a room the socket is not in.
  await sleep(1100);
  const refreshed = await request(a, 'sfu-refresh', { room });
  assert.equal(refreshed.ok, true);
  assert.equal(refreshed.sfu.room, sfuA.room);
  assert.ok(refreshed.sfu.expires > sfuA.expires, 'a later expiry');
  const stranger = await request(a, 'sfu-refresh', { room: `${room}-other` });
  assert.deepEqual(stranger, { ok: false, error: { code: 'not-joined', message: 'Not in that room' } });
  const bad = await request(a, 'sfu-refresh', 'nope');
  assert.equal(bad.error.code, 'bad-request');
});

test('the room is destroyed on Janus once its last peer left the relay, and made again by the next join', async () => {
  const room = `relay-release-${Date.now().toString(36)}`;
  const a = await connect(relays[0].url);
  const b = await connect(relays[0].url);
  const { sfu } = await join(a, room, 'Ann');
  await join(b, room, 'Bob');
  assert.notEqual(await onJanus(sfu), 'absent');
  await request(a, 'leave', { room });
  await sleep(300);
  assert.notEqual(await onJanus(sfu), 'absent', 'still there while Bob is in the room');
  b.disconnect();
  let state: string[] | 'absent' = [];
  for (let i = 0; i < 30 && state !== 'absent'; i++) {
    await sleep(100);
    state = await onJanus(sfu);
  }
  assert.equal(state, 'absent', 'destroyed once the room is empty');
  const again = await join(a, room, 'Ann');
  assert.equal(again.sfu.room, sfu.room);
  assert.deepEqual(await onJanus(again.sfu), [], 'created again for the next join');
});

test('with RELAY_SECRET, a join without a valid grant is refused and gets no sfu; one with a grant gets it', async () => {
  const room = `relay-grant-${Date.now().toString(36)}`;
  const relay = relays[2];
  const c = await connect(relay.url);
  const refused = await join(c, room, 'Eve');
  assert.equal(refused.ok, false);
  assert.equal(refused.sfu, undefined);
  const forged = await join(c, room, 'Eve', await mintRoomToken('another-secret-entirely', room));
  assert.equal(forged.ok, false);
  assert.equal(forged.sfu, undefined);
  const sneaky = await request(c, 'sfu-refresh', { room });
  assert.equal(sneaky.ok, false, 'no tokens for a room one is not in');
  const ok = await join(c, room, 'Ann', await mintRoomToken(RELAY_SECRET, room));
  assert.equal(ok.ok, true);
  assert.ok(ok.sfu?.roomToken, 'the admitted peer gets its tokens');
});

/** A plain client of a test Redis (fails fast while it is away, as the relay's presence connection does). */
async function redisClient(url: string) {
  const c = await failFastClient(url, 200);
  redisClients.push(c);
  return c;
}

async function eventually(what: string, fn: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(100);
  }
}

test('with Redis, relay processes listing different Janus instances send a room to the one its first peer got; the record goes with the room', async () => {
  const redis = await startRedisServer();
  redisServers.push(redis);
  const [j1, j2] = janus.map((j) => j.url);
  const env = (urls: string[]) => ({ JANUS_URLS: urls.join(','), JANUS_ADMIN_KEY: adminKey, JANUS_TOKEN_SECRET: tokenSecret });
  const redisOptions = { redisUrl: redis.url, redisPrefix: 'vc-e2e:', redisHeartbeatMs: 500 };
  // A deploy adding j2: process A still runs with j1 only, process B already lists both.
  const relayA = await startRelay({ ...relayOptionsFromEnv(env([j1])), ...redisOptions });
  relays.push(relayA);
  const relayB = await startRelay({ ...relayOptionsFromEnv(env([j1, j2])), ...redisOptions });
  relays.push(relayB);
  const stamp = Date.now().toString(36);
  const room = Array.from({ length: 200 }, (_, i) => `relay-redis-${stamp}-${i}`).find((r) => pickJanus([j1, j2], r) === j2)!;
  const key = `vc-e2e:janus:${room}`;
  const store = await redisClient(redis.url);

  const [a, b] = [await connect(relayA.url), await connect(relayB.url)];
  const ackA = await join(a, room, 'Ann');
  assert.equal(ackA.sfu?.url, j1, 'A knows only j1');
  const ackB = await join(b, room, 'Bob');
  assert.equal(ackB.ok, true);
  assert.equal(ackB.sfu?.url, j1, 'B sends Bob to the Janus Ann is on, though hashing alone would pick j2 for this room');
  assert.equal(ackB.sfu.room, ackA.sfu.room);
  assert.equal(await store.get(key), j1);
  const ttl = await store.pTTL(key);
  assert.ok(ttl > 86_400_000, `the record outlives the tokens of its peers (a day): ${ttl} ms`);
  const ca = await enter(ackA.sfu, 'Ann');
  const cb = await enter(ackB.sfu, 'Bob');
  let bobOnJanus = true;
  try {
    assert.deepEqual(((await onJanus(ackA.sfu)) as string[]).sort(), ['Ann', 'Bob'], 'one room on one Janus, both in it');
    // Ann leaves: Bob is still on Janus, so the room and its record stay.
    ca.close();
    a.disconnect();
    await eventually('Ann gone from the room on Janus', async () => JSON.stringify(await onJanus(ackA.sfu)) === '["Bob"]');
    await sleep(500);
    assert.equal(await store.get(key), j1, 'the record stays while the room is in use');
    cb.close();
    bobOnJanus = false;
    b.disconnect();
    await eventually(
      'the room destroyed on j1 and its record deleted',
      async () => (await store.get(key)) === null && (await onJanus(ackA.sfu)) === 'absent',
    );
  } finally {
    ca.close();
    if (bobOnJanus) cb.close();
  }
  // The room is over: its next call goes where hashing puts it for B.
  const c = await connect(relayB.url);
  const again = await join(c, room, 'Cy');
  assert.equal(again.sfu?.url, j2);
  assert.equal(await store.get(key), j2);
  assert.ok(!relayB.logs.some((l) => l.includes('janus-assign')), `no Redis error: ${relayB.logs.join('\n')}`);
});

test('with Redis, a relay process whose last peer left keeps the room on Janus while another process has members there (on the mesh); the last to leave destroys it', async () => {
  const redis = await startRedisServer();
  redisServers.push(redis);
  const env = { JANUS_URLS: janus[0].url, JANUS_ADMIN_KEY: adminKey, JANUS_TOKEN_SECRET: tokenSecret };
  const redisOptions = { redisUrl: redis.url, redisPrefix: 'vc-release:', redisHeartbeatMs: 500 };
  const relayA = await startRelay({ ...relayOptionsFromEnv(env), ...redisOptions });
  relays.push(relayA);
  const relayB = await startRelay({ ...relayOptionsFromEnv(env), ...redisOptions });
  relays.push(relayB);
  const room = `relay-keep-${Date.now().toString(36)}`;
  const [a, b] = [await connect(relayA.url), await connect(relayB.url)];
  const { sfu, selfId: ann } = await join(a, room, 'Ann');
  assert.equal((await join(b, room, 'Bob')).ok, true);
  assert.deepEqual(await onJanus(sfu), [], 'the room is made on Janus at the first admission');
  // Ann (the only peer on A) leaves; Bob (on B) is still in the call, on the mesh: not on Janus.
  const bobHeard = next(b, 'peer-left', 10_000);
  a.disconnect();
  assert.deepEqual(await bobHeard, { id: ann });
  await sleep(500);
  assert.deepEqual(await onJanus(sfu), [], 'kept for Bob, who may move to the SFU');
  assert.ok(
    relayA.logs.some((l) => l.includes('janus keep') && l.includes(room)),
    `A says why it kept the room: ${relayA.logs.join('\n')}`,
  );
  b.disconnect();
  await eventually('destroyed once Bob, the last, left', async () => (await onJanus(sfu)) === 'absent');
});

test('with Redis out of reach, an admission still gets its room, on the Janus hashing picks (logged)', async () => {
  const redis = await startRedisServer();
  redisServers.push(redis);
  const client = await redisClient(redis.url);
  const logs: string[] = [];
  const urls = janus.map((j) => j.url);
  const rooms = new JanusRooms({ urls, adminKey, tokenSecret }, { log: (l) => logs.push(l) });
  rooms.assignWith(new RedisJanusAssignment(client, { urls, prefix: 'vc-e2e:', ttlMs: 60_000, log: (l) => logs.push(l) }));
  await redis.kill();
  const room = `relay-no-redis-${Date.now().toString(36)}`;
  const access = await rooms.admit(room, { maxPeers: 4 });
  assert.equal(access.url, pickJanus(urls, room));
  const conn = await enter(access, 'Ann');
  try {
    assert.deepEqual(await onJanus(access), ['Ann'], 'the peer is in its room on Janus');
  } finally {
    conn.close();
  }
  assert.match(logs.join('\n'), /error redis janus-assign/);
  await eventually('released', async () => (await rooms.release(room)) !== 'busy');
});
