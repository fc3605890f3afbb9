// The local Realtime Database test server (test/firebase-server/server.ts), driven by the real
// firebase SDK: what the firebase transport relies on must behave as on the real service,
// above all onDisconnect (run when the client's socket goes) and unlisten. Everything is proven
// by reading the server's own data.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deleteApp, initializeApp } from 'firebase/app';
import { signInAnonymously } from 'firebase/auth';
import {
  connectDatabaseEmulator,
  get,
  getDatabase,
  goOffline,
  onDisconnect,
  onValue,
  ref,
  set,
  update,
  serverTimestamp,
} from 'firebase/database';
import { connect, sleep, waitFor } from '../firebase-server/helpers.js';
import { RtdbTestServer } from '../firebase-server/server.js';

let server: RtdbTestServer;
const disposers: Array<() => Promise<void>> = [];

function client() {
  const c = connect(server);
  disposers.push(c.dispose);
  return c;
}

/** The server-side connection of a client, found by a path only it listens to. */
async function connectionOf(db: ReturnType<typeof client>['db'], marker: string) {
  const stop = onValue(ref(db, `markers/${marker}`), () => {});
  await waitFor(() => server.listeners(`/markers/${marker}`).length === 1, 'the marker listen');
  const [conn] = server.listeners(`/markers/${marker}`);
  return { conn, stop };
}

