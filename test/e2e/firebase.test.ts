/**
 * End to end over Firebase, as the "done" reads: pages that load the built bundle by
 * script tag and set two attributes (`transport="firebase"`, `firebase-config`) call each
 * other, the Firebase chunk comes on demand from beside the bundle, and a closed tab leaves no
 * trace in the database. The database is the local Realtime Database test server
 * (test/firebase-server/server.ts, enforcing database.rules.json; what differs from the real
 * service is listed at the top of that file), spoken to by the real firebase SDK in the chunk,
 * each page signed in anonymously at the server's Auth emulator (`authEmulatorUrl`).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startServer, waitFor } from '../firebase-server/helpers.js';
import type { RtdbTestServer } from '../firebase-server/server.js';
import {
  callPage,
  closeAll,
  events,
  launchBrowser,
  newPerson,
  now,
  room,
  selfId,
  startStaticServer,
  waitForEvent,
  waitForLiveVideos,
  type Person,
} from './harness.js';

let browser: Browser;
let web: Awaited<ReturnType<typeof startStaticServer>>;
let db: RtdbTestServer;

before(async () => {
  web = await startStaticServer();
  db = await startServer();
  browser = await launchBrowser();
});

after(() =>
  closeAll(
    () => browser?.close(),
    () => db?.close(),
    () => web?.close(),
  ),
);

const CHUNK = '/dist/video-call-firebase.js';

for (const script of ['classic', 'module'] as const) {
  test(
    `two pages call over firebase with two attributes (bundle by ${script} script), and closed tabs leave no trace`,
    { timeout: 60_000 },
    async () => {
      const people: Person[] = [];
      try {
        const r = room(`fb-${script}`);
        const attrs = `transport="firebase" firebase-config='${JSON.stringify({ databaseURL: db.url, projectId: 'e2e', authEmulatorUrl: db.authEmulatorUrl })}'`;
        const open = async (name: string) => {
          const person = await newPerson(browser, name);
          people.push(person);
          await person.page.goto(web.addPage(callPage({ script, relayUrl: '', room: r, name, attrs })));
          return { person, id: await selfId(person.page) };
        };
        const a = await open('Ann');
        const b = await open('Bob');
        assert.ok(web.requests.includes(CHUNK), 'the Firebase chunk was fetched from beside the bundle');
        await waitForEvent(a.person.page, 'vc-peer-connected', { peerId: b.id });
        await waitForEvent(b.person.page, 'vc-peer-connected', { peerId: a.id });
        await waitForLiveVideos(a.person.page, [b.id]);
        await waitForLiveVideos(b.person.page, [a.id]);
        const peers = () => Object.keys((db.data(`/video-call-rooms/${encodeURIComponent(r)}/peers`) ?? {}) as object).sort();
        assert.deepEqual(peers(), [a.id, b.id].sort(), 'both present in the database');
        assert.ok(db.auth.users.has(a.id) && db.auth.users.has(b.id), 'each page’s peer id is an Auth user the emulator signed up');

        // Bob closes his tab: Ann sees him go, and the database forgets him.
        await b.person.context.close();
        await waitForEvent(a.person.page, 'vc-peer-left', { peerId: b.id });
        await waitFor(() => peers().join() === a.id, 'only Ann present');
        assert.equal(db.data(`/video-call-rooms/${encodeURIComponent(r)}/inbox/${b.id}`), null, 'no inbox of Bob left');
        // Ann closes hers: nothing at all is left.
        await a.person.context.close();
        await waitFor(() => db.data(`/video-call-rooms/${encodeURIComponent(r)}`) === null, 'the room is gone from the database', 10_000);
        for (const p of people) assert.deepEqual(p.errors, [], `${p.name}: no page errors`);
      } finally {
        await closeAll(...people.map((p) => () => p.context.close()));
      }
    },
  );
}

test(
  'a tab that hangs without closing (its socket stays open, so the database keeps its presence): the other page gets vc-peer-left, loses the tile, and the database forgets it, within 15 s',
  { timeout: 90_000 },
  async (t) => {
    const people: Person[] = [];
    try {
      const r = room('fb-hung');
      const attrs = `transport="firebase" firebase-config='${JSON.stringify({ databaseURL: db.url, projectId: 'e2e', authEmulatorUrl: db.authEmulatorUrl })}'`;
      const open = async (name: string) => {
        const person = await newPerson(browser, name);
        people.push(person);
        await person.page.goto(web.addPage(callPage({ relayUrl: '', room: r, name, attrs })));
        return { person, id: await selfId(person.page) };
      };
      const a = await open('Ann');
      const b = await open('Bob');
      await waitForLiveVideos(a.person.page, [b.id]);
      await waitForLiveVideos(b.person.page, [a.id]);
      const key = `/video-call-rooms/${encodeURIComponent(r)}`;
      const peers = () => Object.keys((db.data(`${key}/peers`) ?? {}) as object).sort();
      const connections = db.connections.size;
      // Bob's tab hangs (its script stopped in the debugger, as a hung or frozen tab's is): no
      // script runs in it, but its websocket and its peer connection stay open, so the server
      // runs no onDisconnect (the real service would only after its own timeout, about a minute).
      // (CDP's Page.setWebLifecycleState "frozen" does not stop a visible page's timers.)
      const cdp = await b.person.context.newCDPSession(b.person.page);
      await cdp.send('Debugger.enable');
      const since = await now(a.person.page);
      const frozenAt = Date.now();
      await cdp.send('Debugger.pause');
      await waitForEvent(a.person.page, 'vc-peer-left', { peerId: b.id }, { timeout: 15_000, since });
      await a.person.page.waitForFunction(
        (id) => !document.querySelector('video-call')!.shadowRoot!.querySelector(`[data-peer-id="${id}"]`),
        b.id,
        { timeout: Math.max(1, 15_000 - (Date.now() - frozenAt)), polling: 100 },
      );
      await waitFor(
        () => peers().join() === a.id && db.data(`${key}/inbox/${b.id}`) === null,
        'only Ann present, no inbox of Bob',
        Math.max(1, 15_000 - (Date.now() - frozenAt)),
      );
      const took = Date.now() - frozenAt;
      t.diagnostic(`hung tab: vc-peer-left, tile and database entry gone after ${took} ms`);
      assert.ok(took < 15_000, `gone within 15 s (took ${took} ms)`);
      assert.equal(db.connections.size, connections, 'Bob’s socket was still open: it was not the server that removed him');
      assert.equal((await events(a.person.page, 'vc-peer-left')).length, 1, 'one vc-peer-left');
      assert.deepEqual(a.person.errors, []);
    } finally {
      await closeAll(...people.map((p) => () => p.context.close()));
    }
  },
);

test('a page that does not pick firebase never downloads the Firebase chunk', { timeout: 30_000 }, async () => {
  const own = await startStaticServer();
  const person = await newPerson(browser, 'Ann');
  try {
    await person.page.goto(own.addPage(callPage({ relayUrl: '', room: room('no-fb'), name: 'Ann', attrs: 'transport="local"' })));
    await selfId(person.page);
    assert.ok(own.requests.includes('/dist/video-call.js'));
    assert.ok(!own.requests.includes(CHUNK), 'the chunk was not requested');
  } finally {
    await closeAll(
      () => person.context.close(),
      () => own.close(),
    );
  }
});
