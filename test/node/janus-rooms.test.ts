/**
 * Issue 13, the parts of server/janus-rooms.ts and server/janus-tokens.ts that need no Janus:
 * the environment (JANUS_URLS, JANUS_ADMIN_KEY, JANUS_TOKEN_SECRET, JANUS_TOKEN_TTL), the
 * choice of a Janus for a room (rendezvous hashing: the same from every relay process, whatever
 * the order of the list; rooms spread; adding an instance moves only rooms to it), the room's
 * identity on Janus, the room token's format. (Against a real Janus: test/e2e/janus-*.test.ts.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { janusOptionsFromEnv, janusRoomIdentity, JanusRooms, pickJanus } from '../../server/janus-rooms.js';
import { mintRoomToken } from '../../server/janus-tokens.js';

const KEY = 'k'.repeat(16);
const SECRET = 's'.repeat(16);

test('janusOptionsFromEnv: unset is no SFU; URLs, keys and TTL are read; malformed values throw with the variable named', () => {
  assert.equal(janusOptionsFromEnv({}), undefined);
  assert.deepEqual(
    janusOptionsFromEnv({
      JANUS_URLS: ' wss://a.example/janus , ws://10.0.0.2:8188 ',
      JANUS_ADMIN_KEY: KEY,
      JANUS_TOKEN_SECRET: SECRET,
      JANUS_TOKEN_TTL: '3600',
    }),
    {
      urls: ['wss://a.example/janus', 'ws://10.0.0.2:8188'],
      adminKey: KEY,
      tokenSecret: SECRET,
      ttlSeconds: 3600,
    },
  );
  const ok = { JANUS_URLS: 'wss://a.example', JANUS_ADMIN_KEY: KEY, JANUS_TOKEN_SECRET: SECRET };
  assert.throws(() => janusOptionsFromEnv({ JANUS_ADMIN_KEY: KEY }), /JANUS_ADMIN_KEY is set but JANUS_URLS is not/);
  assert.throws(() => janusOptionsFromEnv({ ...ok, JANUS_URLS: 'https://a.example' }), /not a ws:\/\/ or wss:\/\/ URL/);
  assert.throws(() => janusOptionsFromEnv({ ...ok, JANUS_URLS: 'wss://a,wss://a' }), /same URL twice/);
  assert.throws(() => janusOptionsFromEnv({ ...ok, JANUS_ADMIN_KEY: '' }), /JANUS_ADMIN_KEY is not/);
  assert.throws(() => janusOptionsFromEnv({ ...ok, JANUS_TOKEN_SECRET: undefined }), /JANUS_TOKEN_SECRET is not/);
  assert.throws(() => janusOptionsFromEnv({ ...ok, JANUS_TOKEN_SECRET: 'short' }), /at least 16/);
  assert.throws(() => janusOptionsFromEnv({ ...ok, JANUS_TOKEN_TTL: '59' }), /JANUS_TOKEN_TTL/);
  assert.throws(() => janusOptionsFromEnv({ ...ok, JANUS_TOKEN_TTL: '1.5' }), /JANUS_TOKEN_TTL/);
});

test('pickJanus: a pure function of the room and the set of URLs (any order), spreading rooms; a new instance takes rooms only to itself', () => {
  const urls = ['wss://j1.example', 'wss://j2.example', 'wss://j3.example'];
  const rooms = Array.from({ length: 3000 }, (_, i) => `room-${i}`);
  const counts = new Map<string, number>();
  for (const r of rooms) {
    const url = pickJanus(urls, r);
    assert.equal(pickJanus([...urls].reverse(), r), url, 'order of JANUS_URLS does not matter');
    assert.equal(pickJanus(urls, r), url, 'stable');
    counts.set(url, (counts.get(url) ?? 0) + 1);
  }
  for (const u of urls) assert.ok(counts.get(u)! > 850 && counts.get(u)! < 1150, `even spread: ${JSON.stringify([...counts])}`);
  const grown = [...urls, 'wss://j4.example'];
  let moved = 0;
  for (const r of rooms) {
    const before = pickJanus(urls, r);
    const after = pickJanus(grown, r);
    if (after !== before) {
      moved++;
      assert.equal(after, 'wss://j4.example', 'a room moves only to the new instance');
    }
  }
  assert.ok(moved > 600 && moved < 900, `about a quarter moved: ${moved}`);
  assert.throws(() => pickJanus([], 'r'), /no Janus URL/);
});

test('the room on Janus: id, pin, secret are stable per room, differ between rooms and keys, are not the name, and fit a token descriptor', () => {
  const a = janusRoomIdentity(KEY, 'standup');
  assert.deepEqual(janusRoomIdentity(KEY, 'standup'), a, 'every relay process derives the same');
  assert.notEqual(janusRoomIdentity(KEY, 'standup2').id, a.id);
  assert.notEqual(janusRoomIdentity('x'.repeat(16), 'standup').id, a.id, 'unguessable without the admin key');
  assert.ok(!a.id.includes('standup'));
  assert.notEqual(a.pin, a.secret);
  // Janus truncates the `room=<id>` descriptor at 99 characters; the token format forbids , and :.
  assert.match(a.id, /^vc-[A-Za-z0-9_-]{24}$/);
  assert.match(
    mintRoomToken(SECRET, a.id, { ttlSeconds: 60, nowMs: 0 }),
    new RegExp(`^60,janus\\.plugin\\.videoroom,room=${a.id}:[A-Za-z0-9+/]{27}=$`),
  );
  const rooms = new JanusRooms({ urls: ['wss://j1', 'wss://j2'], adminKey: KEY, tokenSecret: SECRET });
  assert.deepEqual(rooms.locate('standup'), { url: pickJanus(['wss://j1', 'wss://j2'], 'standup'), id: a.id });
});

test('relayOptionsFromEnv reads the Janus settings (JANUS_URLS and its secrets) into options.janus, and refuses half a configuration', async () => {
  const { relayOptionsFromEnv } = await import('../../server/options.js');
  assert.equal(relayOptionsFromEnv({}).janus, undefined);
  assert.deepEqual(relayOptionsFromEnv({ JANUS_URLS: 'wss://j.example', JANUS_ADMIN_KEY: KEY, JANUS_TOKEN_SECRET: SECRET }).janus, {
    urls: ['wss://j.example'],
    adminKey: KEY,
    tokenSecret: SECRET,
  });
  assert.throws(() => relayOptionsFromEnv({ JANUS_URLS: 'wss://j.example', JANUS_ADMIN_KEY: KEY }), /JANUS_TOKEN_SECRET/);
});
