/**
 * REDIS_URL scale-out with a real redis-server and three relay processes
 * (the real CLI): peers on different processes share rooms, see each other in
 * the join ack, signal each other, respect the room capacity, and learn of
 * departures: a leave, a graceful SIGTERM, and a process killed outright;
 * resumable peer ids are taken over across processes (and stay listed only
 * under the process holding them), and the sweep of a killed process leaves
 * an id that resumed elsewhere alone.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { peerIdForKey as idOf } from '../../server/peer-id.js';
import { connect, disconnectAll, flush, get, join, next, record, request, sleep, type Client } from './relay-helpers.js';
import { freePort } from '../support/net.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const children = new Set<ChildProcess>();
let redisUrl: string;
let relays: { child: ChildProcess; url: string }[];

/** Spawns a process and resolves when `ready` matches its output. */
function start(
  cmd: string,
  args: string[],
  ready: RegExp,
  env: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let text = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start:\n${text}`)), 10_000);
    const onData = (d: Buffer) => {
      text += d;
      const match = ready.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${cmd} exited ${code}:\n${text}`)));
  });
}

function startRelayProcess(): Promise<{ child: ChildProcess; url: string }> {
  return start(
    process.execPath,
    ['--import', 'tsx', 'server/cli.ts', '--port', '0', '--host', '127.0.0.1'],
    /listening on (http:\/\/\S+?)\/?$/m,
    {
      REDIS_URL: redisUrl,
      REDIS_HEARTBEAT_MS: '200',
      MAX_PEERS_PER_ROOM: '3',
    },
  ).then(({ child, match }) => ({ child, url: match[1]! }));
}

const KEY = 'resume-key-0123456789';
const OTHER_KEY = 'other-key-0123456789';
const SURVIVOR_KEY = 'survivor-key-0123456789';
/** Peer ids are derived from their keys by the relay. */
const ROAMER = idOf(KEY);
const BEE = idOf(OTHER_KEY);
const SURVIVOR = idOf(SURVIVOR_KEY);
const NOT_ITS_ID = { code: 'bad-request', message: 'id is not the peer id of this key (send only key; the ack gives the peer id)' };

function joinAs(socket: Client, room: string, id?: string, key?: string, name?: string): Promise<any> {
  return request(socket, 'join', { room, name, id, key });
}

/**
 * How many relay processes list `id` among their claimed peer ids in Redis
 * (`procpeers:<proc>` sets), once that count is `settled` (or after 2 s).
 */
async function procsListing(id: string, settled: number): Promise<number> {
  const client = createClient({ url: redisUrl });
  await client.connect();
  try {
    const deadline = Date.now() + 2000;
    for (;;) {
      let n = 0;
      for (const key of await client.keys('video-call:procpeers:*')) if (await client.sIsMember(key, id)) n++;
      if (n === settled || Date.now() > deadline) return n;
      await sleep(50);
    }
  } finally {
    client.destroy();
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.on('exit', (code) => r(code)));
}

before(async () => {
  const port = await freePort();
  await start(
    '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    /Ready to accept connections/,
  );
  redisUrl = `redis://127.0.0.1:${port}`;
  relays = await Promise.all([startRelayProcess(), startRelayProcess(), startRelayProcess()]);
});

after(async () => {
  disconnectAll();
  for (const c of children) c.kill('SIGKILL');
});

