/**
 * Issue 13: which Janus serves a room, recorded in a real Redis (server/janus-assign.ts) so that
 * relay processes with different JANUS_URLS (a deploy adding an instance) keep a room on one
 * Janus: the first admission's choice holds, its TTL is refreshed by admissions, a choice naming
 * a Janus a process does not know is replaced, it is deleted only by the release of the Janus it
 * names; and with Redis gone or stalled, hashing (logged once), never a failed admission.
 * (With real Janus and relay processes: test/e2e/janus-relay.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { pickJanus, RedisJanusAssignment } from '../../server/janus-assign.js';
import { failFastClient, startRedisServer, type TestRedis } from '../support/redis-server.js';

const J1 = 'ws://j1.example:8188';
const J2 = 'ws://j2.example:8188';
/** A room that hashing puts on J2 when both are listed. */
const ROOM = Array.from({ length: 100 }, (_, i) => `standup-${i}`).find((r) => pickJanus([J1, J2], r) === J2)!;

const servers: TestRedis[] = [];
const clients: { isOpen: boolean; destroy(): void }[] = [];
after(async () => {
  for (const c of clients) if (c.isOpen) c.destroy();
  for (const s of servers) await s.kill();
});

/** A client like the relay's presence connection: fails fast while Redis is away. */
async function client(url: string) {
  const c = await failFastClient(url, 100);
  clients.push(c);
  return c;
}

function assignment(c: Awaited<ReturnType<typeof client>>, urls: string[], logs: string[] = [], timeoutMs = 2000) {
  return new RedisJanusAssignment(c, { urls, prefix: 'vc-test:', ttlMs: 60_000, timeoutMs, log: (l) => logs.push(l) });
}

test('the first admission picks by hashing and every process follows it, whatever its list; the record lives while admissions refresh it', async () => {
  const redis = await startRedisServer();
  servers.push(redis);
  const c = await client(redis.url);
  const a = assignment(c, [J1]);
  const b = assignment(c, [J1, J2]);
  assert.equal(await a.assign(ROOM), J1, 'A knows only J1');
  assert.equal(await b.assign(ROOM), J1, 'B follows the record, not its own hashing (J2)');
  assert.equal(await c.get(`vc-test:janus:${ROOM}`), J1);
  await c.pExpire(`vc-test:janus:${ROOM}`, 1000);
  await b.assign(ROOM);
  const ttl = await c.pTTL(`vc-test:janus:${ROOM}`);
  assert.ok(ttl > 50_000 && ttl <= 60_000, `an admission refreshes the TTL: ${ttl}`);

  // Released on J2 (a stale release) leaves J1's record alone; released on J1 deletes it.
  await b.forget(ROOM, J2);
  assert.equal(await c.get(`vc-test:janus:${ROOM}`), J1);
  await b.forget(ROOM, J1);
  assert.equal(await c.get(`vc-test:janus:${ROOM}`), null);
  assert.equal(await b.assign(ROOM), J2, 'the next admission picks afresh: B hashes to J2');
  // A does not know J2 (removed from its list): it picks again and the record follows.
  assert.equal(await a.assign(ROOM), J1);
  assert.equal(await b.assign(ROOM), J1);
  // Rooms still spread: different rooms get both instances.
  const picked = new Set<string>();
  for (let i = 0; i < 20; i++) picked.add(await b.assign(`spread-${i}`));
  assert.deepEqual([...picked].sort(), [J1, J2]);
});

test('Redis stopped: hashing, logged once, and the record is used again once Redis is back', async () => {
  const redis = await startRedisServer();
  servers.push(redis);
  const c = await client(redis.url);
  const logs: string[] = [];
  const b = assignment(c, [J1, J2], logs);
  await c.set(`vc-test:janus:${ROOM}`, J1);
  assert.equal(await b.assign(ROOM), J1);
  await redis.kill();
  const started = Date.now();
  assert.equal(await b.assign(ROOM), J2, 'no Redis: hashing');
  assert.equal(await b.assign(ROOM), J2);
  await b.forget(ROOM, J2);
  assert.ok(Date.now() - started < 1000, 'at once, without waiting for Redis');
  const errors = logs.filter((l) => l.startsWith('error redis janus-assign'));
  assert.equal(errors.length, 1, `logged once: ${JSON.stringify(logs)}`);
  const back = await startRedisServer({ port: redis.port });
  servers.push(back);
  const deadline = Date.now() + 10_000;
  while (!c.isReady && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await c.set(`vc-test:janus:${ROOM}`, J1);
  assert.equal(await b.assign(ROOM), J1, 'the record again');
  assert.ok(logs.includes('janus-assign through redis again'), JSON.stringify(logs));
});

test('Redis stalled (connection up, nothing answered): hashing after the timeout, not a hang', async () => {
  const redis = await startRedisServer();
  servers.push(redis);
  const c = await client(redis.url);
  const logs: string[] = [];
  const b = assignment(c, [J1, J2], logs, 300);
  await c.set(`vc-test:janus:${ROOM}`, J1);
  redis.child.kill('SIGSTOP');
  try {
    const started = Date.now();
    assert.equal(await b.assign(ROOM), J2);
    assert.ok(Date.now() - started < 1500, `within the timeout: ${Date.now() - started} ms`);
    assert.match(logs.join('\n'), /error redis janus-assign Redis did not answer within 300 ms/);
  } finally {
    redis.child.kill('SIGCONT');
  }
});