describe('RTDB test server with the real SDK', () => {
  before(async () => {
    server = await RtdbTestServer.start();
  });
  after(async () => {
    for (const d of disposers) await d();
    await server.close();
  });

  it('runs onDisconnect set, update and remove when the socket drops, and not cancelled ones', async () => {
    const { db } = client();
    await set(ref(db, 'od/presence'), { name: 'Ada' });
    await set(ref(db, 'od/kept'), 'still here');
    await onDisconnect(ref(db, 'od/presence')).remove();
    await onDisconnect(ref(db, 'od/status')).set({ state: 'offline', at: serverTimestamp() });
    await onDisconnect(ref(db, 'od/counts')).update({ a: 1, 'b/c': 2 });
    await onDisconnect(ref(db, 'od/kept')).remove();
    await onDisconnect(ref(db, 'od/kept')).cancel();
    const { conn } = await connectionOf(db, 'od');
    assert.deepEqual(server.data('/od'), { presence: { name: 'Ada' }, kept: 'still here' }, 'nothing runs while connected');
    const before = Date.now();
    conn.drop();
    await waitFor(() => server.data('/od/presence') === null, 'the presence is removed');
    const od = server.data('/od') as { status: { state: string; at: number }; counts: object; kept: string };
    assert.deepEqual(od.counts, { a: 1, b: { c: 2 } });
    assert.equal(od.kept, 'still here');
    assert.equal(od.status.state, 'offline');
    assert.ok(od.status.at >= before && od.status.at <= Date.now(), 'the server timestamp is the disconnect time');
  });

  it('runs onDisconnect when the client closes its socket itself (a closed tab)', async () => {
    const { db } = client();
    await set(ref(db, 'tab/peers/me'), { name: 'Tab' });
    await set(ref(db, 'tab/inbox/me/m1'), { data: 'unread' });
    await onDisconnect(ref(db, 'tab/peers/me')).remove();
    await onDisconnect(ref(db, 'tab/inbox/me')).remove();
    assert.notEqual(server.data('/tab'), null);
    goOffline(db);
    await waitFor(() => server.data('/tab') === null, 'no presence and no inbox left');
  });

  it('stops sending a path after unlisten, and serves it again on a new listen', async () => {
    const writer = client();
    const reader = client();
    await set(ref(writer.db, 'u/x'), 1);
    const seen: unknown[] = [];
    const stop = onValue(ref(reader.db, 'u/x'), (s) => seen.push(s.val()));
    await waitFor(() => seen.length === 1, 'the first value');
    assert.equal(server.listeners('/u/x').length, 1);
    stop();
    await waitFor(() => server.listeners('/u/x').length === 0, 'the server forgets the listen');
    await set(ref(writer.db, 'u/x'), 2);
    await sleep(100);
    assert.deepEqual(seen, [1]);
    assert.equal((await get(ref(reader.db, 'u/x'))).val(), 2);
  });

  it('applies a multi-path update atomically and tells each listener only its part', async () => {
    const a = client();
    const b = client();
    await set(ref(a.db, 'm'), { p: { one: 1 }, q: { two: 2 }, r: 'untouched' });
    const pSeen: unknown[] = [];
    const stop = onValue(ref(b.db, 'm/p'), (s) => pSeen.push(s.val()));
    await waitFor(() => pSeen.length === 1, 'first value');
    await update(ref(a.db, 'm'), { 'p/one': null, 'p/three': 3, q: null });
    await waitFor(() => pSeen.length === 2, 'the update');
    assert.deepEqual(pSeen, [{ one: 1 }, { three: 3 }]);
    assert.deepEqual(server.data('/m'), { p: { three: 3 }, r: 'untouched' });
    stop();
  });

  it('carries messages longer than one websocket frame both ways', async () => {
    const a = client();
    const b = client();
    const big = 'é'.repeat(70000);
    const got: unknown[] = [];
    const stop = onValue(ref(b.db, 'big'), (s) => got.push(s.val()));
    await set(ref(a.db, 'big'), big);
    assert.equal(server.data('/big'), big);
    await waitFor(() => got.at(-1) === big, 'the reader gets it whole');
    stop();
  });

  it('holds a frozen connection’s traffic both ways (no onDisconnect) and delivers it in order on thaw', async () => {
    const a = client();
    const b = client();
    await onDisconnect(ref(a.db, 'fz/a')).remove();
    const { conn, stop } = await connectionOf(a.db, 'fz');
    const aSeen: unknown[] = [];
    const stopA = onValue(ref(a.db, 'fz/b'), (s) => aSeen.push(s.val()));
    await waitFor(() => aSeen.length === 1, 'first value');
    conn.freeze();
    const writes = [set(ref(a.db, 'fz/a'), 1), set(ref(a.db, 'fz/a'), 2)];
    await set(ref(b.db, 'fz/b'), 'x');
    await sleep(200);
    assert.equal(server.data('/fz/a'), null, 'nothing read from a frozen client');
    assert.equal(aSeen.length, 1, 'nothing sent to it');
    assert.ok(server.connections.has(conn), 'its connection is kept, and its onDisconnect not run');
    conn.thaw();
    await Promise.all(writes);
    assert.equal(server.data('/fz/a'), 2, 'its writes arrive, in order');
    await waitFor(() => aSeen.at(-1) === 'x', 'it hears what it missed');
    stopA();
    stop();
  });

  it('delays every message by latencyMs, both ways', async () => {
    const { db } = client();
    const { conn, stop } = await connectionOf(db, 'lat');
    conn.latencyMs = 300;
    try {
      const started = Date.now();
      await set(ref(db, 'lat/x'), 1);
      const took = Date.now() - started;
      assert.ok(took >= 550, `a write's round trip takes two delays (took ${took} ms)`);
      assert.equal(server.data('/lat/x'), 1);
    } finally {
      conn.latencyMs = 0;
      stop();
    }
  });

  it('leaves a request unanswered when the onRequest hook returns false', async () => {
    const { db } = client();
    server.onRequest = (_conn, action, body) => (action === 'g' && String(body.p) === '/silent' ? false : undefined);
    try {
      const answered = await Promise.race([get(ref(db, 'silent')).then(() => true), sleep(500).then(() => false)]);
      assert.equal(answered, false);
    } finally {
      server.onRequest = undefined;
    }
  });

  describe('auth', () => {
    /** Only a signed-in user may read, and each may write only its own `users/{uid}`. */
    const rules = { rules: { users: { '.read': 'auth != null', $uid: { '.write': 'auth != null && auth.uid == $uid' } } } };
    let authed: RtdbTestServer;
    before(async () => {
      authed = await RtdbTestServer.start({ rules });
    });
    after(() => authed.close());

    it('signs up anonymous users with the real SDK (signUp, then lookup) and takes their ID tokens as auth', async () => {
      const c = connect(authed);
      disposers.push(c.dispose);
      const cred = await signInAnonymously(c.auth);
      assert.equal(cred.user.isAnonymous, true);
      assert.ok(authed.auth.users.has(cred.user.uid));
      assert.deepEqual(authed.auth.requests, [
        'POST /identitytoolkit.googleapis.com/v1/accounts:signUp',
        'POST /identitytoolkit.googleapis.com/v1/accounts:lookup',
      ]);
      await set(ref(c.db, `users/${cred.user.uid}`), 'me');
      await assert.rejects(set(ref(c.db, 'users/someone-else'), 'not me'), /permission/i);
      assert.deepEqual((await get(ref(c.db, 'users'))).val(), { [cred.user.uid]: 'me' });
      const conn = [...authed.connections].find((k) => (k.auth as { uid?: string } | null)?.uid === cred.user.uid);
      assert.equal((conn?.auth as { provider: string }).provider, 'anonymous');
    });

    it('refreshes an ID token (securetoken) when the SDK asks for a new one', async () => {
      const c = connect(authed);
      disposers.push(c.dispose);
      const cred = await signInAnonymously(c.auth);
      const first = await cred.user.getIdToken();
      await sleep(1100); // a token issued in another second
      const second = await cred.user.getIdToken(true);
      assert.notEqual(second, first);
      assert.ok(authed.auth.requests.includes('POST /securetoken.googleapis.com/v1/token'));
      assert.ok(authed.auth.verify(second));
    });

    it('answers CORS preflights of the Auth endpoints', async () => {
      const res = await fetch(`${authed.authEmulatorUrl}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=k`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://page.test',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-client-version',
        },
      });
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('access-control-allow-origin'), 'http://page.test');
      assert.match(res.headers.get('access-control-allow-headers') ?? '', /x-client-version/);
    });

    it('refuses tokens it did not issue: the emulator’s unsigned mock tokens, whatever uid they claim', async () => {
      const app = initializeApp({ databaseURL: 'https://mock.firebaseio.com', projectId: 'test' }, 'mock-token');
      disposers.push(() => deleteApp(app));
      const db = getDatabase(app);
      // The SDK builds an unsigned (alg: none) JWT for sub 'ada', as the real emulator accepts.
      connectDatabaseEmulator(db, '127.0.0.1', authed.port, { mockUserToken: { sub: 'ada', user_id: 'ada' } });
      const tries: string[] = [];
      authed.onRequest = (_conn, action, body) => {
        if (action === 'auth' || action === 'gauth') tries.push(String(body.cred));
      };
      try {
        // Answered invalid_token, the SDK drops the connection and tries again, never authenticated.
        void set(ref(db, 'users/ada'), 'forged').catch(() => {});
        await waitFor(() => tries.length >= 2, 'the SDK offers its token, and again after the refusal', 10_000);
        assert.equal(JSON.parse(Buffer.from(tries[0].split('.')[0], 'base64url').toString()).alg, 'none');
        assert.equal(authed.data('/users/ada'), null, 'nothing written as ada');
        assert.ok([...authed.connections].every((k) => (k.auth as { uid?: string } | null)?.uid !== 'ada'));
      } finally {
        authed.onRequest = undefined;
        goOffline(db);
      }
    });

    it('refuses a token signed by another server', async () => {
      const other = await RtdbTestServer.start();
      try {
        const token = other.auth.issue('ada');
        assert.equal(authed.auth.verify(token), null);
        assert.equal(other.auth.verify(token), null, 'not even by its issuer, for a user it never signed up');
      } finally {
        await other.close();
      }
    });
  });
});