describe('relay over Redis, three processes', () => {
  it('peers on different processes share a room: join ack, peer-joined, signals both ways', async () => {
    const [one, two] = relays;
    const a = await connect(one!.url);
    const b = await connect(two!.url);
    assert.deepEqual(await join(a, 'cross', 'Alice'), { ok: true, selfId: a.id, peers: [] });
    const joined = next(a, 'peer-joined');
    assert.deepEqual(await join(b, 'cross', 'Bob'), { ok: true, selfId: b.id, peers: [{ id: a.id, name: 'Alice' }] });
    assert.deepEqual(await joined, { id: b.id, name: 'Bob' });

    const toB = next(b, 'signal');
    assert.deepEqual(await request(a, 'signal', { to: b.id, data: { sdp: 'offer' } }), { ok: true });
    assert.deepEqual(await toB, { from: a.id, data: { sdp: 'offer' } });
    const toA = next(a, 'signal');
    assert.deepEqual(await request(b, 'signal', { to: a.id, data: { sdp: 'answer' } }), { ok: true });
    assert.deepEqual(await toA, { from: b.id, data: { sdp: 'answer' } });

    // An outsider on the third process can neither reach them nor see them.
    const c = await connect(relays[2]!.url);
    await join(c, 'elsewhere');
    const seenA = record(a);
    assert.equal((await request(c, 'signal', { to: a.id, data: 'x' })).error.code, 'not-joined');
    await flush(c);
    await sleep(50);
    assert.deepEqual(seenA, []);

    const left = next(a, 'peer-left');
    await request(b, 'leave', { room: 'cross' });
    assert.deepEqual(await left, { id: b.id });
  });

  it('enforces MAX_PEERS_PER_ROOM across processes', async () => {
    const clients = await Promise.all(relays.map((r) => connect(r.url)));
    for (const c of clients) assert.equal((await join(c, 'cap')).ok, true);
    const fourth = await connect(relays[0]!.url);
    const ack = await join(fourth, 'cap');
    assert.equal(ack.error?.code, 'room-full');
    for (const c of clients) await request(c, 'leave', { room: 'cap' });
  });

  it('speaks the seed protocol across processes', async () => {
    const a = await connect(relays[0]!.url);
    const b = await connect(relays[1]!.url);
    a.emit('join-room', 'seed-x');
    await flush(a);
    const userJoined = next(a, 'user-joined');
    b.emit('join-room', 'seed-x');
    await userJoined;
    const offer = next(a, 'offer');
    b.emit('offer', { roomId: 'seed-x', offer: { sdp: 'v=0' } });
    assert.deepEqual(await offer, { sdp: 'v=0' });
  });

  it('a resumable peer id is taken over across processes; another key is refused on any process', async () => {
    const [one, two, three] = relays;
    const old = await connect(one!.url);
    const b = await connect(two!.url);
    assert.equal((await joinAs(old, 'resume-x', ROAMER, KEY, 'R')).selfId, ROAMER);
    await joinAs(b, 'resume-x', BEE, OTHER_KEY, 'B');
    // The room's news of the old connection's join, published by process one, may still be on its
    // way to B's process: a signal published after it by the same process arrives after it.
    const synced = next(b, 'signal');
    await request(old, 'signal', { to: BEE, data: 'sync' });
    await synced;
    const seenB = record(b);

    // Another key, from a third process: refused, the holder keeps it.
    const thief = await connect(three!.url);
    assert.deepEqual((await joinAs(thief, 'elsewhere-x', ROAMER, OTHER_KEY)).error, NOT_ITS_ID);
    assert.equal(old.connected, true);

    // Same key, on another process: the old connection (on process one) is cut through the adapter.
    const oldGone = new Promise((resolve) => old.once('disconnect', resolve));
    const fresh = await connect(three!.url);
    const ack = await joinAs(fresh, 'resume-x', ROAMER, KEY, 'R');
    assert.deepEqual(ack, { ok: true, selfId: ROAMER, peers: [{ id: BEE, name: 'B' }] });
    assert.equal(await oldGone, 'io server disconnect');
    const toFresh = next(fresh, 'signal');
    assert.deepEqual(await request(b, 'signal', { to: ROAMER, data: 'found you' }), { ok: true });
    assert.deepEqual(await toFresh, { from: BEE, data: 'found you' });
    const toB = next(b, 'signal');
    await request(fresh, 'signal', { to: BEE, data: 'hi' });
    assert.deepEqual(await toB, { from: ROAMER, data: 'hi' });
    await sleep(200);
    assert.deepEqual(
      seenB.filter((e) => e.event === 'peer-left'),
      [],
      'no peer-left for the resumed id',
    );
    assert.deepEqual(
      seenB.filter((e) => e.event === 'peer-joined').map((e) => e.args[0]),
      [{ id: ROAMER, name: 'R' }],
    );

    // A newcomer on the old process sees the id once, held by the new connection.
    const d = await connect(one!.url);
    const ackD = await joinAs(d, 'resume-x', undefined, undefined, 'D');
    assert.deepEqual(ackD.peers.map((p: { id: string }) => p.id).sort(), [BEE, ROAMER].sort());
    // Redis lists the id under the process holding it only: the old process's release
    // dropped it from its own set though the id record now names another process.
    assert.equal(await procsListing(ROAMER, 1), 1, 'roamer listed by exactly one process');
    const left = next(b, 'peer-left');
    fresh.disconnect();
    assert.deepEqual(await left, { id: ROAMER });
    assert.equal(await procsListing(ROAMER, 0), 0, 'roamer listed by no process once released');
    await request(b, 'leave', { room: 'resume-x' });
    await request(d, 'leave', { room: 'resume-x' });
  });

  it('the sweep of a killed process does not announce an id that resumed on another process', async () => {
    const [one, two] = relays;
    const doomed = await startRelayProcess();
    const old = await connect(doomed.url);
    const stays = await connect(doomed.url);
    const b = await connect(one!.url);
    await joinAs(old, 'sweep-x', SURVIVOR, SURVIVOR_KEY, 'S');
    await joinAs(old, 'sweep-y', SURVIVOR, SURVIVOR_KEY, 'S');
    await joinAs(stays, 'sweep-x', undefined, undefined, 'T');
    await joinAs(b, 'sweep-x', undefined, undefined, 'B');
    await joinAs(b, 'sweep-y', undefined, undefined, 'B');
    const staysId = stays.id;
    const seenB = record(b);

    // Freeze the doomed process (it cannot process the eviction nor say goodbye), then the
    // client comes back on another process and takes its id over; then the doomed one dies.
    doomed.child.kill('SIGSTOP');
    const fresh = await connect(two!.url);
    const ack = await joinAs(fresh, 'sweep-x', SURVIVOR, SURVIVOR_KEY, 'S');
    assert.equal(ack.selfId, SURVIVOR);
    doomed.child.kill('SIGKILL');
    await exited(doomed.child);

    // The sweep announces the doomed process's other peer, and the id in the room the new
    // connection has not rejoined; never the resumed id where it is.
    const deadline = Date.now() + 5000;
    while (!seenB.some((e) => e.event === 'peer-left' && (e.args[0] as { id: string }).id === staysId) && Date.now() < deadline)
      await sleep(50);
    await sleep(300);
    const lefts = seenB.filter((e) => e.event === 'peer-left').map((e) => e.args[0]);
    assert.deepEqual(
      lefts.map((l) => JSON.stringify(l)).sort(),
      [{ id: staysId }, { id: SURVIVOR }].map((l) => JSON.stringify(l)).sort(),
      'one peer-left for the doomed peer (sweep-x) and one for the id in sweep-y only',
    );
    // sweep-x: the id is still there; sweep-y: it is gone.
    const d = await connect(one!.url);
    assert.deepEqual((await joinAs(d, 'sweep-x')).peers.map((p: { id: string }) => p.id).sort(), [b.id, SURVIVOR].sort());
    assert.deepEqual(
      (await joinAs(d, 'sweep-y')).peers.map((p: { id: string }) => p.id),
      [b.id],
    );
    const toFresh = next(fresh, 'signal');
    assert.deepEqual(await request(b, 'signal', { to: SURVIVOR, data: 'still here' }), { ok: true });
    assert.deepEqual(await toFresh, { from: b.id, data: 'still here' });
    // The id stays claimed by the live connection: another key cannot take it.
    const thief = await connect(one!.url);
    assert.deepEqual((await joinAs(thief, 'sweep-z', SURVIVOR, OTHER_KEY)).error, NOT_ITS_ID);
    for (const c of [b, d]) for (const room of ['sweep-x', 'sweep-y']) await request(c, 'leave', { room });
    fresh.disconnect();
  });

  it('a room member cannot squat the peer id of a dropped peer on any process; the peer resumes it on another', async () => {
    const [one, two, three] = relays;
    const victimKey = 'victim-key-0123456789';
    const squatterKey = 'squatter-key-0123456789';
    const victimId = idOf(victimKey);
    const victim = await connect(one!.url);
    const squatter = await connect(two!.url);
    // (Sent with the ids, as older clients did, so this runs the same on a relay without derived ids.)
    await joinAs(victim, 'squat-x', victimId, victimKey, 'V');
    const ack = await joinAs(squatter, 'squat-x', idOf(squatterKey), squatterKey, 'S');
    assert.deepEqual(ack.peers, [{ id: victimId, name: 'V' }], 'the squatter learns the id from the room list');
    const victimLeft = next(squatter, 'peer-left');
    victim.disconnect(); // a dropped connection: the id is free until the victim resumes
    assert.deepEqual(await victimLeft, { id: victimId });

    // On the squatter's process, on the victim's and on a third: refused, in the shared room or another.
    for (const [relay, room] of [
      [two, 'squat-x'],
      [one, 'squat-x'],
      [three, 'squat-y'],
    ] as const) {
      const s = await connect(relay!.url);
      assert.deepEqual((await joinAs(s, room, victimId, squatterKey)).error, NOT_ITS_ID, `${relay!.url} ${room}`);
      s.disconnect();
    }

    // The victim comes back on the third process and gets its id and its signals.
    const back = await connect(three!.url);
    const resumed = await joinAs(back, 'squat-x', undefined, victimKey, 'V');
    assert.equal(resumed.ok, true, JSON.stringify(resumed));
    assert.equal(resumed.selfId, victimId);
    const got = next(back, 'signal');
    assert.deepEqual(await request(squatter, 'signal', { to: victimId, data: 'for the victim' }), { ok: true });
    assert.deepEqual(await got, { from: idOf(squatterKey), data: 'for the victim' });
    await request(squatter, 'leave', { room: 'squat-x' });
    back.disconnect();
  });

  it('tells the others at once when a process shuts down gracefully, and when one is killed', async () => {
    const [one, two, three] = relays;
    const a = await connect(one!.url);
    const b = await connect(two!.url);
    const c = await connect(three!.url);
    await join(a, 'deaths', 'A');
    await join(b, 'deaths', 'B');
    const ackC = await join(c, 'deaths', 'C');
    assert.deepEqual(new Set(ackC.peers.map((p: { id: string }) => p.id)), new Set([a.id, b.id]));
    const bId = b.id;
    const cId = c.id;

    // Graceful: SIGTERM on the third process.
    let t0 = Date.now();
    const cLeft = next(a, 'peer-left', 3000);
    three!.child.kill('SIGTERM');
    assert.deepEqual(await cLeft, { id: cId });
    assert.ok(Date.now() - t0 < 1000, 'announced by the leaving process itself');
    assert.equal(await exited(three!.child), 0);

    // Killed: nobody on the second process can say goodbye; a survivor sweeps it.
    t0 = Date.now();
    const bLeft = next(a, 'peer-left', 5000);
    two!.child.kill('SIGKILL');
    assert.deepEqual(await bLeft, { id: bId });
    assert.ok(Date.now() - t0 < 3000, `swept in ${Date.now() - t0} ms`);

    // The survivor's room is right again: a newcomer sees only A.
    const d = await connect(one!.url);
    const ackD = await join(d, 'deaths', 'D');
    assert.deepEqual(ackD.peers, [{ id: a.id, name: 'A' }]);
    const health = await (await get(`${one!.url}/healthz`)).json();
    assert.equal(health.ok, true);
    assert.equal(health.redis, true);
  });

  it('refuses to start, with the reason, when Redis is unreachable', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--port', '0', '--host', '127.0.0.1'], {
      cwd: root,
      env: { ...process.env, REDIS_URL: `redis://127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    assert.equal(await exited(child), 1);
    assert.match(text, /Cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+/);
    assert.doesNotMatch(text, /listening on/);
  });
});
