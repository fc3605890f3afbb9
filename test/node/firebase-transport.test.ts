// The firebase transport, in node, with the real firebase SDK against the local test server
// (test/firebase-server/server.ts, which enforces database.rules.json). Each peer gets its own
// app and websocket, as separate tabs would, so one peer's connection can be cut alone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getApps, initializeApp, deleteApp } from 'firebase/app';
import { goOffline } from 'firebase/database';
import { createFirebaseTransport, FIREBASE_ROOT, firebaseRoomKey } from '../../src/transports/firebase.js';
import type { Transport, TransportEvents } from '../../src/transports/transport.js';
import { VideoCallError } from '../../src/errors.js';
import { connect, sleep, startServer, waitFor } from '../firebase-server/helpers.js';
import type { RtdbTestServer } from '../firebase-server/server.js';

let server: RtdbTestServer;
const cleanup: Array<() => unknown> = [];
let rooms = 0;
const room = () => `room ${rooms++}: a/b.c#d`;

/** A transport on a connection of its own; `db` is that connection's database. */
function peer() {
  const client = connect(server);
  const t = createFirebaseTransport({ database: client.db });
  cleanup.push(() => t.close(), () => sleep(50).then(client.dispose));
  return Object.assign(client, { t });
}

function record<K extends keyof TransportEvents>(t: Transport, type: K): TransportEvents[K][] {
  const seen: TransportEvents[K][] = [];
  t.on(type, (p) => seen.push(p));
  return seen;
}

const nextSignal = (t: Transport) =>
  new Promise<TransportEvents['signal']>((resolve) => {
    const off = t.on('signal', (s) => {
      off();
      resolve(s);
    });
  });

/** What the server holds for every room. */
const roomsData = () => server.data(`/${FIREBASE_ROOT}`) as Record<string, { peers?: object; inbox?: Record<string, object> }> | null;

