/**
 * Resumable peer ids (CONTRACT section 6, `join {id, key}`), against a real relay
 * on a random loopback port: a proposed id is our peer id everywhere; a new
 * connection with the same id and key takes it over silently (the old one is
 * disconnected, nobody hears `peer-left`); a different key, malformed values,
 * or a second id on one socket are refused; after a relay restart the id is
 * simply accepted again.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createRelay } from '../../server/app.js';
import { connect, disconnectAll, flush, next, record, request, sleep, startRelay, type Client, type TestRelay } from './relay-helpers.js';

let r: TestRelay;

before(async () => {
  r = await startRelay();
});

after(async () => {
  disconnectAll();
  await r.close();
});

afterEach(() => disconnectAll());

const KEY = 'k'.repeat(8) + '-0123456789abcdef';
const OTHER_KEY = 'x'.repeat(8) + '-0123456789abcdef';

function joinAs(socket: Client, room: string, id?: string, key?: string, name?: string): Promise<any> {
  return request(socket, 'join', { room, name, id, key });
}

function disconnected(socket: Client, ms = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    if (socket.disconnected) return resolve('already');
    const timer = setTimeout(() => reject(new Error(`not disconnected within ${ms} ms`)), ms);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

describe('resumable peer ids', () => {
  it('join with id and key: selfId is that id, and the others know us by it', async () => {
    const a = await connect(r.url);
    const b = await connect(r.url);
    assert.deepEqual(await joinAs(a, 'res-1', 'alice-1', KEY, 'Alice'), { ok: true, selfId: 'alice-1', peers: [] });
    const joined = next(a, 'peer-joined');
    assert.deepEqual(await joinAs(b, 'res-1', undefined, undefined, 'Bob'), { ok: true, selfId: b.id, peers: [{ id: 'alice-1', name: 'Alice' }] });
    assert.deepEqual(await joined, { id: b.id, name: 'Bob' });

    // Signals both ways carry the peer ids.
    const toB = next(b, 'signal');
    assert.deepEqual(await request(a, 'signal', { to: b.id, data: 'offer' }), { ok: true });
    assert.deepEqual(await toB, { from: 'alice-1', data: 'offer' });
    const toA = next(a, 'signal');
    assert.deepEqual(await request(b, 'signal', { to: 'alice-1', data: 'answer' }), { ok: true });
    assert.deepEqual(await toA, { from: b.id, data: 'answer' });
    // Our socket id is not a peer id anyone can address.
    assert.equal((await request(b, 'signal', { to: a.id, data: 'x' })).error.code, 'not-joined');
    assert.equal((await request(a, 'signal', { to: 'alice-1', data: 'x' })).error.code, 'bad-request', 'cannot signal oneself');

    const left = next(b, 'peer-left');
    await request(a, 'leave', { room: 'res-1' });
    assert.deepEqual(await left, { id: 'alice-1' });
  });

  it('a new connection with the same id and key takes over: the old one is cut, nobody hears peer-left', async () => {
    const old = await connect(r.url);
    const b = await connect(r.url);
    const c = await connect(r.url);
    await joinAs(old, 'res-2', 'ada', KEY, 'Ada');
    await joinAs(b, 'res-2', 'bob', KEY.replace('k', 'b'), 'Bob');
    await joinAs(c, 'res-2', undefined, undefined, 'Cy');
    const seenB = record(b);
    const seenC = record(c);
    const oldGone = disconnected(old);

    const fresh = await connect(r.url);
    const ack = await joinAs(fresh, 'res-2', 'ada', KEY, 'Ada');
    assert.equal(ack.ok, true);
    assert.equal(ack.selfId, 'ada');
    const byId = (x: { id: string }, y: { id: string }) => x.id.localeCompare(y.id);
    assert.deepEqual([...ack.peers].sort(byId), [{ id: 'bob', name: 'Bob' }, { id: c.id!, name: 'Cy' }].sort(byId));
    assert.equal(await oldGone, 'io server disconnect');

    // Signals to the id reach the new connection, and its signals carry the id.
    const toFresh = next(fresh, 'signal');
    assert.deepEqual(await request(b, 'signal', { to: 'ada', data: 'after' }), { ok: true });
    assert.deepEqual(await toFresh, { from: 'bob', data: 'after' });
    const toC = next(c, 'signal');
    assert.deepEqual(await request(fresh, 'signal', { to: c.id, data: 'hi' }), { ok: true });
    assert.deepEqual(await toC, { from: 'ada', data: 'hi' });

    await flush(b);
    await flush(c);
    await sleep(50);
    for (const seen of [seenB, seenC]) {
      assert.deepEqual(seen.filter((e) => e.event === 'peer-left'), [], 'no peer-left for a resumed id');
      assert.deepEqual(seen.filter((e) => e.event === 'peer-joined').map((e) => e.args[0]), [{ id: 'ada', name: 'Ada' }]);
    }
    assert.ok(r.logs.some((l) => /^join room="res-2" id=ada peers=2 resumed$/.test(l)), r.logs.join('\n'));

    // A newcomer sees the id once; the resumed peer leaving is announced as usual.
    const d = await connect(r.url);
    const ackD = await joinAs(d, 'res-2');
    assert.deepEqual(ackD.peers.map((p: { id: string }) => p.id).sort(), ['ada', 'bob', c.id].sort());
    const left = next(b, 'peer-left');
    fresh.disconnect();
    assert.deepEqual(await left, { id: 'ada' });
  });

  it('the same id with another key is refused and the holder is unaffected', async () => {
    const holder = await connect(r.url);
    const b = await connect(r.url);
    await joinAs(holder, 'res-3', 'taken', KEY, 'H');
    await joinAs(b, 'res-3', undefined, undefined, 'B');
    const seenB = record(b);
    const thief = await connect(r.url);
    const ack = await joinAs(thief, 'res-3', 'taken', OTHER_KEY, 'T');
    assert.deepEqual(ack, { ok: false, error: { code: 'bad-request', message: 'That peer id is in use' } });
    // Also from another room: ids are relay-wide.
    assert.deepEqual((await joinAs(thief, 'res-3-other', 'taken', OTHER_KEY)).error, { code: 'bad-request', message: 'That peer id is in use' });
    // Nor can anyone claim a socket's own id, key or not.
    assert.equal((await joinAs(thief, 'res-3', b.id, KEY)).error.message, 'That peer id is in use');
    await sleep(50);
    assert.equal(holder.connected, true);
    assert.deepEqual(seenB, []);
    const got = next(holder, 'signal');
    assert.deepEqual(await request(b, 'signal', { to: 'taken', data: 'still you' }), { ok: true });
    assert.deepEqual(await got, { from: b.id, data: 'still you' });
    // The refused socket may still join under an id of its own.
    assert.equal((await joinAs(thief, 'res-3', 'other-id', OTHER_KEY)).selfId, 'other-id');
  });

  it('refuses id without key, key without id, and malformed values', async () => {
    const s = await connect(r.url);
    const bad: Record<string, unknown>[] = [
      { id: 'lonely' },
      { key: KEY },
      { id: '', key: KEY },
      { id: 'x'.repeat(65), key: KEY },
      { id: 'has space', key: KEY },
      { id: 'r:room', key: KEY },
      { id: 'ünï', key: KEY },
      { id: 42, key: KEY },
      { id: ['a'], key: KEY },
      { id: 'ok-id', key: 'short' },
      { id: 'ok-id', key: 'k'.repeat(129) },
      { id: 'ok-id', key: 1234567890123456789 },
      { id: 'ok-id', key: null },
      { id: null, key: KEY },
    ];
    for (const extra of bad) {
      const ack = await request(s, 'join', { room: 'res-4', ...extra });
      assert.equal(ack.ok, false, JSON.stringify(extra));
      assert.equal(ack.error.code, 'bad-request', JSON.stringify(extra));
    }
    // Limits are inclusive.
    assert.equal((await joinAs(s, 'res-4', 'i'.repeat(64), 'k'.repeat(16))).selfId, 'i'.repeat(64));
    const t = await connect(r.url);
    assert.equal((await joinAs(t, 'res-4', 'A_z-9', 'k'.repeat(128))).selfId, 'A_z-9');
  });

  it('one peer id per socket: a later join with another id or key is refused; without them it keeps the id', async () => {
    const s = await connect(r.url);
    assert.equal((await joinAs(s, 'res-5a', 'one', KEY)).selfId, 'one');
    assert.equal((await joinAs(s, 'res-5b', 'two', KEY)).error.code, 'bad-request');
    assert.equal((await joinAs(s, 'res-5b', 'one', OTHER_KEY)).error.code, 'bad-request');
    assert.equal((await joinAs(s, 'res-5b', 'one', KEY)).selfId, 'one');
    assert.equal((await joinAs(s, 'res-5c')).selfId, 'one');
    // A socket that first joined without an id keeps its own.
    const t = await connect(r.url);
    assert.equal((await joinAs(t, 'res-5a')).selfId, t.id);
    assert.equal((await joinAs(t, 'res-5b', 'late', KEY)).error.code, 'bad-request');
    // Two first joins at once cannot claim two ids.
    const u = await connect(r.url);
    const [x, y] = await Promise.all([joinAs(u, 'res-5x', 'ux', KEY), joinAs(u, 'res-5y', 'uy', KEY)]);
    assert.deepEqual([x.ok, y.ok], [true, false]);
    assert.equal(y.error.code, 'bad-request');
  });

  it('a takeover only happens on the first join of a socket; the old socket cannot take it back', async () => {
    const old = await connect(r.url);
    await joinAs(old, 'res-6', 'pong', KEY);
    const fresh = await connect(r.url);
    const gone = disconnected(old);
    assert.equal((await joinAs(fresh, 'res-6', 'pong', KEY)).selfId, 'pong');
    await gone;
    assert.equal(fresh.connected, true);
  });

  it('in other rooms of the old connection that the new one has not joined, the id is announced gone', async () => {
    const old = await connect(r.url);
    const b = await connect(r.url);
    await joinAs(old, 'res-7a', 'multi', KEY);
    await joinAs(old, 'res-7b', 'multi', KEY);
    await joinAs(b, 'res-7a');
    await joinAs(b, 'res-7b');
    const seenB = record(b);
    const fresh = await connect(r.url);
    await joinAs(fresh, 'res-7a', 'multi', KEY);
    await sleep(100);
    assert.deepEqual(
      seenB.map((e) => [e.event, e.args[0]]),
      [
        ['peer-joined', { id: 'multi', name: '' }],
        ['peer-left', { id: 'multi' }],
      ],
    );
    // (Its peer-left for res-7b was sent to that room only: b learns it is gone there.)
    assert.equal((await request(b, 'signal', { to: 'multi', data: 'x' })).ok, true, 'still shares res-7a');
    await request(b, 'leave', { room: 'res-7a' });
    assert.equal((await request(b, 'signal', { to: 'multi', data: 'x' })).error.code, 'not-joined');
  });

  it('after a relay restart on the same port, the id is simply accepted', async () => {
    const first = createRelay({ logger: () => {} });
    const port = await first.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${port}`;
    const a = await connect(url);
    const b = await connect(url);
    await joinAs(a, 'res-8', 'phoenix', KEY, 'P');
    await joinAs(b, 'res-8', 'witness', OTHER_KEY, 'W');
    await first.close();
    await sleep(50);
    assert.equal(a.connected, false);

    const second = createRelay({ logger: () => {} });
    await second.listen(port, '127.0.0.1');
    try {
      const a2 = await connect(url);
      const b2 = await connect(url);
      assert.deepEqual(await joinAs(b2, 'res-8', 'witness', OTHER_KEY, 'W'), { ok: true, selfId: 'witness', peers: [] });
      const joined = next(b2, 'peer-joined');
      assert.deepEqual(await joinAs(a2, 'res-8', 'phoenix', KEY, 'P'), { ok: true, selfId: 'phoenix', peers: [{ id: 'witness', name: 'W' }] });
      assert.deepEqual(await joined, { id: 'phoenix', name: 'P' });
      const sig = next(b2, 'signal');
      await request(a2, 'signal', { to: 'witness', data: 'back' });
      assert.deepEqual(await sig, { from: 'phoenix', data: 'back' });
    } finally {
      disconnectAll();
      await second.close();
    }
  });

  it('a client that sends neither field behaves as before: selfId is the socket id', async () => {
    const a = await connect(r.url);
    assert.deepEqual(await request(a, 'join', { room: 'res-9' }), { ok: true, selfId: a.id, peers: [] });
  });
});
