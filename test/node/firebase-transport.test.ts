// The firebase transport, in node, with the real firebase SDK against the local test server
// (test/firebase-server/server.ts, which enforces database.rules.json and serves the Auth
// emulator the transport signs in at). Each peer gets its own app, Auth user and websocket, as
// separate tabs would, so one peer's connection can be cut alone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getApps, initializeApp, deleteApp } from 'firebase/app';
import { goOffline } from 'firebase/database';
import {
  createFirebaseTransport,
  FIREBASE_ROOT,
  firebaseRoomKey,
  MAX_ROOM_PEERS,
  MAX_UNREAD_PER_SENDER,
  PRESENCE_BEAT_MS,
  PRESENCE_STALE_MS,
} from '../../src/transports/firebase.js';
import type { Transport, TransportEvents } from '../../src/transports/transport.js';
import { VideoCallError } from '../../src/errors.js';
import { connect, RULES, sleep, startServer, waitFor } from '../firebase-server/helpers.js';
import type { RtdbTestServer } from '../firebase-server/server.js';

let server: RtdbTestServer;
const cleanup: Array<() => unknown> = [];
let rooms = 0;
const room = () => `room ${rooms++}: a/b.c#d`;

/** A transport on a connection of its own; `db` is that connection's database. */
function peer() {
  const client = connect(server);
  const t = createFirebaseTransport({ database: client.db });
  cleanup.push(
    () => t.close(),
    () => sleep(50).then(client.dispose),
  );
  return Object.assign(client, { t });
}

