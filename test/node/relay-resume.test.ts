/**
 * Resumable peer ids (CONTRACT section 6, `join {key}`), against a real relay
 * on a random loopback port: the peer id is derived from the key by the relay
 * and is our peer id everywhere; a new connection with the same key takes it
 * over silently (the old one is disconnected, nobody hears `peer-left`); an id
 * claimed without its key (a squatter who learned it from the room list), a
 * malformed value, or a second id on one socket are refused, while the id's
 * owner is connected, after its connection dropped, and after a relay restart.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createRelay } from '../../server/app.js';
import { peerIdForKey as idOf } from '../../server/peer-id.js';
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

/** A resume key of its own for each use, so tests never take over each other's ids. */
const keyFor = (name: string) => `${name}-key-0123456789abcdef`;
const NOT_ITS_ID = 'id is not the peer id of this key (send only key; the ack gives the peer id)';

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
  it('join with a key: selfId is the peer id the relay derives from it, and the others know us by it', async () => {
    const a = await connect(r.url);
    const b = await connect(r.url);
    const alice = idOf(keyFor('alice'));
    assert.match(alice, /^[A-Za-z0-9_-]{22}$/);
    assert.deepEqual(await joinAs(a, 'res-1', undefined, keyFor('alice'), 'Alice'), { ok: true, selfId: alice, peers: [] });
    const joined = next(a, 'peer-joined');
    assert.deepEqual(await joinAs(b, 'res-1', undefined, undefined, 'Bob'), {
      ok: true,
      selfId: b.id,
      peers: [{ id: alice, name: 'Alice' }],
    });
    assert.deepEqual(await joined, { id: b.id, name: 'Bob' });

    // Signals both ways carry the peer ids.
    const toB = next(b, 'signal');
    assert.deepEqual(await request(a, 'signal', { to: b.id, data: 'offer' }), { ok: true });
    assert.deepEqual(await toB, { from: alice, data: 'offer' });
    const toA = next(a, 'signal');
    assert.deepEqual(await request(b, 'signal', { to: alice, data: 'answer' }), { ok: true });
    assert.deepEqual(await toA, { from: b.id, data: 'answer' });
    // Our socket id is not a peer id anyone can address.
    assert.equal((await request(b, 'signal', { to: a.id, data: 'x' })).error.code, 'not-joined');
    assert.equal((await request(a, 'signal', { to: alice, data: 'x' })).error.code, 'bad-request', 'cannot signal oneself');

    // Sending the id along with its key is accepted too.
    const c = await connect(r.url);
    const cy = idOf(keyFor('cy'));
    assert.equal((await joinAs(c, 'res-1', cy, keyFor('cy'))).selfId, cy);

    const left = next(b, 'peer-left');
    await request(a, 'leave', { room: 'res-1' });
    assert.deepEqual(await left, { id: alice });
  });

  it('a new connection with the same key takes over: the old one is cut, nobody hears peer-left', async () => {
    const ada = idOf(keyFor('ada'));
    const bob = idOf(keyFor('bob'));
    const old = await connect(r.url);
    const b = await connect(r.url);
    const c = await connect(r.url);
    await joinAs(old, 'res-2', undefined, keyFor('ada'), 'Ada');
    await joinAs(b, 'res-2', undefined, keyFor('bob'), 'Bob');
    await joinAs(c, 'res-2', undefined, undefined, 'Cy');
    const seenB = record(b);
    const seenC = record(c);
    const oldGone = disconnected(old);

    const fresh = await connect(r.url);
    const ack = await joinAs(fresh, 'res-2', undefined, keyFor('ada'), 'Ada');
    assert.equal(ack.ok, true);
    assert.equal(ack.selfId, ada);
    const byId = (x: { id: string }, y: { id: string }) => x.id.localeCompare(y.id);
    assert.deepEqual(
      [...ack.peers].sort(byId),
      [
        { id: bob, name: 'Bob' },
        { id: c.id!, name: 'Cy' },
      ].sort(byId),
    );
    assert.equal(await oldGone, 'io server disconnect');

    // Signals to the id reach the new connection, and its signals carry the id.
    const toFresh = next(fresh, 'signal');
    assert.deepEqual(await request(b, 'signal', { to: ada, data: 'after' }), { ok: true });
    assert.deepEqual(await toFresh, { from: bob, data: 'after' });
    const toC = next(c, 'signal');
    assert.deepEqual(await request(fresh, 'signal', { to: c.id, data: 'hi' }), { ok: true });
    assert.deepEqual(await toC, { from: ada, data: 'hi' });

    await flush(b);
    await flush(c);
    await sleep(50);
    for (const seen of [seenB, seenC]) {
      assert.deepEqual(
        seen.filter((e) => e.event === 'peer-left'),
        [],
        'no peer-left for a resumed id',
      );
      assert.deepEqual(
        seen.filter((e) => e.event === 'peer-joined').map((e) => e.args[0]),
        [{ id: ada, name: 'Ada' }],
      );
    }
    assert.ok(
      r.logs.some((l) => l === `join room="res-2" id=${ada} peers=2 resumed`),
      r.logs.join('\n'),
    );

    // A newcomer sees the id once; the resumed peer leaving is announced as usual.
    const d = await connect(r.url);
    const ackD = await joinAs(d, 'res-2');
    assert.deepEqual(ackD.peers.map((p: { id: string }) => p.id).sort(), [ada, bob, c.id].sort());
    const left = next(b, 'peer-left');
    fresh.disconnect();
    assert.deepEqual(await left, { id: ada });
  });

  it('an id claimed with another key is refused and the holder is unaffected', async () => {
    const taken = idOf(keyFor('holder'));
    const holder = await connect(r.url);
    const b = await connect(r.url);
    await joinAs(holder, 'res-3', undefined, keyFor('holder'), 'H');
    await joinAs(b, 'res-3', undefined, undefined, 'B');
    const seenB = record(b);
    const thief = await connect(r.url);
    const ack = await joinAs(thief, 'res-3', taken, keyFor('thief'), 'T');
    assert.deepEqual(ack, { ok: false, error: { code: 'bad-request', message: NOT_ITS_ID } });
    // Also from another room: ids are relay-wide.
    assert.deepEqual((await joinAs(thief, 'res-3-other', taken, keyFor('thief'))).error, { code: 'bad-request', message: NOT_ITS_ID });
    // Nor can anyone claim a socket's own id, key or not.
    assert.equal((await joinAs(thief, 'res-3', b.id, keyFor('thief'))).error.code, 'bad-request');
    assert.equal((await joinAs(thief, 'res-3', b.id)).error.code, 'bad-request');
    await sleep(50);
    assert.equal(holder.connected, true);
    assert.deepEqual(seenB, []);
    const got = next(holder, 'signal');
    assert.deepEqual(await request(b, 'signal', { to: taken, data: 'still you' }), { ok: true });
    assert.deepEqual(await got, { from: b.id, data: 'still you' });
    // The refused socket may still join under the id of its own key.
    assert.equal((await joinAs(thief, 'res-3', undefined, keyFor('thief'))).selfId, idOf(keyFor('thief')));
  });

  it("refuses id without key, an id that is not the key's, and malformed values", async () => {
    const s = await connect(r.url);
    const KEY = keyFor('res-4');
    const bad: Record<string, unknown>[] = [
      { id: 'lonely' },
      { id: idOf(KEY) },
      { id: 'ok-id', key: KEY },
      { id: idOf(KEY).slice(1), key: KEY },
      { id: '', key: KEY },
      { id: 'x'.repeat(65), key: KEY },
      { id: 'has space', key: KEY },
      { id: 'r:room', key: KEY },
      { id: 'ünï', key: KEY },
      { id: 42, key: KEY },
      { id: ['a'], key: KEY },
      { key: 'short' },
      { key: 'k'.repeat(129) },
      { key: 1234567890123456 },
      { key: null },
      { key: ['k'.repeat(20)] },
      { id: null, key: KEY },
    ];
    for (const extra of bad) {
      const ack = await request(s, 'join', { room: 'res-4', ...extra });
      assert.equal(ack.ok, false, JSON.stringify(extra));
      assert.equal(ack.error.code, 'bad-request', JSON.stringify(extra));
    }
    // Limits are inclusive.
    assert.equal((await joinAs(s, 'res-4', undefined, 'k'.repeat(16))).selfId, idOf('k'.repeat(16)));
    const t = await connect(r.url);
    assert.equal((await joinAs(t, 'res-4', idOf('k'.repeat(128)), 'k'.repeat(128))).selfId, idOf('k'.repeat(128)));
  });

  it('one peer id per socket: a later join with another key is refused; without one it keeps the id', async () => {
    const KEY = keyFor('one');
    const OTHER_KEY = keyFor('two');
    const one = idOf(KEY);
    const s = await connect(r.url);
    assert.equal((await joinAs(s, 'res-5a', undefined, KEY)).selfId, one);
    assert.equal((await joinAs(s, 'res-5b', undefined, OTHER_KEY)).error.code, 'bad-request');
    assert.equal((await joinAs(s, 'res-5b', one, OTHER_KEY)).error.code, 'bad-request');
    assert.equal((await joinAs(s, 'res-5b', one, KEY)).selfId, one);
    assert.equal((await joinAs(s, 'res-5b', undefined, KEY)).selfId, one);
    assert.equal((await joinAs(s, 'res-5c')).selfId, one);
    // A socket that first joined without a key keeps its own id.
    const t = await connect(r.url);
    assert.equal((await joinAs(t, 'res-5a')).selfId, t.id);
    assert.equal((await joinAs(t, 'res-5b', undefined, keyFor('late'))).error.code, 'bad-request');
    // Two first joins at once cannot claim two ids.
    const u = await connect(r.url);
    const [x, y] = await Promise.all([joinAs(u, 'res-5x', undefined, keyFor('ux')), joinAs(u, 'res-5y', undefined, keyFor('uy'))]);
    assert.deepEqual([x.ok, y.ok], [true, false]);
    assert.equal(y.error.code, 'bad-request');
  });

  it('a takeover only happens on the first join of a socket; the old socket cannot take it back', async () => {
    const old = await connect(r.url);
    await joinAs(old, 'res-6', undefined, keyFor('pong'));
    const fresh = await connect(r.url);
    const gone = disconnected(old);
    assert.equal((await joinAs(fresh, 'res-6', undefined, keyFor('pong'))).selfId, idOf(keyFor('pong')));
    await gone;
    assert.equal(fresh.connected, true);
  });

  it('in other rooms of the old connection that the new one has not joined, the id is announced gone', async () => {
    const multi = idOf(keyFor('multi'));
    const old = await connect(r.url);
    const b = await connect(r.url);
    await joinAs(old, 'res-7a', undefined, keyFor('multi'));
    await joinAs(old, 'res-7b', undefined, keyFor('multi'));
    await joinAs(b, 'res-7a');
    await joinAs(b, 'res-7b');
    const seenB = record(b);
    const fresh = await connect(r.url);
    await joinAs(fresh, 'res-7a', undefined, keyFor('multi'));
    await sleep(100);
    assert.deepEqual(
      seenB.map((e) => [e.event, e.args[0]]),
      [
        ['peer-joined', { id: multi, name: '' }],
        ['peer-left', { id: multi }],
      ],
    );
    // (Its peer-left for res-7b was sent to that room only: b learns it is gone there.)
    assert.equal((await request(b, 'signal', { to: multi, data: 'x' })).ok, true, 'still shares res-7a');
    await request(b, 'leave', { room: 'res-7a' });
    assert.equal((await request(b, 'signal', { to: multi, data: 'x' })).error.code, 'not-joined');
  });

  it('a room member cannot squat the id of a peer whose connection dropped; the peer resumes it and gets its signals', async () => {
    const victimKey = keyFor('victim');
    const victimId = idOf(victimKey);
    const victim = await connect(r.url);
    const squatter = await connect(r.url);
    const witness = await connect(r.url);
    // (Sent with its id as well, as older clients did, so this runs the same on a relay without derived ids.)
    await joinAs(victim, 'res-10', victimId, victimKey, 'V');
    // The squatter learns the victim's id from the room list.
    const seen = await joinAs(squatter, 'res-10', idOf(keyFor('squatter')), keyFor('squatter'), 'S');
    assert.deepEqual(seen.peers, [{ id: victimId, name: 'V' }]);
    await joinAs(witness, 'res-10', undefined, undefined, 'W');
    const victimLeft = next(witness, 'peer-left');
    victim.disconnect(); // a dropped connection: the id is free until the victim resumes
    assert.deepEqual(await victimLeft, { id: victimId });

    // With its own key, or with none, in the room it holds or in a fresh one: refused.
    const squatter2 = await connect(r.url);
    for (const [room, key] of [
      ['res-10', keyFor('squatter')],
      ['res-10-side', keyFor('squatter')],
      ['res-10-side', keyFor('squatter-2')],
    ]) {
      assert.deepEqual((await joinAs(squatter2, room!, victimId, key)).error, { code: 'bad-request', message: NOT_ITS_ID }, room);
    }
    assert.equal((await joinAs(squatter2, 'res-10', victimId)).error.code, 'bad-request');

    // The victim resumes its id, and signals to it reach the victim only.
    const back = await connect(r.url);
    const ack = await joinAs(back, 'res-10', undefined, victimKey, 'V');
    assert.equal(ack.ok, true, JSON.stringify(ack));
    assert.equal(ack.selfId, victimId);
    const seenSquatter = record(squatter);
    const seenSquatter2 = record(squatter2);
    const got = next(back, 'signal');
    assert.deepEqual(await request(witness, 'signal', { to: victimId, data: 'for the victim' }), { ok: true });
    assert.deepEqual(await got, { from: witness.id, data: 'for the victim' });
    await flush(squatter);
    assert.deepEqual(
      seenSquatter.filter((e) => e.event === 'signal'),
      [],
    );
    assert.deepEqual(seenSquatter2, []);
  });

  it('after a relay restart on the same port, the id is accepted again for its key only: a squatter who claims it first is refused', async () => {
    const phoenix = idOf(keyFor('phoenix'));
    const witness = idOf(keyFor('witness'));
    const first = createRelay({ logger: () => {} });
    const port = await first.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${port}`;
    const a = await connect(url);
    const b = await connect(url);
    await joinAs(a, 'res-8', phoenix, keyFor('phoenix'), 'P');
    await joinAs(b, 'res-8', witness, keyFor('witness'), 'W');
    await first.close();
    await sleep(50);
    assert.equal(a.connected, false);

    const second = createRelay({ logger: () => {} });
    await second.listen(port, '127.0.0.1');
    try {
      // The squatter (a member of res-8 before the restart) races to claim the ids first.
      const squatter = await connect(url);
      assert.deepEqual((await joinAs(squatter, 'res-8', phoenix, keyFor('squatter'))).error, { code: 'bad-request', message: NOT_ITS_ID });
      assert.deepEqual((await joinAs(squatter, 'res-8', witness, keyFor('squatter'))).error, { code: 'bad-request', message: NOT_ITS_ID });
      const a2 = await connect(url);
      const b2 = await connect(url);
      assert.deepEqual(await joinAs(b2, 'res-8', undefined, keyFor('witness'), 'W'), { ok: true, selfId: witness, peers: [] });
      const joined = next(b2, 'peer-joined');
      assert.deepEqual(await joinAs(a2, 'res-8', undefined, keyFor('phoenix'), 'P'), {
        ok: true,
        selfId: phoenix,
        peers: [{ id: witness, name: 'W' }],
      });
      assert.deepEqual(await joined, { id: phoenix, name: 'P' });
      const sig = next(b2, 'signal');
      await request(a2, 'signal', { to: witness, data: 'back' });
      assert.deepEqual(await sig, { from: phoenix, data: 'back' });
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
