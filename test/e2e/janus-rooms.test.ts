/**
 * Issue 13: the relay's orchestration of Janus VideoRoom rooms (server/janus-rooms.ts) against
 * two real Janus instances (Debian's `janus`, each in its own network namespace of the lab:
 * test/e2e/janus.ts), configured as docs/sfu.md says (signed tokens, admin_key, string_ids).
 * The relay module creates a room; a client holding what an admitted peer gets (URL, tokens,
 * room id, pin) joins it as a publisher and lists its participants; without a token, with a
 * wrong pin, without the room token, or asking another room, Janus refuses; peers can neither
 * create nor destroy rooms; the room is destroyed when released (not while someone is in it).
 * Needs root (namespaces) and janus: without them the suite fails with the reason (it never skips).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  JANUS_ERROR,
  JanusConnection,
  JanusError,
  VIDEOROOM_ERROR,
  type JanusHandle,
  type JanusSession,
} from '../../server/janus-client.js';
import { janusRoomIdentity, JanusRooms, pickJanus, type JanusOptions, type SfuAccess } from '../../server/janus-rooms.js';
import { mintJanusToken, VIDEOROOM_PLUGIN } from '../../server/janus-tokens.js';
import { startJanus, type JanusLabServer } from './janus.js';
import { createLab, type Lab } from './netns.js';

let lab: Lab | undefined;
const janus: JanusLabServer[] = [];
const open: JanusConnection[] = [];
let options: JanusOptions;
const adminKey = `admin-${Math.random().toString(36).slice(2)}-${Date.now()}`;
const tokenSecret = `tokens-${Math.random().toString(36).slice(2)}-${Date.now()}`;
const tag = Math.random().toString(36).slice(2, 8);

before(async () => {
  lab = createLab(2);
  // Two instances sharing the admin key and the token secret, as JANUS_URLS deployments do.
  for (const side of lab.sides) janus.push(await startJanus({ side, adminKey, tokenSecret }));
  options = { urls: janus.map((j) => j.url), adminKey, tokenSecret };
});

after(async () => {
  for (const c of open) c.close();
  for (const j of janus) await j.close();
  await lab?.teardown();
});

/** A peer's session on the Janus of `access`, with a VideoRoom handle. */
async function peerHandle(url: string, token?: string): Promise<{ session: JanusSession; handle: JanusHandle }> {
  const c = await JanusConnection.open(url);
  open.push(c);
  const session = await c.createSession(token);
  return { session, handle: await session.attach(VIDEOROOM_PLUGIN) };
}

/** Joins as a publisher with what the relay handed (fields overridable); resolves with the `joined` data. */
async function join(
  handle: JanusHandle,
  access: SfuAccess,
  display: string,
  override: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const m = await handle.message({
    request: 'join',
    ptype: 'publisher',
    room: access.room,
    pin: access.pin,
    token: access.roomToken,
    display,
    ...override,
  });
  return m.plugindata!.data;
}

async function refusal(p: Promise<unknown>): Promise<JanusError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof JanusError) return e;
    throw e;
  }
  assert.fail('Janus accepted it');
}

/** The relay's own view of a Janus: does the room exist there? (`exists` needs no pin.) */
async function existsOn(url: string, id: string): Promise<boolean> {
  const { session, handle } = await peerHandle(url, mintJanusToken(tokenSecret, { ttlSeconds: 60 }));
  try {
    return (await handle.request({ request: 'exists', room: id })).exists === true;
  } finally {
    await session.destroy();
  }
}

async function participants(handle: JanusHandle, room: string): Promise<string[]> {
  const list = await handle.request({ request: 'listparticipants', room });
  return (list.participants as { display?: string }[]).map((p) => p.display ?? '').sort();
}