/** Ada and Bob, each on a connection of its own, both in a new room. */
async function adaAndBob() {
  const r = room();
  const key = firebaseRoomKey(r);
  const [a, b] = [peer(), peer()];
  const ra = await a.t.join(r, { name: 'Ada' });
  const rb = await b.t.join(r, { name: 'Bob' });
  return { r, key, a, b, ra, rb };
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
const roomsData = () =>
  server.data(`/${FIREBASE_ROOT}`) as Record<
    string,
    { peers?: object; slots?: object; inbox?: Record<string, Record<string, object>> }
  > | null;

/** How many unread signals the server holds in `to`'s inbox of room `key`, from anyone. */
const unread = (key: string, to: string) =>
  Object.values(roomsData()?.[key]?.inbox?.[to] ?? {}).reduce((n, from) => n + Object.keys(from).length, 0);

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
    const { key, a, b, ra } = await adaAndBob();
    const left = record(b.t, 'peer-left');
    // Ada's page hangs: the server still holds her socket but she reads nothing more.
    const [conn] = server.listeners(`/${FIREBASE_ROOT}/${key}/inbox/${ra.selfId}`);
    assert.ok(conn, "the server sees Ada's inbox listener");
    conn.freeze();
    for (let i = 0; i < 5; i++) b.t.send(ra.selfId, { candidate: i });
    await waitFor(() => unread(key, ra.selfId) === 5, '5 unread signals for Ada');
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
    const { a, b, ra, rb } = await adaAndBob();
    const states = record(a.t, 'state');
    const rejoined = record(a.t, 'rejoined');
    const bLeft = record(b.t, 'peer-left');
    const bJoined = record(b.t, 'peer-joined');
    server
      .listeners(`/${FIREBASE_ROOT}`)
      .filter((c) => [...c.listens].some((l) => l.endsWith(ra.selfId)))[0]
      .drop();
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
      if (!dropped && action === 'm' && Object.keys(body.d as object).some((k) => k.startsWith('peers/'))) {
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

  it('a member gone silently (connection stalled, the server keeps its presence) leaves the others’ view within 15 s, leaves nothing behind, and is back when it beats again', async () => {
    const { key, a, b, ra, rb } = await adaAndBob();
    const aLeft = record(a.t, 'peer-left');
    const bLeft = record(b.t, 'peer-left');
    const bJoined = record(b.t, 'peer-joined');
    // Ada's network stalls without a TCP close (frozen tab, cable cut): the server keeps her
    // socket and her presence, as the real service does until its own timeout (about a minute).
    const [conn] = server.listeners(`/${FIREBASE_ROOT}/${key}/inbox/${ra.selfId}`);
    assert.ok(conn, "the server sees Ada's inbox listener");
    conn.freeze();
    const frozenAt = Date.now();
    for (let i = 0; i < 3; i++) b.t.send(ra.selfId, { candidate: i });
    await waitFor(() => unread(key, ra.selfId) === 3, '3 unread signals for Ada');
    await waitFor(() => bLeft.length === 1, 'Bob sees Ada leave', 15_000);
    const took = Date.now() - frozenAt;
    assert.deepEqual(bLeft, [{ id: ra.selfId }]);
    assert.ok(took < 15_000, `gone within 15 s (took ${took} ms)`);
    assert.ok(took >= PRESENCE_STALE_MS - PRESENCE_BEAT_MS - 500, `not before her entry was stale (took ${took} ms)`);
    // Bob removed her presence and her unread signals: nothing is left behind.
    await waitFor(() => {
      const data = roomsData()?.[key];
      return Object.keys(data?.peers ?? {}).join() === rb.selfId && data?.inbox === undefined;
    }, 'only Bob present, no inbox of Ada left');
    assert.ok(server.connections.has(conn), 'the server still holds Ada’s connection: her onDisconnect did not run');
    // Ada's own connection was down (no write of hers acknowledged): she took no one for gone.
    assert.deepEqual(aLeft, []);
    // Her network comes back: she sees her presence gone, writes it again, and Bob sees her join.
    conn.thaw();
    await waitFor(() => bJoined.length === 1, 'Bob sees Ada back', 10_000);
    assert.deepEqual(bJoined, [{ id: ra.selfId, name: 'Ada' }]);
    assert.deepEqual(aLeft, [], 'Ada never saw Bob leave');
    const got = record(a.t, 'signal');
    b.t.send(ra.selfId, { hello: 'again' });
    await waitFor(() => got.some((s) => (s.data as { hello?: string }).hello === 'again'), 'Ada gets a signal at her id');
    await a.t.leave();
    await b.t.leave();
    await waitFor(() => roomsData() === null, 'nothing left');
  });

  it(
    'a member on a slow but working connection (4 s each way: a round trip of three beats) is never taken for gone',
    { timeout: 60_000 },
    async () => {
      const { key, a, b, ra, rb } = await adaAndBob();
      const aLeft = record(a.t, 'peer-left');
      const bLeft = record(b.t, 'peer-left');
      const [conn] = server.listeners(`/${FIREBASE_ROOT}/${key}/inbox/${ra.selfId}`);
      conn.latencyMs = 4000;
      try {
        await sleep(2 * PRESENCE_STALE_MS + PRESENCE_BEAT_MS);
        assert.deepEqual([aLeft, bLeft], [[], []], 'no one left');
        // Signals still go both ways.
        const toA = nextSignal(a.t);
        const toB = nextSignal(b.t);
        b.t.send(ra.selfId, { ping: 1 });
        a.t.send(rb.selfId, { pong: 1 });
        assert.deepEqual([(await toA).data, (await toB).data], [{ ping: 1 }, { pong: 1 }]);
        assert.deepEqual(Object.keys(roomsData()?.[key]?.peers ?? {}).sort(), [ra.selfId, rb.selfId].sort());
      } finally {
        conn.latencyMs = 0;
      }
      await a.t.leave();
      await b.t.leave();
      await waitFor(() => roomsData() === null, 'nothing left');
    },
  );

  it('a join whose room the rules refuse to read (but let it write) leaves no ghost: no presence, no onDisconnect left registered', async () => {
    // The project's rules, except that a room's peers cannot be read.
    const rules = structuredClone(RULES) as { rules: Record<string, { $room: { peers: Record<string, unknown> } }> };
    rules.rules[FIREBASE_ROOT].$room.peers['.read'] = false;
    const unreadable = await startServer(rules);
    const client = connect(unreadable);
    const t = createFirebaseTransport({ database: client.db });
    try {
      await assert.rejects(t.join('r', { name: 'Ghost' }), (err: unknown) => (err as VideoCallError).code === 'unauthorized');
      await waitFor(() => [...unreadable.connections].every((c) => c.onDisconnect.length === 0), 'onDisconnect operations cancelled');
      await sleep(100);
      assert.equal(unreadable.data('/'), null, 'no presence left');
    } finally {
      t.close();
      await client.dispose();
      await unreadable.close();
    }
  });

  it('a join whose room snapshot never comes fails with transport, and leaves no ghost (its seat is chosen from the snapshot, so it writes no presence)', async () => {
    const r = room();
    const key = firebaseRoomKey(r);
    const a = peer();
    const b = peer();
    await b.t.join(r, { name: 'Bob' });
    const bJoined = record(b.t, 'peer-joined');
    const bLeft = record(b.t, 'peer-left');
    const t = createFirebaseTransport({ database: a.db, connectTimeoutMs: 1500 });
    cleanup.push(() => t.close());
    let wrote = false;
    // The server never answers Ada's listen of the room's peers (but applies her writes).
    server.onRequest = (_conn, action, body) => {
      if (action === 'm' && Object.keys(body.d as object).some((k) => k.startsWith('peers/'))) wrote = true;
      if (action === 'q' && String(body.p).endsWith(`${key}/peers`)) return false;
    };
    try {
      await assert.rejects(t.join(r, { name: 'Ghost' }), (err: unknown) => (err as VideoCallError).code === 'transport');
    } finally {
      server.onRequest = undefined;
    }
    assert.ok(!wrote, 'no presence written without the room’s snapshot');
    await waitFor(() => Object.keys(roomsData()?.[key]?.peers ?? {}).length === 1, 'only Bob present');
    await waitFor(() => bLeft.length === bJoined.length, 'Bob saw the ghost go if he saw it come');
    await waitFor(
      () => [...server.connections].filter((c) => c.onDisconnect.some((op) => op.path.includes(`/${key}/`))).length === 1,
      'only Bob’s connection has onDisconnect operations for the room',
    );
    await b.t.leave();
    await waitFor(() => roomsData() === null, 'nothing left');
  });

  it('deletes each signal once read: the inbox stays empty through a long exchange', async () => {
    const r = room();
    const [a, b] = [peer(), peer()];
    await a.t.join(r);
    const rb = await b.t.join(r);
    const got = record(b.t, 'signal');
    // 300 signals, in bursts of the most one sender may have unread: each key is used three times.
    for (let burst = 0; burst < 3; burst++) {
      for (let i = 0; i < MAX_UNREAD_PER_SENDER; i++) a.t.send(rb.selfId, { i: burst * MAX_UNREAD_PER_SENDER + i, pad: 'x'.repeat(500) });
      await waitFor(() => got.length === (burst + 1) * MAX_UNREAD_PER_SENDER, `burst ${burst} arrives`, 15000);
      await waitFor(() => unread(firebaseRoomKey(r), rb.selfId) === 0, 'all read');
    }
    assert.deepEqual(
      got.map((s) => (s.data as { i: number }).i),
      Array.from({ length: 3 * MAX_UNREAD_PER_SENDER }, (_, i) => i),
    );
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
    const data = roomsData()?.[key] as { peers: Record<string, { name: string }>; inbox?: object };
    assert.deepEqual(Object.keys(data).sort(), ['peers', 'slots']);
    assert.deepEqual(Object.keys(data.peers), [ra.selfId]);
    assert.equal(data.peers[ra.selfId].name, '');
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
    const t = createFirebaseTransport({
      firebaseConfig: { databaseURL: 'http://127.0.0.1:9?ns=none', authEmulatorUrl: server.authEmulatorUrl },
      connectTimeoutMs: 1000,
    });
    await assert.rejects(t.join('r'), (err: unknown) => {
      assert.ok(err instanceof VideoCallError);
      assert.equal(err.code, 'transport');
      assert.match(err.message, /Could not reach the Firebase Realtime Database at http:\/\/127\.0\.0\.1:9/);
      return true;
    });
    t.close();
  });

  it('builds an app of its own from a config even when the page has one for the same database (each transport is its own user), and leaves the page’s alone', async () => {
    const page = initializeApp({ databaseURL: server.url, apiKey: 'k' }, 'page');
    const before = getApps();
    const config = { databaseURL: server.url, authEmulatorUrl: server.authEmulatorUrl };
    const t = createFirebaseTransport({ firebaseConfig: config });
    const u = createFirebaseTransport({ firebaseConfig: config });
    const own = getApps().filter((a) => !before.includes(a));
    assert.equal(own.length, 2, 'one app per transport');
    const r = room();
    const rt = await t.join(r, { name: 'Pat' });
    const ru = await u.join(r, { name: 'Sam' });
    assert.notEqual(rt.selfId, ru.selfId, 'two users');
    assert.deepEqual(ru.peers, [{ id: rt.selfId, name: 'Pat' }]);
    assert.ok(server.auth.users.has(rt.selfId) && server.auth.users.has(ru.selfId), 'each id is a uid the Auth emulator signed up');
    t.close();
    u.close();
    await waitFor(() => own.every((a) => !getApps().includes(a)), 'both apps deleted');
    assert.ok(getApps().includes(page), 'the page’s app is still there');
    await deleteApp(page);
  });

  it('signs in (anonymously) before joining: its peer id is the uid of its app’s Auth user, kept across reconnections', async () => {
    const { key, a, b, ra, rb } = await adaAndBob();
    assert.equal(ra.selfId, a.auth.currentUser?.uid);
    assert.equal(rb.selfId, b.auth.currentUser?.uid);
    assert.equal(a.auth.currentUser?.isAnonymous, true);
    assert.deepEqual(Object.keys(roomsData()?.[key]?.peers ?? {}).sort(), [ra.selfId, rb.selfId].sort());
    const rejoined = record(a.t, 'rejoined');
    server.listeners(`/${FIREBASE_ROOT}/${key}/inbox/${ra.selfId}`)[0].drop();
    await waitFor(() => rejoined.length === 1, 'Ada rejoins', 15000);
    assert.equal(rejoined[0].selfId, ra.selfId);
    assert.equal(a.auth.currentUser?.uid, ra.selfId, 'the same user');
    await a.t.leave();
    await b.t.leave();
    await waitFor(() => roomsData() === null, 'nothing left');
  });

  it(
    `lets at most ${MAX_ROOM_PEERS} peers into a room: the next one fails with room-full, and gets in once someone leaves`,
    { timeout: 60_000 },
    async () => {
      const r = room();
      const key = firebaseRoomKey(r);
      const inRoom = [];
      for (let i = 0; i < MAX_ROOM_PEERS; i++) {
        const p = peer();
        inRoom.push({ p, res: await p.t.join(r, { name: `P${i}` }) });
      }
      assert.equal(Object.keys(roomsData()?.[key]?.peers ?? {}).length, MAX_ROOM_PEERS);
      const late = peer();
      await assert.rejects(late.t.join(r, { name: 'Late' }), (err: unknown) => (err as VideoCallError).code === 'room-full');
      assert.equal(Object.keys(roomsData()?.[key]?.peers ?? {}).length, MAX_ROOM_PEERS, 'no presence of the late one');
      await inRoom[3].p.t.leave();
      const res = await late.t.join(r, { name: 'Late' });
      assert.equal(res.peers.length, MAX_ROOM_PEERS - 1);
      assert.equal(Object.keys(roomsData()?.[key]?.peers ?? {}).length, MAX_ROOM_PEERS);
      await late.t.leave();
      for (const { p } of inRoom) await p.t.leave();
      await waitFor(() => roomsData() === null, 'nothing left');
    },
  );

  it(`a sender may have at most ${MAX_UNREAD_PER_SENDER} unread signals in an inbox: a stalled recipient's inbox stops growing`, async () => {
    const { key, a, b, ra, rb } = await adaAndBob();
    const [conn] = server.listeners(`/${FIREBASE_ROOT}/${key}/inbox/${ra.selfId}`);
    conn.freeze();
    for (let i = 0; i < MAX_UNREAD_PER_SENDER + 50; i++) b.t.send(ra.selfId, { candidate: i });
    await waitFor(() => unread(key, ra.selfId) === MAX_UNREAD_PER_SENDER, `${MAX_UNREAD_PER_SENDER} unread signals for Ada`);
    await sleep(300);
    assert.equal(unread(key, ra.selfId), MAX_UNREAD_PER_SENDER, 'no more');
    assert.deepEqual(Object.keys(roomsData()?.[key]?.inbox?.[ra.selfId] ?? {}), [rb.selfId]);
    const got = record(a.t, 'signal');
    conn.thaw();
    await waitFor(() => got.length === MAX_UNREAD_PER_SENDER, 'Ada reads what was stored, in order');
    assert.deepEqual(
      got.map((s) => (s.data as { candidate: number }).candidate),
      Array.from({ length: MAX_UNREAD_PER_SENDER }, (_, i) => i),
    );
    await a.t.leave();
    await b.t.leave();
    await waitFor(() => roomsData() === null, 'nothing left');
  });

  it('rules that refuse it when it re-enters after a reconnection end signaling with error unauthorized, then closed', async () => {
    const { a, ra } = await adaAndBob();
    const errors = record(a.t, 'error');
    const states = record(a.t, 'state');
    server.setRules({ rules: {} }); // the operator deploys rules that let nobody in
    try {
      server
        .listeners(`/${FIREBASE_ROOT}`)
        .filter((c) => [...c.listens].some((l) => l.endsWith(ra.selfId)))[0]
        .drop();
      await waitFor(() => states.includes('closed'), 'Ada’s transport ends', 15000);
      assert.equal(errors.length, 1);
      assert.equal(errors[0].code, 'unauthorized');
      assert.match(errors[0].message, /no longer lets this tab into the room/);
      assert.deepEqual(states, ['reconnecting', 'connected', 'closed']);
    } finally {
      server.setRules(RULES);
    }
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
