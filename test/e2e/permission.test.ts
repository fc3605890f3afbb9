/**
 * Camera and mic refused for real. This browser runs WITHOUT --use-fake-ui-for-media-stream
 * (that flag answers every prompt with "allow" and overrides even a denied permission), but
 * with the fake capture devices, so a permitted page still gets media.
 *
 * How the refusal happens: headless Chromium has no prompt UI; a page whose permission is
 * still "prompt" gets NotAllowedError at once (it does not hang). To make the refusal
 * explicit and deterministic we put Dee's context in the state a person reaches by clicking
 * "Block" (site settings: camera and microphone denied): `context.grantPermissions([])`
 * grants nothing and sets every other permission to denied, so
 * `navigator.permissions.query({name: 'camera'})` answers "denied" and getUserMedia rejects
 * with NotAllowedError. Bob's context is granted camera and microphone the same way a
 * person's click on "Allow" would.
 *
 * Only one of the two refused, the same way. Granting only 'microphone' leaves
 * the camera denied, the state a person reaches by blocking the camera alone in the site
 * settings: Chromium then refuses a request for both at once (NotAllowedError), and the
 * element must still get the mic on its own (and the other way round). Both blocked must
 * not turn into more requests. (A dismissed prompt, both still "prompt", cannot be made
 * here: a headless context grants or denies; the engine's rule is that it retries only
 * when exactly one of the two is "denied".)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { callPage, closeAll, events, newPerson, room, selfId, waitForEvent, waitForLiveVideos, useStage, type Person } from './harness.js';

const stage = useStage({ fakeUi: false });

/** Sum of what the page's peer connections have decoded of incoming audio. */
function inboundAudio(p: Person) {
  return p.page.evaluate(async () => {
    const pcs = (window as unknown as { __vc: { pcs: RTCPeerConnection[] } }).__vc.pcs;
    let samples = 0;
    let energy = 0;
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((r: Record<string, unknown>) => {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') {
          samples += Number(r.totalSamplesReceived ?? 0);
          energy += Number(r.totalAudioEnergy ?? 0);
        }
      });
    }
    return { samples, energy };
  });
}