test(
  'an admitted peer joins the room the relay created, as a publisher, and lists its participants; a second relay process sends its peer to the same room',
  { timeout: 30_000 },
  async () => {
    const room = `standup-${tag}`;
    const relay1 = new JanusRooms(options);
    const relay2 = new JanusRooms({ ...options, urls: [...options.urls].reverse() }); // another process; order of JANUS_URLS does not matter
    const ann = await relay1.admit(room, { maxPeers: 20 });
    const bob = await relay2.admit(room, { maxPeers: 20 });
    assert.equal(ann.url, pickJanus(options.urls, room));
    assert.deepEqual([bob.url, bob.room, bob.pin], [ann.url, ann.room, ann.pin], 'both relay processes name the same Janus, room and pin');
    assert.notEqual(ann.room, room, 'the Janus room id is not the (guessable) room name');
    const other = options.urls.find((u) => u !== ann.url)!;
    assert.deepEqual(
      [await existsOn(ann.url, ann.room), await existsOn(other, ann.room)],
      [true, false],
      'the room exists on its Janus only',
    );

    const a = await peerHandle(ann.url, ann.token);
    const joined = await join(a.handle, ann, 'Ann');
    assert.equal(joined.videoroom, 'joined');
    assert.equal(joined.room, ann.room);
    const b = await peerHandle(bob.url, bob.token);
    const bobJoined = await join(b.handle, bob, 'Bob');
    assert.equal(bobJoined.videoroom, 'joined');
    assert.deepEqual(await participants(a.handle, ann.room), ['Ann', 'Bob']);
    await a.session.destroy();
    await b.session.destroy();
    await waitForEmpty(ann.url, ann.room);
    assert.equal(await relay1.release(room), 'destroyed');
  },
);

test(
  "Janus refuses: no token; the wrong pin; no room token; another room's tokens and pin; a peer creating or destroying rooms",
  { timeout: 30_000 },
  async () => {
    const rooms = new JanusRooms(options);
    // Two rooms on the same Janus (so "another room" is refused by room, not by server).
    const names = Array.from({ length: 40 }, (_, i) => `r${i}-${tag}`);
    const [roomA, roomB] = names.filter((n) => pickJanus(options.urls, n) === options.urls[0]);
    const a = await rooms.admit(roomA, { maxPeers: 8 });
    const b = await rooms.admit(roomB, { maxPeers: 8 });
    let peer: Awaited<ReturnType<typeof peerHandle>> | undefined;
    try {
      // No token at all: no session.
      const c = await JanusConnection.open(a.url);
      open.push(c);
      assert.equal((await refusal(c.createSession())).code, JANUS_ERROR.UNAUTHORIZED, 'no token');

      peer = await peerHandle(a.url, a.token);
      const h = peer.handle;
      assert.equal((await refusal(join(h, a, 'Eve', { pin: 'not-the-pin' }))).code, VIDEOROOM_ERROR.UNAUTHORIZED, 'wrong pin');
      assert.ok([VIDEOROOM_ERROR.UNAUTHORIZED, 429].includes((await refusal(join(h, a, 'Eve', { pin: undefined }))).code as 433), 'no pin');
      assert.equal((await refusal(join(h, a, 'Eve', { token: undefined }))).code, VIDEOROOM_ERROR.UNAUTHORIZED, 'no room token');
      // Admitted to A, asking for B: with A's room token and pin, with A's room token and B's pin, with B's room token and A's pin.
      assert.equal(
        (await refusal(join(h, a, 'Eve', { room: b.room }))).code,
        VIDEOROOM_ERROR.UNAUTHORIZED,
        "A's tokens and pin for room B",
      );
      assert.equal(
        (await refusal(join(h, a, 'Eve', { room: b.room, pin: b.pin }))).code,
        VIDEOROOM_ERROR.UNAUTHORIZED,
        "A's room token, B's pin",
      );
      assert.equal((await refusal(join(h, b, 'Eve', { pin: a.pin }))).code, VIDEOROOM_ERROR.UNAUTHORIZED, "B's room token, A's pin");
      // A room token of another Janus room id cannot be made from A's: the id is not the name.
      assert.notEqual(janusRoomIdentity(adminKey, roomB).id, roomB);

      // Peers cannot create rooms (no admin_key, or a guessed one) nor destroy one (the secret never leaves the relay).
      const create = { request: 'create', room: `evil-${tag}`, publishers: 50 };
      assert.ok([VIDEOROOM_ERROR.UNAUTHORIZED, 429].includes((await refusal(h.request(create))).code as 433), 'create without admin_key');
      assert.equal(
        (await refusal(h.request({ ...create, admin_key: 'guess' }))).code,
        VIDEOROOM_ERROR.UNAUTHORIZED,
        'create with a wrong admin_key',
      );
      assert.equal(
        (await refusal(h.request({ request: 'destroy', room: a.room, secret: a.pin }))).code,
        VIDEOROOM_ERROR.UNAUTHORIZED,
        'destroy with the pin as secret',
      );
      assert.ok(
        [VIDEOROOM_ERROR.UNAUTHORIZED, 429].includes((await refusal(h.request({ request: 'destroy', room: a.room }))).code as 433),
        'destroy without secret',
      );
      // The rooms are private: not in a peer's list.
      const list = (await h.request({ request: 'list' })).list as { room: string }[];
      assert.deepEqual(
        list.filter((r) => r.room === a.room || r.room === b.room),
        [],
      );

      // The control: the same handle, exactly what the relay handed: admitted.
      assert.equal((await join(h, a, 'Ann')).videoroom, 'joined');
      await peer.session.destroy();
      peer = undefined;
      await waitForEmpty(a.url, a.room);
      assert.equal(await rooms.release(roomA), 'destroyed');
      assert.equal(await rooms.release(roomB), 'destroyed');
    } finally {
      // Best effort (an assertion above failed): leave nothing behind, mask nothing.
      await peer?.session.destroy().catch(() => {});
      for (const r of [roomA, roomB]) await rooms.release(r).catch(() => {});
    }
  },
);

