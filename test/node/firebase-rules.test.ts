// database.rules.json: every peer is a Firebase Auth user and may write only as itself (its
// presence, its seat, signals from itself), only the transport's layout can be written, within
// size and count limits, and an inbox is readable by its owner only. Checked twice: with the
// targaryen rules simulator directly (many cases, fast), and over the wire with the real SDK,
// signed in at the test server's Auth emulator, against the test server that enforces the file.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import targaryen from 'targaryen';
import { get, onDisconnect, onValue, ref, remove, serverTimestamp, set, update, type Database } from 'firebase/database';
import { connect, RULES, signedIn, startServer, type Client } from '../firebase-server/helpers.js';
import type { RtdbTestServer } from '../firebase-server/server.js';

const R = '/video-call-rooms/room1';
/** What the transport writes as `beat`: the server's time (`serverTimestamp()`). */
const NOW = { '.sv': 'timestamp' };
const T = Date.now();
/**
 * A room where `ada` (seat 0) and `bob` (seat 1) are present and beating, `old` (seat 2) stopped
 * beating 20 s ago, seat 5 is held by `gone`, who has no presence, and seat 6 by `ada`, whose
 * presence names seat 0. Ada has one unread signal from Bob, and so has Old.
 */
const data = {
  'video-call-rooms': {
    room1: {
      peers: {
        ada: { name: 'Ada', beat: T - 1000, slot: '0' },
        bob: { name: 'Bob', beat: T - 1000, slot: '1' },
        old: { name: 'Old', beat: T - 20_000, slot: '2' },
      },
      slots: { 0: 'ada', 1: 'bob', 2: 'old', 5: 'gone', 6: 'ada' },
      inbox: {
        ada: { bob: { m0: { from: 'bob', seq: 0, data: '{"sdp":"x"}' } } },
        old: { bob: { m0: { from: 'bob', seq: 0, data: '{"sdp":"y"}' } } },
      },
    },
  },
  elsewhere: { secret: 1 },
};
const base = targaryen.database(RULES, data, T);
const as = (uid: string | null) => base.as(uid === null ? null : { uid, provider: 'anonymous', token: { sub: uid } });
const presence = (name: string, slot: string) => ({ name, beat: NOW, slot });
const signal = (from: string, seq = 0, body = '{}') => ({ from, seq, data: body });

type Case = [what: string, uid: string | null, path: string, value: unknown];