test(
  'camera and mic refused: vc-error permission-denied, a readable message, and Dee still joins and sees and hears Bob',
  { timeout: 60_000 },
  async () => {
    const people: Person[] = [];
    try {
      const r = room('denied');
      const bob = await newPerson(stage.browser, 'Bob', (ctx) =>
        ctx.grantPermissions(['camera', 'microphone'], { origin: stage.web.origin }),
      );
      people.push(bob);
      await bob.page.goto(stage.web.addPage(callPage({ relayUrl: stage.relay.url, room: r, name: 'Bob' })));
      const bobId = await selfId(bob.page);

      // Dee joins second, so she is the one who makes the first offer, with nothing to send.
      const dee = await newPerson(stage.browser, 'Dee', (ctx) => ctx.grantPermissions([]));
      people.push(dee);
      // Not waiting for `load` here: see the next test.
      await dee.page.goto(stage.web.addPage(callPage({ relayUrl: stage.relay.url, room: r, name: 'Dee' })), {
        waitUntil: 'domcontentloaded',
      });

      const err = await waitForEvent<{ code: string; message: string }>(dee.page, 'vc-error', { code: 'permission-denied' });
      assert.equal(
        await dee.page.evaluate(() => navigator.permissions.query({ name: 'camera' as PermissionName }).then((s) => s.state)),
        'denied',
        "the refusal is real: the page's camera permission is denied",
      );
      assert.equal(
        await dee.page.evaluate(() => (window as unknown as { __vc: { gumTracks: unknown[] } }).__vc.gumTracks.length),
        0,
        'getUserMedia never gave Dee a track',
      );

      // Still joins, receive-only, and the call connects both ways.
      const deeId = await selfId(dee.page);
      assert.equal(await dee.page.evaluate(() => document.querySelector('video-call')!.state), 'joined');
      await waitForEvent(dee.page, 'vc-peer-connected', { peerId: bobId });
      await waitForEvent(bob.page, 'vc-peer-connected', { peerId: deeId });

      // Dee sees Bob: live frames.
      await waitForLiveVideos(dee.page, [bobId]);
      // Dee hears Bob: audio samples keep being decoded, and they are not silence (the fake mic beeps).
      const deadline = Date.now() + 15_000;
      const first = await inboundAudio(dee);
      let last = first;
      while (Date.now() < deadline) {
        await dee.page.waitForTimeout(500);
        last = await inboundAudio(dee);
        if (last.samples > first.samples + 8000 && last.energy > 0) break;
      }
      assert.ok(last.samples > first.samples + 8000 && last.energy > 0, `Dee decodes Bob's audio: ${JSON.stringify({ first, last })}`);
      const remoteAudio = await dee.page.evaluate(() => {
        const v = document.querySelector('video-call')!.shadowRoot!.querySelector<HTMLVideoElement>('video[part~="remote-video"]')!;
        const a = (v.srcObject as MediaStream | null)?.getAudioTracks()[0];
        return { muted: v.muted, track: a?.readyState ?? null };
      });
      assert.deepEqual(remoteAudio, { muted: false, track: 'live' }, "Bob's audio plays through the unmuted remote video");

      // A readable message in the element, not a code, still there once the call is up (checked
      // last so that a failure here does not hide the checks above).
      const shown = dee.page.locator('video-call >> [part="error"]');
      await shown
        .waitFor({ state: 'visible', timeout: 5_000 })
        .catch(() => assert.fail('no [part="error"] message is shown once Dee has joined'));
      const text = ((await shown.textContent()) ?? '').trim();
      assert.match(text, /camera|microphone/i, `message names what was refused: "${text}"`);
      assert.ok(text.length >= 20 && !/^[a-z-]+$/.test(text), `message is a sentence: "${text}"`);
      assert.ok(text.includes(err.detail.message.slice(0, 20)), 'the element shows the vc-error message');

      for (const p of people) assert.deepEqual(p.errors, [], `${p.name}: no page errors`);
    } finally {
      await closeAll(...people.map((p) => () => p.context.close()));
    }
  },
);

test('camera and mic refused: the embedding page still finishes loading (its load event fires)', { timeout: 30_000 }, async () => {
  // A <video> whose srcObject is a MediaStream with no tracks keeps the document's load
  // event pending forever in Chromium (the tab's spinner never stops, window.onload never runs).
  const dee = await newPerson(stage.browser, 'Dee', (ctx) => ctx.grantPermissions([]));
  try {
    await dee.page.goto(stage.web.addPage(callPage({ relayUrl: stage.relay.url, room: room('denied-load'), name: 'Dee' })), {
      waitUntil: 'domcontentloaded',
    });
    await waitForEvent(dee.page, 'vc-error', { code: 'permission-denied' });
    await selfId(dee.page);
    const state = await dee.page
      .waitForFunction(() => document.readyState === 'complete', undefined, { timeout: 5_000 })
      .then(() => 'complete')
      .catch(() =>
        dee.page.evaluate(() => {
          const stuck = [...document.querySelector('video-call')!.shadowRoot!.querySelectorAll('video')]
            .filter((v) => v.srcObject instanceof MediaStream && v.srcObject.getTracks().length === 0)
            .map((v) => v.getAttribute('part'));
          return `${document.readyState}; <video> with a track-less srcObject: ${stuck.join(', ') || 'none'}`;
        }),
      );
    assert.equal(state, 'complete', 'document.readyState 5 s after joining');
  } finally {
    await closeAll(() => dee.context.close());
  }
});

/** Counts getUserMedia calls (what was asked, in order); calls through unchanged. */
async function countRequests(ctx: BrowserContext) {
  await ctx.addInitScript(() => {
    const asked: string[] = [];
    (window as unknown as { __gumAsked: string[] }).__gumAsked = asked;
    const md = navigator.mediaDevices;
    const gum = md.getUserMedia.bind(md);
    md.getUserMedia = (c?: MediaStreamConstraints) => {
      asked.push([c?.audio ? 'audio' : '', c?.video ? 'video' : ''].filter(Boolean).join('+'));
      return gum(c);
    };
  });
}

