/**
 * Issue 13: the relay's Janus tokens (server/janus-tokens.ts) against a real Janus (Debian's
 * `janus`, in a network namespace of the lab: test/e2e/janus.ts) in signed-token mode. Janus
 * itself accepts a minted token (session, VideoRoom handle) and refuses one signed with another
 * secret, an expired one, one whose signature was tampered with, and one for another plugin.
 * Needs root (namespaces) and janus: without them the suite fails with the reason (it never skips).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { JANUS_ERROR, JanusConnection, JanusError } from '../../server/janus-client.js';
import { mintJanusToken, signJanusToken, tokenExpiry, VIDEOROOM_PLUGIN } from '../../server/janus-tokens.js';
import { startJanus, type JanusLabServer } from './janus.js';
import { createLab, type Lab } from './netns.js';

let lab: Lab | undefined;
let janus: JanusLabServer | undefined;
const open: JanusConnection[] = [];

before(async () => {
  lab = createLab(1);
  janus = await startJanus({ side: lab.sides[0] });
});

after(async () => {
  for (const c of open) c.close();
  await janus?.close();
  await lab?.teardown();
});

async function connect(): Promise<JanusConnection> {
  const c = await JanusConnection.open(janus!.url);
  open.push(c);
  return c;
}

/** Resolves with Janus's refusal of `p` (fails if Janus accepted). */
async function refusal(p: Promise<unknown>): Promise<JanusError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof JanusError) return e;
    throw e;
  }
  assert.fail('Janus accepted it');
}

test('the lab: Janus loaded only the VideoRoom plugin and the WebSocket transport, in signed-token mode, ICE on the veth', () => {
  const log = janus!.log.join('\n');
  assert.deepEqual(
    log.match(/Loading (?:transport )?plugin '[^']+'/g),
    ["Loading plugin 'libjanus_videoroom.so'", "Loading transport plugin 'libjanus_websockets.so'"],
    log,
  );
  assert.match(log, /Signed-Token based authentication enabled/);
  assert.match(log, new RegExp(`Adding '${lab!.sides[0].nsIf}' to the ICE enforce list`));
});

test('the format: <expiry>,janus,janus.plugin.videoroom:<base64 HMAC-SHA1 of the part before the colon>', () => {
  const token = mintJanusToken('s3cret', { ttlSeconds: 100, nowMs: 1_700_000_000_000 });
  assert.equal(
    token,
    '1700000100,janus,janus.plugin.videoroom:' +
      '2x1aNqNXx9US3X0XEJp6H+hMRXw=' /* printf DATA | openssl dgst -sha1 -hmac s3cret -binary | base64 */,
  );
  assert.equal(tokenExpiry(token), 1_700_000_100);
  assert.throws(() => signJanusToken('s', 'janus', ['a,b']), /contains/);
  assert.throws(() => signJanusToken('', 'janus', ['a']), /empty/);
});

test('Janus accepts a minted token: creates a session with it and attaches the VideoRoom plugin', { timeout: 20_000 }, async () => {
  const c = await connect();
  const session = await c.createSession(mintJanusToken(janus!.tokenSecret, { ttlSeconds: 120 }));
  assert.ok(session.id > 0);
  const handle = await session.attach(VIDEOROOM_PLUGIN);
  assert.ok(handle.id > 0);
  await session.keepalive();
  await session.destroy();
});

test(
  'Janus refuses: no token, a token signed with another secret, a tampered signature, an expired token',
  { timeout: 20_000 },
  async () => {
    const c = await connect();
    assert.equal((await refusal(c.createSession())).code, JANUS_ERROR.UNAUTHORIZED, 'no token');
    assert.equal((await refusal(c.createSession(mintJanusToken(`${janus!.tokenSecret}x`)))).code, JANUS_ERROR.UNAUTHORIZED, 'wrong secret');
    const good = mintJanusToken(janus!.tokenSecret);
    const tampered = good.replace(/,janus,/, ',janus,janus.plugin.echotest,').replace(/:.*/, good.slice(good.indexOf(':')));
    assert.equal((await refusal(c.createSession(tampered))).code, JANUS_ERROR.UNAUTHORIZED, 'data changed, signature kept');
    const expired = mintJanusToken(janus!.tokenSecret, { ttlSeconds: -5 });
    assert.equal((await refusal(c.createSession(expired))).code, JANUS_ERROR.UNAUTHORIZED, 'expired');
    // The control: the same connection, the right token.
    await (await c.createSession(good)).destroy();
  },
);

test('a valid token for another plugin opens a session but cannot attach VideoRoom', { timeout: 20_000 }, async () => {
  const c = await connect();
  const other = signJanusToken(janus!.tokenSecret, 'janus', ['janus.plugin.echotest'], { ttlSeconds: 120 });
  const session = await c.createSession(other);
  assert.equal((await refusal(session.attach(VIDEOROOM_PLUGIN))).code, JANUS_ERROR.UNAUTHORIZED_PLUGIN);
  await session.destroy();
});

test(
  'once its token expires, a session is refused even a keepalive (so the TTL bounds a call without a new token)',
  { timeout: 20_000 },
  async () => {
    const c = await connect();
    const session = await c.createSession(mintJanusToken(janus!.tokenSecret, { ttlSeconds: 2 }));
    const handle = await session.attach(VIDEOROOM_PLUGIN);
    await session.keepalive();
    // Janus compares whole seconds: past the expiry second.
    await new Promise((r) => setTimeout(r, 3200));
    assert.equal((await refusal(session.keepalive())).code, JANUS_ERROR.UNAUTHORIZED);
    assert.equal((await refusal(handle.request({ request: 'list' }))).code, JANUS_ERROR.UNAUTHORIZED);
  },
);
