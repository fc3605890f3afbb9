import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { mintIceServers, turnOptionsFromEnv } from '../../server/turn.js';

test('mintIceServers: username <expiry>:<peer id>, credential base64(HMAC-SHA1(secret, username)), STUN URLs without credentials', () => {
  const now = Date.UTC(2026, 0, 1);
  const servers = mintIceServers(
    { urls: ['turn:t.example:3478?transport=udp', 'turns:t.example:5349', 'stun:t.example:3478'], secret: 'k', ttlSeconds: 600 },
    'peer1',
    now,
  );
  const username = `${now / 1000 + 600}:peer1`;
  assert.deepEqual(servers, [
    {
      urls: ['turn:t.example:3478?transport=udp', 'turns:t.example:5349'],
      username,
      credential: createHmac('sha1', 'k').update(username).digest('base64'),
    },
    { urls: ['stun:t.example:3478'] },
  ]);
});

test('turnOptionsFromEnv: unset is undefined; malformed values are refused with the variable named', () => {
  assert.equal(turnOptionsFromEnv({}), undefined);
  assert.deepEqual(turnOptionsFromEnv({ TURN_URLS: 'turn:a:3478, turns:a:5349', TURN_SECRET: 's', TURN_TTL: '3600' }), {
    urls: ['turn:a:3478', 'turns:a:5349'],
    secret: 's',
    ttlSeconds: 3600,
  });
  assert.throws(() => turnOptionsFromEnv({ TURN_URLS: 'turn:a:3478' }), /TURN_SECRET/);
  assert.throws(() => turnOptionsFromEnv({ TURN_SECRET: 's' }), /TURN_URLS/);
  assert.throws(() => turnOptionsFromEnv({ TURN_URLS: 'http://a', TURN_SECRET: 's' }), /TURN_URLS/);
  assert.throws(() => turnOptionsFromEnv({ TURN_URLS: 'turn:a', TURN_SECRET: 's', TURN_TTL: 'soon' }), /TURN_TTL/);
});