const asked = (p: Person) => p.page.evaluate(() => (window as unknown as { __gumAsked: string[] }).__gumAsked);
const permission = (p: Person, name: string) =>
  p.page.evaluate((n) => navigator.permissions.query({ name: n as PermissionName }).then((s) => s.state), name);
const gumKinds = (p: Person) =>
  p.page.evaluate(() =>
    (window as unknown as { __vc: { gumTracks: MediaStreamTrack[] } }).__vc.gumTracks.map((t) => `${t.kind}:${t.readyState}`),
  );

/** What `viewer` receives of `peerId`: the remote stream's tracks, and the audio it decoded. */
function received(viewer: Person, peerId: string) {
  return viewer.page.evaluate(async (id) => {
    const v = document
      .querySelector('video-call')!
      .shadowRoot!.querySelector<HTMLVideoElement>(`video[part~="remote-video"][data-peer-id="${id}"]`);
    const s = v?.srcObject as MediaStream | null | undefined;
    let samples = 0;
    let energy = 0;
    for (const pc of (window as unknown as { __vc: { pcs: RTCPeerConnection[] } }).__vc.pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((r: Record<string, unknown>) => {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') {
          samples += Number(r.totalSamplesReceived ?? 0);
          energy += Number(r.totalAudioEnergy ?? 0);
        }
      });
    }
    return {
      audio: s?.getAudioTracks().map((t) => t.readyState) ?? [],
      video: s?.getVideoTracks().map((t) => t.readyState) ?? [],
      samples,
      energy,
    };
  }, peerId);
}

/** The error message the element shows. */
async function shownError(p: Person): Promise<string> {
  const shown = p.page.locator('video-call >> [part="error"]');
  await shown.waitFor({ state: 'visible', timeout: 5_000 });
  return ((await shown.textContent()) ?? '').trim();
}

async function bobAndMia(label: string, miaGrants: string[]) {
  const r = room(label);
  const bob = await newPerson(stage.browser, 'Bob', (ctx) => ctx.grantPermissions(['camera', 'microphone'], { origin: stage.web.origin }));
  await bob.page.goto(stage.web.addPage(callPage({ relayUrl: stage.relay.url, room: r, name: 'Bob' })));
  const bobId = await selfId(bob.page);
  const mia = await newPerson(stage.browser, 'Mia', async (ctx) => {
    await ctx.grantPermissions(miaGrants, { origin: stage.web.origin });
    await countRequests(ctx);
  });
  await mia.page.goto(stage.web.addPage(callPage({ relayUrl: stage.relay.url, room: r, name: 'Mia' })), { waitUntil: 'domcontentloaded' });
  return { bob, bobId, mia };
}