test(
  'release: left alone while Janus lists someone in the room; destroyed once empty (a later join: no such room); then absent',
  { timeout: 30_000 },
  async () => {
    const room = `release-${tag}`;
    const rooms = new JanusRooms(options);
    const access = await rooms.admit(room, { maxPeers: 4 });
    const peer = await peerHandle(access.url, access.token);
    assert.equal((await join(peer.handle, access, 'Ann')).videoroom, 'joined');
    assert.equal(await rooms.release(room), 'busy', 'someone (admitted through another relay process, say) is still in it');
    assert.equal(await existsOn(access.url, access.room), true);
    await peer.handle.message({ request: 'leave' });
    await waitForEmpty(access.url, access.room);
    assert.equal(await rooms.release(room), 'destroyed');
    assert.equal(await existsOn(access.url, access.room), false);
    const late = await peerHandle(access.url, access.token);
    assert.equal((await refusal(join(late.handle, access, 'Bob'))).code, VIDEOROOM_ERROR.NO_SUCH_ROOM);
    await late.session.destroy();
    assert.equal(await rooms.release(room), 'absent');
    await peer.session.destroy();
  },
);

test(
  'rooms spread over JANUS_URLS: each room is created on the Janus pickJanus names, and both instances get rooms',
  { timeout: 30_000 },
  async () => {
    const rooms = new JanusRooms(options);
    const names = Array.from({ length: 8 }, (_, i) => `spread${i}-${tag}`);
    const placed = new Map<string, number>();
    try {
      for (const name of names) {
        const access = await rooms.admit(name, { maxPeers: 4 });
        const other = options.urls.find((u) => u !== access.url)!;
        assert.deepEqual([await existsOn(access.url, access.room), await existsOn(other, access.room)], [true, false], name);
        placed.set(access.url, (placed.get(access.url) ?? 0) + 1);
      }
      assert.equal(placed.size, 2, `both instances used: ${JSON.stringify([...placed])}`);
    } finally {
      for (const name of names) await rooms.release(name);
    }
  },
);

/** Waits until Janus lists nobody in `id` (a leave or a destroyed session is processed asynchronously). */
async function waitForEmpty(url: string, id: string): Promise<void> {
  const { session, handle } = await peerHandle(url, mintJanusToken(tokenSecret, { ttlSeconds: 60 }));
  try {
    for (let i = 0; i < 50; i++) {
      if ((await participants(handle, id)).length === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`Janus still lists participants in ${id}`);
  } finally {
    await session.destroy();
  }
}