describe('firebase transport (node, test server with the project rules)', () => {
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    for (const fn of cleanup.reverse()) await fn();
    await server.close();
  });

  it('leaves no trace in the database after everyone leaves', async () => {
    const r = room();
    const [a, b, c] = [peer(), peer(), peer()];
    const ra = await a.t.join(r, { name: 'Ada' });
    const rb = await b.t.join(r, { name: 'Bob' });
    const rc = await c.t.join(r, { name: 'Cy' });
    assert.deepEqual(rc.peers.map((p) => p.name).sort(), ['Ada', 'Bob']);
    const got = record(b.t, 'signal');
    a.t.send(rb.selfId, { sdp: 'offer' });
    c.t.send(rb.selfId, { sdp: 'offer too' });
    await waitFor(() => got.length === 2, 'b gets both signals');
    b.t.send(ra.selfId, { sdp: 'answer' });
    assert.ok(roomsData(), 'the room is in the database while people are in it');
    await a.t.leave();
    await b.t.leave();
    c.t.close();
    await waitFor(() => roomsData() === null, 'nothing left under video-call-rooms');
  });

  it('a tab closed without leaving (socket gone) leaves no presence and no unread signals', async () => {
    const r = room();
    const [a, b] = [peer(), peer()];
    const ra = await a.t.join(r, { name: 'Ada' });
    await b.t.join(r, { name: 'Bob' });
    const left = record(b.t, 'peer-left');
    // Ada's page hangs: the server still holds her socket but she reads nothing more.
    const [conn] = server.listeners(`/${FIREBASE_ROOT}/${firebaseRoomKey(r)}/inbox/${ra.selfId}`);
    assert.ok(conn, "the server sees Ada's inbox listener");
    conn.freeze();
    for (let i = 0; i < 5; i++) b.t.send(ra.selfId, { candidate: i });
    const key = firebaseRoomKey(r);
    await waitFor(() => Object.keys(roomsData()?.[key]?.inbox?.[ra.selfId] ?? {}).length === 5, '5 unread signals for Ada');
    // The tab closes: its websocket ends, and the server runs Ada's onDisconnect.
    goOffline(a.db);
    conn.drop();
    await waitFor(() => left.length === 1, 'Bob sees Ada leave');
    assert.deepEqual(left, [{ id: ra.selfId }]);
    const data = roomsData()?.[key];
    assert.deepEqual(Object.keys(data?.peers ?? {}).length, 1, 'only Bob is present');
    assert.equal(data?.inbox, undefined, 'no inbox left: Ada’s unread signals are gone');
    await b.t.leave();
    await waitFor(() => roomsData() === null, 'nothing left after Bob leaves too');
  });

  it('after a dropped connection it comes back under the same id, says so, and can be reached', async () => {
    const r = room();
    const [a, b] = [peer(), peer()];
    const ra = await a.t.join(r, { name: 'Ada' });
    const rb = await b.t.join(r, { name: 'Bob' });
    const states = record(a.t, 'state');
    const rejoined = record(a.t, 'rejoined');
    const bLeft = record(b.t, 'peer-left');
    const bJoined = record(b.t, 'peer-joined');
    server.listeners(`/${FIREBASE_ROOT}`).filter((c) => [...c.listens].some((l) => l.endsWith(ra.selfId)))[0].drop();
    await waitFor(() => rejoined.length === 1, 'Ada rejoins', 15000);
    assert.deepEqual(states, ['reconnecting', 'connected']);
    const again = rejoined[0];
    assert.equal(again.selfId, ra.selfId, 'one id for the whole stay, across reconnections');
    assert.deepEqual(again.peers, [{ id: rb.selfId, name: 'Bob' }]);
    // The server ran Ada's onDisconnect when her socket dropped, so Bob saw her go and come back.
    await waitFor(() => bJoined.length === 1, 'Bob sees Ada back');
    assert.deepEqual(bLeft, [{ id: ra.selfId }]);
    assert.deepEqual(bJoined, [{ id: ra.selfId, name: 'Ada' }]);
    const got = record(a.t, 'signal');
    b.t.send(ra.selfId, { hello: 'again' });
    await waitFor(() => got.length === 1, 'Ada gets a signal at her id');
    assert.deepEqual(got, [{ from: rb.selfId, data: { hello: 'again' } }]);
    await a.t.leave();
    await b.t.leave();
    await waitFor(() => roomsData() === null, 'nothing left');
  });

  it('a connection lost in the middle of joining leaves no presence behind', async () => {
    const r = room();
    const a = peer();
    let dropped = false;
    // Lose the connection right as the presence write arrives: its onDisconnect removals were
    // registered on that connection and run now, and the SDK sends the write again later.
    server.onRequest = (conn, action, body) => {
      if (!dropped && action === 'p' && String(body.p).includes('/peers/')) {
        dropped = true;
        conn.drop();
      }
    };
    try {
      const res = await a.t.join(r, { name: 'Ada' });
      assert.ok(dropped);
      const key = firebaseRoomKey(r);
      await waitFor(() => Object.keys(roomsData()?.[key]?.peers ?? {}).join() === res.selfId, 'exactly one presence: Ada’s');
    } finally {
      server.onRequest = undefined;
    }
    // The tab closes: its presence must go with it.
    goOffline(a.db);
    await waitFor(() => roomsData() === null, 'nothing left after the tab closes');
  });

  it('leaving while the join is still under way leaves nothing behind', async () => {
    const r = room();
    const a = peer();
    let left: Promise<void> | undefined;
    server.onRequest = (_conn, action, body) => {
      if (!left && action === 'o' && String(body.p).includes('/inbox/')) left = a.t.leave();
    };
    try {
      await assert.rejects(a.t.join(r, { name: 'Ada' }), (err: unknown) => (err as VideoCallError).code === 'invalid-state');
      assert.ok(left, 'left during the join');
      await left;
    } finally {
      server.onRequest = undefined;
    }
    await sleep(200);
    // Still connected, so the server's onDisconnect is no help: the transport cleaned up itself.
    assert.equal(roomsData(), null);
  });

  it('deletes each signal once read: the inbox stays empty through a long exchange', async () => {
    const r = room();
    const [a, b] = [peer(), peer()];
    await a.t.join(r);
    const rb = await b.t.join(r);
    const got = record(b.t, 'signal');
    for (let i = 0; i < 200; i++) a.t.send(rb.selfId, { i, pad: 'x'.repeat(500) });
    await waitFor(() => got.length === 200, '200 signals arrive', 15000);
    assert.deepEqual(got.map((s) => (s.data as { i: number }).i), Array.from({ length: 200 }, (_, i) => i));
    await waitFor(() => {
      const data = roomsData() ?? {};
      return Object.values(data).every((d) => d.inbox === undefined);
    }, 'empty inboxes');
    await a.t.leave();
    await b.t.leave();
  });

  it('ignores signals to ids that cannot be peers, without throwing or writing', async () => {
    const r = room();
    const a = peer();
    const ra = await a.t.join(r);
    for (const to of ['', 'a/b', '../peers/x', 'x.y', 'p'.repeat(41), 'a[0]']) a.t.send(to, { hi: 1 });
    await sleep(200);
    const key = firebaseRoomKey(r);
    assert.deepEqual(roomsData()?.[key], { peers: { [ra.selfId]: { name: '' } } });
    await a.t.leave();
  });

  it('rejects a config without a usable databaseURL with bad-config', () => {
    for (const firebaseConfig of [undefined, {}, { apiKey: 'x' }, { databaseURL: 'not a url' }, { databaseURL: 'ftp://x.y' }]) {
      assert.throws(
        () => createFirebaseTransport({ firebaseConfig }),
        (err: unknown) => err instanceof VideoCallError && err.code === 'bad-config' && /databaseURL|config/.test(err.message),
        JSON.stringify(firebaseConfig),
      );
    }
  });

  it('takes any room id up to 200 characters, and refuses others with bad-config', async () => {
    const [a, b] = [peer(), peer()];
    for (const bad of ['', '\ud800', 'x'.repeat(201)]) {
      await assert.rejects(a.t.join(bad), (err: unknown) => (err as VideoCallError).code === 'bad-config', JSON.stringify(bad));
    }
    // The longest room ids, in the characters that take the most bytes in a key, still work.
    for (const good of ['😀'.repeat(100), '€'.repeat(200), '/'.repeat(200)]) {
      await a.t.join(good);
      const rb = await b.t.join(good);
      const got = nextSignal(b.t);
      a.t.send(rb.selfId, { hi: good.length });
      assert.deepEqual((await got).data, { hi: 200 });
      assert.equal(Object.keys(server.data(`/${FIREBASE_ROOT}/${firebaseRoomKey(good)}/peers`) as object).length, 2);
    }
    await a.t.leave();
    await b.t.leave();
  });

  it('fails to join an unreachable database with a transport error', async () => {
    const t = createFirebaseTransport({ firebaseConfig: { databaseURL: 'http://127.0.0.1:9?ns=none' }, connectTimeoutMs: 1000 });
    await assert.rejects(t.join('r'), (err: unknown) => {
      assert.ok(err instanceof VideoCallError);
      assert.equal(err.code, 'transport');
      assert.match(err.message, /Could not reach the Firebase Realtime Database at http:\/\/127\.0\.0\.1:9/);
      return true;
    });
    t.close();
  });

  it('reuses the page’s app for the same database, and leaves it alone on close', async () => {
    const page = initializeApp({ databaseURL: server.url }, 'page');
    const before = getApps().length;
    const t = createFirebaseTransport({ firebaseConfig: { databaseURL: server.url } });
    assert.equal(getApps().length, before);
    const res = await t.join(room(), { name: 'Pat' });
    assert.ok(res.selfId);
    t.close();
    await sleep(300);
    assert.ok(getApps().includes(page), 'the page’s app is still there');
    await deleteApp(page);
  });

  it('initialises an app of its own when none matches, and deletes it on close', async () => {
    const before = getApps().length;
    const t = createFirebaseTransport({ firebaseConfig: { databaseURL: server.url } });
    const u = createFirebaseTransport({ firebaseConfig: { databaseURL: server.url } });
    assert.equal(getApps().length, before + 1, 'one app shared by both transports');
    await t.join(room());
    t.close();
    u.close();
    await waitFor(() => getApps().length === before, 'the app is deleted');
  });

  it('reports refused access (rules not deployed) as unauthorized, with a hint', async () => {
    const locked = await startServer({ rules: {} });
    const client = connect(locked);
    const t = createFirebaseTransport({ database: client.db });
    await assert.rejects(t.join('r'), (err: unknown) => {
      assert.ok(err instanceof VideoCallError);
      assert.equal(err.code, 'unauthorized');
      assert.match(err.message, /database\.rules\.json/);
      return true;
    });
    t.close();
    await client.dispose();
    await locked.close();
  });

  it('reports a room it may write but not read as unauthorized, at once', async () => {
    const writeOnly = await startServer({ rules: { rules: { '.write': true } } });
    const client = connect(writeOnly);
    const t = createFirebaseTransport({ database: client.db, connectTimeoutMs: 8000 });
    const started = Date.now();
    await assert.rejects(t.join('r'), (err: unknown) => (err as VideoCallError).code === 'unauthorized');
    assert.ok(Date.now() - started < 3000, 'no waiting for a timeout');
    t.close();
    await client.dispose();
    await writeOnly.close();
  });
});
