// database.rules.json: only the transport's layout can be written, within size limits, and
// nothing is readable outside a room's peers and inboxes. Checked twice: with the targaryen
// rules simulator directly (many cases, fast), and over the wire with the real SDK against the
// test server that enforces the same file.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import targaryen from 'targaryen';
import { get, ref, serverTimestamp, set, update } from 'firebase/database';
import { connect, RULES, startServer } from '../firebase-server/helpers.js';
import type { RtdbTestServer } from '../firebase-server/server.js';

const R = '/video-call-rooms/room1';
/** What the transport writes as `beat`: the server's time (`serverTimestamp()`). */
const NOW = { '.sv': 'timestamp' };
/** A room where peers `ada` and `bob` are present and `ada` has one unread message. */
const data = {
  'video-call-rooms': {
    room1: {
      peers: { ada: { name: 'Ada', beat: 1 }, bob: { name: 'Bob', beat: 1 } },
      inbox: { ada: { m1: { from: 'bob', data: '{"sdp":"x"}' } } },
    },
  },
  elsewhere: { secret: 1 },
};
const db = targaryen.database(RULES, data, Date.now());

function write(path: string, value: unknown) {
  return db.write(path, value).allowed;
}

describe('database.rules.json', () => {
  describe('writes inside the layout are allowed', () => {
    const allowed: Array<[string, string, unknown]> = [
      ['join: own presence with a name and a beat', `${R}/peers/cy`, { name: 'Cy', beat: NOW }],
      ['join: an empty name', `${R}/peers/cy`, { name: '', beat: NOW }],
      ['join: a 64-character name', `${R}/peers/cy`, { name: 'n'.repeat(64), beat: NOW }],
      ['heartbeat: the beat of a presence rewritten with the server time', `${R}/peers/ada/beat`, NOW],
      ['send: a signal from a present peer to a present peer', `${R}/inbox/bob/m2`, { from: 'ada', data: '{"a":1}' }],
      ['send: a 64 KiB signal', `${R}/inbox/bob/m2`, { from: 'ada', data: 'x'.repeat(65536) }],
      ['read: delete a read signal', `${R}/inbox/ada/m1`, null],
      ['leave: remove own presence', `${R}/peers/ada`, null],
      ['rejoin under the same id: the same presence written again', `${R}/peers/ada`, { name: 'Ada', beat: NOW }],
      ['sweep: remove someone else’s stale presence', `${R}/peers/bob`, null],
      ['sweep: remove someone else’s inbox with its unread signals', `${R}/inbox/ada`, null],
      ['leave: remove own inbox', `${R}/inbox/ada`, null],
      ['join another room', '/video-call-rooms/other%20room/peers/cy', { name: 'Cy', beat: NOW }],
    ];
    for (const [what, path, value] of allowed) {
      it(what, () => assert.equal(write(path, value), true, db.write(path, value).info));
    }
    it('leave: presence and inbox removed in one update', () => {
      assert.equal(db.update(R, { 'peers/ada': null, 'inbox/ada': null }).allowed, true);
    });
    it('heartbeat: the beat rewritten by an update', () => {
      assert.equal(db.update(`${R}/peers/ada`, { beat: NOW }).allowed, true);
    });
  });

  describe('writes outside the layout are denied', () => {
    const denied: Array<[string, string, unknown]> = [
      ['anything at the root', '/', { x: 1 }],
      ['another top-level key', '/elsewhere/secret', 2],
      ['a whole room at once', R, { peers: { cy: { name: 'Cy' } } }],
      ['the list of rooms', '/video-call-rooms', null],
      ['a room key other than peers and inbox', `${R}/chat/m`, { text: 'hi' }],
      ['presence without a name', `${R}/peers/cy`, { nick: 'Cy', beat: NOW }],
      ['presence without a beat', `${R}/peers/cy`, { name: 'Cy' }],
      ['presence with an extra field', `${R}/peers/cy`, { name: 'Cy', beat: NOW, admin: true }],
      ['a 65-character name', `${R}/peers/cy`, { name: 'n'.repeat(65), beat: NOW }],
      ['a name that is not a string', `${R}/peers/cy`, { name: 42, beat: NOW }],
      ['a beat that is not a number', `${R}/peers/cy`, { name: 'Cy', beat: 'now' }],
      ['a beat that is a big string', `${R}/peers/ada/beat`, 'x'.repeat(1000)],
      ['a beat that is not the server time (a client clock, in the past)', `${R}/peers/ada/beat`, Date.now() - 60_000],
      ['a beat that is not the server time (in the future)', `${R}/peers/ada/beat`, Date.now() + 60_000],
      ['a beat alone, with no presence (a gone member beating late)', `${R}/peers/zoe/beat`, NOW],
      ['removing the beat of a presence', `${R}/peers/ada/beat`, null],
      ['changing someone’s existing presence', `${R}/peers/ada`, { name: 'Mallory', beat: NOW }],
      ['a peer id over 40 characters', `${R}/peers/${'p'.repeat(41)}`, { name: 'x', beat: NOW }],
      ['a signal to a peer who is not present', `${R}/inbox/zoe/m2`, { from: 'ada', data: '{}' }],
      ['a signal from a peer who is not present', `${R}/inbox/bob/m2`, { from: 'zoe', data: '{}' }],
      ['a signal over 64 KiB', `${R}/inbox/bob/m2`, { from: 'ada', data: 'x'.repeat(65537) }],
      ['a signal whose data is not a string', `${R}/inbox/bob/m2`, { from: 'ada', data: { sdp: 'x' } }],
      ['a signal without a sender', `${R}/inbox/bob/m2`, { data: '{}' }],
      ['a signal with an extra field', `${R}/inbox/bob/m2`, { from: 'ada', data: '{}', x: 1 }],
      ['rewriting an existing signal', `${R}/inbox/ada/m1`, { from: 'bob', data: '{"evil":1}' }],
      ['filling an inbox wholesale', `${R}/inbox/bob`, { m2: { from: 'ada', data: '{}' } }],
    ];
    for (const [what, path, value] of denied) {
      it(what, () => assert.equal(write(path, value), false, `${what} was allowed`));
    }
  });

  describe('reads', () => {
    it('allows a room’s peers and inboxes', () => {
      assert.equal(db.read(`${R}/peers`).allowed, true);
      assert.equal(db.read(`${R}/inbox/ada`).allowed, true);
    });
    it('denies everything outside them', () => {
      for (const path of ['/', '/elsewhere', '/video-call-rooms', R, `${R}/inbox`]) {
        assert.equal(db.read(path).allowed, false, `${path} was readable`);
      }
    });
  });

  describe('over the wire, with the real SDK against the test server', () => {
    let server: RtdbTestServer;
    let client: ReturnType<typeof connect>;
    before(async () => {
      server = await startServer();
      client = connect(server);
    });
    after(async () => {
      await client.dispose();
      await server.close();
    });

    it('accepts a presence and a signal, and refuses writes outside the layout', async () => {
      const r = (p: string) => ref(client.db, `video-call-rooms/wire/${p}`);
      await set(r('peers/ada'), { name: 'Ada', beat: serverTimestamp() });
      await set(r('peers/bob'), { name: 'Bob', beat: serverTimestamp() });
      await set(r('peers/bob/beat'), serverTimestamp());
      await assert.rejects(set(r('peers/bob/beat'), 12345), /permission/i);
      await assert.rejects(set(r('peers/cy'), { name: 'Cy' }), /permission/i);
      await set(r('inbox/bob/m1'), { from: 'ada', data: '"hi"' });
      assert.deepEqual(server.data('/video-call-rooms/wire/inbox/bob'), { m1: { from: 'ada', data: '"hi"' } });
      await assert.rejects(set(ref(client.db, 'elsewhere'), 1), /permission/i);
      await assert.rejects(set(r('peers/cy'), { name: 'x'.repeat(65), beat: serverTimestamp() }), /permission/i);
      await assert.rejects(update(ref(client.db, 'video-call-rooms/wire'), { 'peers/cy': { name: 'Cy', beat: serverTimestamp() }, 'chat/x': 1 }), /permission/i);
      assert.equal(server.data('/video-call-rooms/wire/peers/cy'), null, 'a refused update changes nothing');
      assert.equal(server.data('/elsewhere'), null);
      await assert.rejects(get(ref(client.db, 'video-call-rooms')), /permission/i);
      const peers = (await get(r('peers'))).val() as Record<string, { name: string; beat: number }>;
      assert.deepEqual(Object.keys(peers), ['ada', 'bob']);
      assert.equal(peers.bob.name, 'Bob');
      assert.ok(Math.abs(peers.bob.beat - Date.now()) < 5000, 'the beat is the server’s time');
    });
  });
});