test(
  'only the camera blocked: Mia joins with her mic (Bob hears her) and is told the camera was refused',
  { timeout: 60_000 },
  async () => {
    const { bob, bobId, mia } = await bobAndMia('cam-blocked', ['microphone']);
    try {
      const err = await waitForEvent<{ code: string; message: string }>(mia.page, 'vc-error', { code: 'permission-denied' });
      assert.equal(await permission(mia, 'camera'), 'denied', 'the camera refusal is real');
      assert.equal(await permission(mia, 'microphone'), 'granted');
      const miaId = await selfId(mia.page);
      await waitForEvent(bob.page, 'vc-peer-connected', { peerId: miaId });
      await waitForEvent(mia.page, 'vc-peer-connected', { peerId: bobId });

      assert.deepEqual(await gumKinds(mia), ['audio:live'], 'Mia got her mic, and no camera');
      assert.deepEqual(await asked(mia), ['audio+video', 'audio'], 'both asked once, then the mic alone once');

      // Bob is told Mia's mic is on and her camera off, and hears her (the fake mic beeps).
      await waitForEvent(bob.page, 'vc-peer-media', { peerId: miaId, audio: true, video: false });
      const deadline = Date.now() + 15_000;
      const first = await received(bob, miaId);
      let last = first;
      while (Date.now() < deadline && !(last.samples > first.samples + 8000 && last.energy > 0 && last.audio[0] === 'live')) {
        await bob.page.waitForTimeout(500);
        last = await received(bob, miaId);
      }
      assert.deepEqual(last.audio, ['live'], `Bob's stream of Mia has a live audio track: ${JSON.stringify(last)}`);
      assert.ok(last.samples > first.samples + 8000 && last.energy > 0, `Bob decodes Mia's audio: ${JSON.stringify({ first, last })}`);
      const micOn = await mia.page.evaluate(() =>
        document
          .querySelector('video-call')!
          .shadowRoot!.querySelector('button[aria-label="Mute microphone"]')!
          .getAttribute('aria-pressed'),
      );
      assert.equal(micOn, 'false', "Mia's mic button shows on");

      assert.match(err.detail.message, /camera/i);
      assert.doesNotMatch(err.detail.message, /microphone/i, `only the camera is said refused: "${err.detail.message}"`);
      const text = await shownError(mia);
      assert.ok(text.includes(err.detail.message.slice(0, 30)), `the element shows it: "${text}"`);
      for (const p of [bob, mia]) assert.deepEqual(p.errors, [], `${p.name}: no page errors`);
    } finally {
      await closeAll(
        () => mia.context.close(),
        () => bob.context.close(),
      );
    }
  },
);

test(
  'only the mic blocked: Mia joins with her camera (Bob sees her) and is told the microphone was refused',
  { timeout: 60_000 },
  async () => {
    const { bob, bobId, mia } = await bobAndMia('mic-blocked', ['camera']);
    try {
      const err = await waitForEvent<{ code: string; message: string }>(mia.page, 'vc-error', { code: 'permission-denied' });
      assert.equal(await permission(mia, 'microphone'), 'denied', 'the mic refusal is real');
      const miaId = await selfId(mia.page);
      await waitForEvent(mia.page, 'vc-peer-connected', { peerId: bobId });
      assert.deepEqual(await gumKinds(mia), ['video:live'], 'Mia got her camera, and no mic');
      assert.deepEqual(await asked(mia), ['audio+video', 'video']);
      await waitForEvent(bob.page, 'vc-peer-media', { peerId: miaId, audio: false, video: true });
      await waitForLiveVideos(bob.page, [miaId]);
      assert.match(err.detail.message, /microphone/i);
      assert.doesNotMatch(err.detail.message, /camera/i, `only the mic is said refused: "${err.detail.message}"`);
      for (const p of [bob, mia]) assert.deepEqual(p.errors, [], `${p.name}: no page errors`);
    } finally {
      await closeAll(
        () => mia.context.close(),
        () => bob.context.close(),
      );
    }
  },
);

test('both blocked: asked once, not again one by one (no extra prompts)', { timeout: 30_000 }, async () => {
  const mia = await newPerson(stage.browser, 'Mia', async (ctx) => {
    await ctx.grantPermissions([]);
    await countRequests(ctx);
  });
  try {
    await mia.page.goto(stage.web.addPage(callPage({ relayUrl: stage.relay.url, room: room('both-blocked'), name: 'Mia' })), {
      waitUntil: 'domcontentloaded',
    });
    await waitForEvent(mia.page, 'vc-error', { code: 'permission-denied' });
    await selfId(mia.page);
    assert.deepEqual([await permission(mia, 'camera'), await permission(mia, 'microphone')], ['denied', 'denied']);
    await mia.page.waitForTimeout(500);
    assert.deepEqual(await asked(mia), ['audio+video'], 'asked once');
    assert.equal((await events(mia.page, 'vc-error')).length, 1);
  } finally {
    await closeAll(() => mia.context.close());
  }
});