describe('database.rules.json', () => {
  describe('what the transport does is allowed', () => {
    const allowed: Case[] = [
      ['heartbeat: the beat of its own presence, with the server time', 'ada', `${R}/peers/ada/beat`, NOW],
      ['rejoin: its own presence written again, same seat', 'ada', `${R}/peers/ada`, presence('Ada', '0')],
      ['send: a signal from a present peer to a present peer', 'ada', `${R}/inbox/bob/ada/m0`, signal('ada')],
      ['send: a signal of 16 KiB', 'ada', `${R}/inbox/bob/ada/m0`, signal('ada', 0, 'x'.repeat(16384))],
      ['send: the 100th unread signal of a sender (key m99)', 'ada', `${R}/inbox/bob/ada/m99`, signal('ada', 99)],
      ['read: the owner deletes a signal it read', 'ada', `${R}/inbox/ada/bob/m0`, null],
      ['the sender withdraws its own unread signal', 'bob', `${R}/inbox/ada/bob/m0`, null],
      ['the sender withdraws all its signals to someone', 'bob', `${R}/inbox/ada/bob`, null],
      ['leave: remove its own presence', 'ada', `${R}/peers/ada`, null],
      ['leave: remove its own inbox', 'ada', `${R}/inbox/ada`, null],
      ['sweep: remove a presence whose beat is 10 s old', 'ada', `${R}/peers/old`, null],
      ['sweep: remove the inbox of a peer whose beat is 10 s old', 'ada', `${R}/inbox/old`, null],
      ['cleanup: free a seat whose holder has no presence', 'bob', `${R}/slots/5`, null],
      ['cleanup: free a seat whose holder’s presence names another seat', 'bob', `${R}/slots/6`, null],
      ['onDisconnect set-up: free its own seat (checked when set up)', 'ada', `${R}/slots/0`, null],
    ];
    for (const [what, uid, path, value] of allowed) {
      it(what, () => {
        const r = as(uid).write(path, value, undefined, T);
        assert.equal(r.allowed, true, r.info);
      });
    }
    const updates: Array<[string, string, string, Record<string, unknown>]> = [
      ['join: a free seat and a presence naming it, in one update', 'cy', R, { 'slots/3': 'cy', 'peers/cy': presence('Cy', '3') }],
      ['join: the seat of someone with no presence', 'cy', R, { 'slots/5': 'cy', 'peers/cy': presence('Cy', '5') }],
      ['join: a seat whose holder sits elsewhere', 'cy', R, { 'slots/6': 'cy', 'peers/cy': presence('Cy', '6') }],
      ['join another room', 'cy', '/video-call-rooms/other%20room', { 'slots/0': 'cy', 'peers/cy': presence('Cy', '0') }],
      ['move to another seat (re-sitting after its seat went)', 'ada', R, { 'slots/3': 'ada', 'peers/ada': presence('Ada', '3') }],
      ['leave: presence and inbox in one update', 'ada', R, { 'peers/ada': null, 'inbox/ada': null }],
      ['sweep: a stale peer’s presence and inbox in one update', 'bob', R, { 'peers/old': null, 'inbox/old': null }],
      ['heartbeat by update', 'ada', `${R}/peers/ada`, { beat: NOW }],
    ];
    for (const [what, uid, path, patch] of updates) {
      it(what, () => {
        const r = as(uid).update(path, patch, T);
        assert.equal(r.allowed, true, r.info);
      });
    }
    it('leave and sweep: a seat is freed once its presence is gone', () => {
      const left = as('ada').update(R, { 'peers/ada': null, 'inbox/ada': null }, T);
      assert.equal(left.allowed, true);
      assert.equal(left.newDatabase.as({ uid: 'ada' }).write(`${R}/slots/0`, null, undefined, T).allowed, true);
      const swept = as('ada').update(R, { 'peers/old': null, 'inbox/old': null }, T);
      assert.equal(swept.newDatabase.as({ uid: 'ada' }).write(`${R}/slots/2`, null, undefined, T).allowed, true);
    });
    it('reads: signed in, a room’s peers and seats, and one’s own inbox', () => {
      assert.equal(as('cy').read(`${R}/peers`).allowed, true);
      assert.equal(as('cy').read(`${R}/slots`).allowed, true);
      assert.equal(as('ada').read(`${R}/inbox/ada`).allowed, true);
    });
  });

  describe('attacks are refused', () => {
    const denied: Case[] = [
      // Unauthenticated access.
      ['signed out: a presence', null, `${R}/peers/cy`, presence('Cy', '3')],
      ['signed out: a signal', null, `${R}/inbox/ada/bob/m1`, signal('bob', 1)],
      ['signed out: deleting a presence', null, `${R}/peers/old`, null],
      // Forged senders and path tricks.
      ['a signal whose from is someone else', 'bob', `${R}/inbox/ada/bob/m1`, signal('ada', 1)],
      ['a signal filed under someone else’s sender key', 'bob', `${R}/inbox/ada/cy/m0`, signal('cy')],
      ['a signal filed under someone else’s key with its from', 'bob', `${R}/inbox/ada/ada/m0`, signal('ada')],
      ['from with a path in it ("bob/name")', 'bob', `${R}/inbox/ada/bob/m1`, signal('bob/name', 1)],
      ['from with a path in it ("../peers/ada")', 'bob', `${R}/inbox/ada/bob/m1`, signal('../peers/ada', 1)],
      // Others' unread signals.
      ['deleting another peer’s unread signal (a third peer)', 'old', `${R}/inbox/ada/bob/m0`, null],
      ['deleting a live peer’s whole inbox', 'bob', `${R}/inbox/ada`, null],
      ['deleting another sender’s signals in a live peer’s inbox', 'cy', `${R}/inbox/ada/bob`, null],
      ['rewriting an unread signal (its key is taken)', 'bob', `${R}/inbox/ada/bob/m0`, signal('bob', 100, '{"evil":1}')],
      // Someone else's presence.
      ['taking over someone’s presence', 'bob', `${R}/peers/ada`, presence('Mallory', '0')],
      ['keeping someone’s live presence alive (its beat)', 'bob', `${R}/peers/ada/beat`, NOW],
      ['keeping a stale presence alive (its beat)', 'bob', `${R}/peers/old/beat`, NOW],
      ['removing a live presence', 'bob', `${R}/peers/ada`, null],
      ['renaming someone', 'bob', `${R}/peers/ada/name`, 'Mallory'],
      // Seats: the number of peers in a room.
      ['taking the seat of someone present', 'cy', `${R}/slots/0`, 'cy'],
      ['freeing the seat of someone present', 'cy', `${R}/slots/0`, null],
      ['a seat beyond the 16th (slots/16)', 'cy', `${R}/slots/16`, 'cy'],
      ['a seat with another name', 'cy', `${R}/slots/x`, 'cy'],
      ['a seat for someone else', 'cy', `${R}/slots/3`, 'dan'],
      ['a seat without a presence naming it (hoarding seats)', 'ada', `${R}/slots/3`, 'ada'],
      ['a presence without a seat', 'cy', `${R}/peers/cy`, { name: 'Cy', beat: NOW }],
      ['a presence naming a free seat it does not hold', 'cy', `${R}/peers/cy`, presence('Cy', '3')],
      ['a presence naming someone else’s seat', 'cy', `${R}/peers/cy`, presence('Cy', '0')],
      // Sizes and counts of signals.
      ['a signal over 16 KiB', 'ada', `${R}/inbox/bob/ada/m0`, signal('ada', 0, 'x'.repeat(16385))],
      ['a 101st unread signal of a sender (key m100)', 'ada', `${R}/inbox/bob/ada/m100`, signal('ada', 100)],
      ['a signal under a push id instead of m0…m99', 'ada', `${R}/inbox/bob/ada/-Nabc`, signal('ada')],
      ['a signal key with a leading zero (m07)', 'ada', `${R}/inbox/bob/ada/m07`, signal('ada', 7)],
      ['filling an inbox wholesale', 'ada', `${R}/inbox/bob`, { ada: { m0: signal('ada') } }],
      ['filling one’s sender box wholesale', 'ada', `${R}/inbox/bob/ada`, { m0: signal('ada'), m1: signal('ada', 1) }],
      ['a signal to a peer who is not present', 'ada', `${R}/inbox/zoe/ada/m0`, signal('ada')],
      ['a signal from a peer who is not present', 'eve', `${R}/inbox/ada/eve/m0`, signal('eve')],
      ['a signal without a seq', 'ada', `${R}/inbox/bob/ada/m0`, { from: 'ada', data: '{}' }],
      ['a signal whose data is not a string', 'ada', `${R}/inbox/bob/ada/m0`, { from: 'ada', seq: 0, data: { sdp: 'x' } }],
      ['a signal with an extra field', 'ada', `${R}/inbox/bob/ada/m0`, { ...signal('ada'), x: 1 }],
      // The layout.
      ['anything at the root', 'ada', '/', { x: 1 }],
      ['another top-level key', 'ada', '/elsewhere/secret', 2],
      ['a whole room at once', 'ada', R, { peers: { ada: presence('Ada', '0') } }],
      ['the list of rooms', 'ada', '/video-call-rooms', null],
      ['a room key other than peers, slots and inbox', 'ada', `${R}/chat/m`, { text: 'hi' }],
      ['presence with an extra field', 'ada', `${R}/peers/ada`, { ...presence('Ada', '0'), admin: true }],
      ['a 65-character name', 'ada', `${R}/peers/ada`, presence('n'.repeat(65), '0')],
      ['a beat that is not the server time', 'ada', `${R}/peers/ada/beat`, T - 60_000],
      ['a beat alone, with no presence', 'zoe', `${R}/peers/zoe/beat`, NOW],
      ['removing the beat of its own presence', 'ada', `${R}/peers/ada/beat`, null],
    ];
    for (const [what, uid, path, value] of denied) {
      it(what, () => assert.equal(as(uid).write(path, value, undefined, T).allowed, false, `${what} was allowed`));
    }
    it('joining with a seat beyond the 16th, or a taken seat, in one update', () => {
      assert.equal(as('cy').update(R, { 'slots/16': 'cy', 'peers/cy': presence('Cy', '16') }, T).allowed, false);
      assert.equal(as('cy').update(R, { 'slots/0': 'cy', 'peers/cy': presence('Cy', '0') }, T).allowed, false);
    });
    it('reads of others’ inboxes, of everything outside the layout, and anything signed out', () => {
      for (const [uid, path] of [
        ['bob', `${R}/inbox/ada`],
        ['bob', `${R}/inbox/ada/bob`],
        ['bob', `${R}/inbox`],
        [null, `${R}/peers`],
        [null, `${R}/slots`],
        [null, `${R}/inbox/ada`],
        ['ada', '/'],
        ['ada', '/elsewhere'],
        ['ada', '/video-call-rooms'],
        ['ada', R],
      ] as const) {
        assert.equal(as(uid).read(path).allowed, false, `${path} was readable by ${uid}`);
      }
    });
  });

  describe('over the wire, with the real SDK signed in at the test server', () => {
    let server: RtdbTestServer;
    const clients: Client[] = [];
    const W = 'video-call-rooms/wire';
    const r = (db: Database, p: string) => ref(db, `${W}/${p}`);
    const join = (c: Client & { uid: string }, slot: string, name = c.uid.slice(0, 4)) =>
      update(ref(c.db, W), { [`slots/${slot}`]: c.uid, [`peers/${c.uid}`]: { name, beat: serverTimestamp(), slot } });
    const user = async () => {
      const c = await signedIn(server);
      clients.push(c);
      return c;
    };
    let ada: Client & { uid: string };
    let bob: Client & { uid: string };
    let eve: Client & { uid: string };
    before(async () => {
      server = await startServer();
      [ada, bob, eve] = [await user(), await user(), await user()];
      await join(ada, '0', 'Ada');
      await join(bob, '1', 'Bob');
    });
    after(async () => {
      for (const c of clients) await c.dispose();
      await server.close();
    });

    it('refuses a client that is not signed in', async () => {
      const anon = connect(server);
      clients.push(anon);
      await assert.rejects(get(r(anon.db, 'peers')), /permission/i);
      await assert.rejects(set(r(anon.db, 'peers/x'), { name: 'X', beat: serverTimestamp(), slot: '9' }), /permission/i);
      await assert.rejects(set(r(anon.db, `inbox/${ada.uid}/x/m0`), { from: 'x', seq: 0, data: '{}' }), /permission/i);
    });

    it('lets peers join, beat, signal, read and delete their signals, and leave', async () => {
      const peers = (await get(r(eve.db, 'peers'))).val() as Record<string, { name: string; beat: number; slot: string }>;
      assert.deepEqual(Object.keys(peers).sort(), [ada.uid, bob.uid].sort());
      assert.ok(Math.abs(peers[bob.uid].beat - Date.now()) < 5000, 'the beat is the server’s time');
      await set(r(bob.db, `peers/${bob.uid}/beat`), serverTimestamp());
      await set(r(bob.db, `inbox/${ada.uid}/${bob.uid}/m0`), { from: bob.uid, seq: 0, data: '"hi"' });
      assert.deepEqual((await get(r(ada.db, `inbox/${ada.uid}`))).val(), { [bob.uid]: { m0: { from: bob.uid, seq: 0, data: '"hi"' } } });
      await remove(r(ada.db, `inbox/${ada.uid}/${bob.uid}/m0`));
      const cy = await user();
      await onDisconnect(r(cy.db, `peers/${cy.uid}`)).remove();
      await onDisconnect(r(cy.db, `slots/2`)).remove();
      await join(cy, '2');
      await update(ref(cy.db, W), { [`peers/${cy.uid}`]: null, [`inbox/${cy.uid}`]: null });
      await remove(r(cy.db, 'slots/2'));
      assert.equal(server.data(`/${W}/slots/2`), null);
    });

    it('refuses forged senders, path tricks, and reading or deleting someone else’s signals', async () => {
      await assert.rejects(set(r(bob.db, `inbox/${ada.uid}/${bob.uid}/m1`), { from: ada.uid, seq: 1, data: '{}' }), /permission/i);
      await assert.rejects(set(r(bob.db, `inbox/${ada.uid}/${ada.uid}/m1`), { from: ada.uid, seq: 1, data: '{}' }), /permission/i);
      await assert.rejects(set(r(bob.db, `inbox/${ada.uid}/${bob.uid}/m1`), { from: `${bob.uid}/name`, seq: 1, data: '{}' }), /permission/i);
      await set(r(bob.db, `inbox/${ada.uid}/${bob.uid}/m1`), { from: bob.uid, seq: 1, data: '{"sdp":"secret"}' });
      await assert.rejects(get(r(eve.db, `inbox/${ada.uid}`)), /permission/i);
      await assert.rejects(get(r(bob.db, `inbox/${ada.uid}`)), /permission/i);
      const refused = await new Promise<Error>((resolve) => onValue(r(eve.db, `inbox/${ada.uid}`), () => {}, resolve));
      assert.match(refused.message, /permission/i);
      await assert.rejects(remove(r(eve.db, `inbox/${ada.uid}/${bob.uid}/m1`)), /permission/i);
      await assert.rejects(remove(r(eve.db, `inbox/${ada.uid}`)), /permission/i);
      assert.deepEqual(server.data(`/${W}/inbox/${ada.uid}/${bob.uid}/m1/data`), '{"sdp":"secret"}', 'still there, unread');
      await remove(r(ada.db, `inbox/${ada.uid}`));
    });

    it('refuses taking over, keeping alive or removing someone else’s live presence or seat', async () => {
      await assert.rejects(set(r(eve.db, `peers/${ada.uid}`), { name: 'Mallory', beat: serverTimestamp(), slot: '0' }), /permission/i);
      await assert.rejects(set(r(eve.db, `peers/${ada.uid}/beat`), serverTimestamp()), /permission/i);
      await assert.rejects(remove(r(eve.db, `peers/${ada.uid}`)), /permission/i);
      await assert.rejects(set(r(eve.db, 'slots/0'), eve.uid), /permission/i);
      await assert.rejects(join(eve, '0'), /permission/i);
      await assert.rejects(remove(r(eve.db, 'slots/0')), /permission/i);
      assert.equal((server.data(`/${W}/peers/${ada.uid}`) as { name: string }).name, 'Ada');
      assert.equal(server.data(`/${W}/slots/0`), ada.uid);
    });

    it('refuses a signal over 16 KiB, and a sender’s 101st unread signal', async () => {
      const to = (c: Client & { uid: string }, key: string, seq: number, body = '{}') =>
        set(r(c.db, `inbox/${ada.uid}/${c.uid}/${key}`), { from: c.uid, seq, data: body });
      await assert.rejects(to(bob, 'm0', 0, 'x'.repeat(16385)), /permission/i);
      await to(bob, 'm0', 0, 'x'.repeat(16384));
      await Promise.all(Array.from({ length: 99 }, (_, i) => to(bob, `m${i + 1}`, i + 1)));
      assert.equal(Object.keys(server.data(`/${W}/inbox/${ada.uid}/${bob.uid}`) as object).length, 100);
      await assert.rejects(to(bob, 'm0', 100), /permission/i);
      await assert.rejects(to(bob, 'm100', 100), /permission/i);
      await assert.rejects(to(bob, '-Npushid', 100), /permission/i);
      assert.equal(Object.keys(server.data(`/${W}/inbox/${ada.uid}/${bob.uid}`) as object).length, 100);
      await remove(r(ada.db, `inbox/${ada.uid}`));
    });

    it('refuses a 17th peer in a room', { timeout: 30_000 }, async () => {
      const more = await Promise.all(Array.from({ length: 14 }, () => user()));
      await Promise.all(more.map((c, i) => join(c, String(i + 2))));
      assert.equal(Object.keys(server.data(`/${W}/peers`) as object).length, 16);
      for (const seat of ['16', '99', '0', '15']) await assert.rejects(join(eve, seat), /permission/i);
      assert.equal(server.data(`/${W}/peers/${eve.uid}`), null);
      assert.equal(Object.keys(server.data(`/${W}/peers`) as object).length, 16);
    });
  });
});
