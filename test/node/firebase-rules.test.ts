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

  describe('attacks are refused (each next to the legitimate write it imitates, which is allowed)', () => {
    type Write = [uid: string | null, path: string, value: unknown];
    const ok = ([uid, path, value]: Write) => as(uid).write(path, value, undefined, T);
    const okUpdate = (uid: string, path: string, patch: Record<string, unknown>) => as(uid).update(path, patch, T);
    // The legitimate writes the attacks imitate.
    const bobSignals: Write = ['bob', `${R}/inbox/ada/bob/m1`, signal('bob', 1)];
    const cyJoins = () => okUpdate('cy', R, { 'slots/3': 'cy', 'peers/cy': presence('Cy', '3') });
    const adaBeats: Write = ['ada', `${R}/peers/ada/beat`, NOW];
    const adaSignals: Write = ['ada', `${R}/inbox/bob/ada/m1`, signal('ada', 1)];
    const cases: Array<[what: string, attack: () => { allowed: boolean }, control: () => { allowed: boolean; info: string }]> = [
      // Unauthenticated access.
      ['signed out: joining', () => okUpdate(null as unknown as string, R, { 'slots/3': 'cy', 'peers/cy': presence('Cy', '3') }), cyJoins],
      ['signed out: a signal', () => ok([null, bobSignals[1], bobSignals[2]]), () => ok(bobSignals)],
      ['signed out: deleting a stale presence', () => ok([null, `${R}/peers/old`, null]), () => ok(['ada', `${R}/peers/old`, null])],
      // Forged senders and path tricks.
      ['a signal whose from is someone else', () => ok(['bob', bobSignals[1], signal('ada', 1)]), () => ok(bobSignals)],
      ['a signal filed under someone else’s sender key', () => ok(['bob', `${R}/inbox/ada/cy/m1`, signal('cy', 1)]), () => ok(bobSignals)],
      [
        'a signal filed under someone else’s key with its from',
        () => ok(['bob', `${R}/inbox/ada/ada/m1`, signal('ada', 1)]),
        () => ok(bobSignals),
      ],
      ['from with a path in it ("bob/name")', () => ok(['bob', bobSignals[1], signal('bob/name', 1)]), () => ok(bobSignals)],
      ['from with a path in it ("../peers/ada")', () => ok(['bob', bobSignals[1], signal('../peers/ada', 1)]), () => ok(bobSignals)],
      // Others' unread signals.
      [
        'deleting another peer’s unread signal (a third peer)',
        () => ok(['old', `${R}/inbox/ada/bob/m0`, null]),
        () => ok(['ada', `${R}/inbox/ada/bob/m0`, null]),
      ],
      ['deleting a live peer’s whole inbox', () => ok(['bob', `${R}/inbox/ada`, null]), () => ok(['ada', `${R}/inbox/ada`, null])],
      [
        'deleting another sender’s signals in a live peer’s inbox',
        () => ok(['cy', `${R}/inbox/ada/bob`, null]),
        () => ok(['bob', `${R}/inbox/ada/bob`, null]),
      ],
      [
        'rewriting an unread signal (its key is taken)',
        () => ok(['bob', `${R}/inbox/ada/bob/m0`, signal('bob', 100, '{"evil":1}')]),
        () => ok(bobSignals),
      ],
      // Someone else's presence.
      [
        'taking over someone’s presence',
        () => ok(['bob', `${R}/peers/ada`, presence('Mallory', '0')]),
        () => ok(['ada', `${R}/peers/ada`, presence('Ada', '0')]),
      ],
      ['keeping someone’s live presence alive (its beat)', () => ok(['bob', adaBeats[1], NOW]), () => ok(adaBeats)],
      [
        'keeping a stale presence alive (its beat)',
        () => ok(['bob', `${R}/peers/old/beat`, NOW]),
        () => ok(['old', `${R}/peers/old/beat`, NOW]),
      ],
      ['removing a live presence', () => ok(['bob', `${R}/peers/ada`, null]), () => ok(['bob', `${R}/peers/old`, null])],
      ['renaming someone', () => ok(['bob', `${R}/peers/ada/name`, 'Mallory']), () => ok(['ada', `${R}/peers/ada/name`, 'Ada L.'])],
      // Seats: the number of peers in a room.
      ['taking the seat of someone present', () => okUpdate('cy', R, { 'slots/0': 'cy', 'peers/cy': presence('Cy', '0') }), cyJoins],
      ['freeing the seat of someone present', () => ok(['cy', `${R}/slots/0`, null]), () => ok(['cy', `${R}/slots/5`, null])],
      ['a 17th seat (slots/16)', () => okUpdate('cy', R, { 'slots/16': 'cy', 'peers/cy': presence('Cy', '16') }), cyJoins],
      ['a seat of another name (slots/x)', () => okUpdate('cy', R, { 'slots/x': 'cy', 'peers/cy': presence('Cy', 'x') }), cyJoins],
      ['a seat for someone else', () => okUpdate('cy', R, { 'slots/3': 'dan', 'peers/cy': presence('Cy', '3') }), cyJoins],
      [
        'a second seat without a presence naming it (hoarding seats)',
        () => ok(['ada', `${R}/slots/3`, 'ada']),
        () => okUpdate('ada', R, { 'slots/3': 'ada', 'peers/ada': presence('Ada', '3') }),
      ],
      ['a presence without a seat', () => ok(['cy', `${R}/peers/cy`, { name: 'Cy', beat: NOW }]), cyJoins],
      ['a presence naming a free seat it does not hold', () => ok(['cy', `${R}/peers/cy`, presence('Cy', '3')]), cyJoins],
      ['a presence naming someone else’s seat', () => ok(['cy', `${R}/peers/cy`, presence('Cy', '0')]), cyJoins],
      // Sizes and counts of signals.
      [
        'a signal over 16 KiB',
        () => ok(['ada', adaSignals[1], signal('ada', 1, 'x'.repeat(16385))]),
        () => ok(['ada', adaSignals[1], signal('ada', 1, 'x'.repeat(16384))]),
      ],
      [
        'a 101st unread signal of a sender (key m100)',
        () => ok(['ada', `${R}/inbox/bob/ada/m100`, signal('ada', 100)]),
        () => ok(['ada', `${R}/inbox/bob/ada/m99`, signal('ada', 99)]),
      ],
      ['a signal under a push id instead of m0…m99', () => ok(['ada', `${R}/inbox/bob/ada/-Nabc`, signal('ada', 1)]), () => ok(adaSignals)],
      [
        'a signal key with a leading zero (m07)',
        () => ok(['ada', `${R}/inbox/bob/ada/m07`, signal('ada', 7)]),
        () => ok(['ada', `${R}/inbox/bob/ada/m7`, signal('ada', 7)]),
      ],
      ['filling an inbox wholesale', () => ok(['ada', `${R}/inbox/bob`, { ada: { m1: signal('ada', 1) } }]), () => ok(adaSignals)],
      [
        'filling one’s sender box wholesale',
        () => ok(['ada', `${R}/inbox/bob/ada`, { m1: signal('ada', 1), m2: signal('ada', 2) }]),
        () => ok(adaSignals),
      ],
      ['a signal to a peer who is not present', () => ok(['ada', `${R}/inbox/zoe/ada/m1`, signal('ada', 1)]), () => ok(adaSignals)],
      ['a signal from a peer who is not present', () => ok(['eve', `${R}/inbox/ada/eve/m1`, signal('eve', 1)]), () => ok(bobSignals)],
      ['a signal without a seq', () => ok(['ada', adaSignals[1], { from: 'ada', data: '{}' }]), () => ok(adaSignals)],
      [
        'a signal whose data is not a string',
        () => ok(['ada', adaSignals[1], { from: 'ada', seq: 1, data: { sdp: 'x' } }]),
        () => ok(adaSignals),
      ],
      ['a signal with an extra field', () => ok(['ada', adaSignals[1], { ...signal('ada', 1), x: 1 }]), () => ok(adaSignals)],
      // The layout.
      ['anything at the root', () => ok(['ada', '/', { x: 1 }]), () => ok(adaSignals)],
      ['another top-level key', () => ok(['ada', '/elsewhere/secret', 2]), () => ok(adaSignals)],
      ['a whole room at once', () => ok(['cy', R, { peers: { cy: presence('Cy', '3') }, slots: { 3: 'cy' } }]), cyJoins],
      ['the list of rooms', () => ok(['ada', '/video-call-rooms', null]), () => ok(['ada', `${R}/peers/ada`, null])],
      ['a room key other than peers, slots and inbox', () => ok(['ada', `${R}/chat/m`, { text: 'hi' }]), () => ok(adaSignals)],
      [
        'presence with an extra field',
        () => ok(['ada', `${R}/peers/ada`, { ...presence('Ada', '0'), admin: true }]),
        () => ok(['ada', `${R}/peers/ada`, presence('Ada', '0')]),
      ],
      [
        'a 65-character name',
        () => ok(['ada', `${R}/peers/ada`, presence('n'.repeat(65), '0')]),
        () => ok(['ada', `${R}/peers/ada`, presence('n'.repeat(64), '0')]),
      ],
      ['a beat that is not the server time', () => ok(['ada', adaBeats[1], T - 60_000]), () => ok(adaBeats)],
      ['a beat alone, with no presence', () => ok(['zoe', `${R}/peers/zoe/beat`, NOW]), () => ok(adaBeats)],
      ['removing the beat of its own presence', () => ok(['ada', adaBeats[1], null]), () => ok(adaBeats)],
    ];
    for (const [what, attack, control] of cases) {
      it(what, () => {
        const legit = control();
        assert.equal(legit.allowed, true, `the legitimate write was refused: ${legit.info}`);
        assert.equal(attack().allowed, false, `${what} was allowed`);
      });
    }
    it('reads of others’ inboxes, of everything outside the layout, and anything signed out (the owner may read its inbox)', () => {
      assert.equal(as('ada').read(`${R}/inbox/ada`).allowed, true);
      assert.equal(as('ada').read(`${R}/slots`).allowed, true);
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
      await assert.rejects(
        set(r(bob.db, `inbox/${ada.uid}/${bob.uid}/m1`), { from: `${bob.uid}/name`, seq: 1, data: '{}' }),
        /permission/i,
      );
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
