/**
 * Only one of camera and microphone refused, for real (see permission.test.ts for how: a
 * browser WITHOUT --use-fake-ui-for-media-stream, fake capture devices, and the context's
 * site permissions set with `context.grantPermissions`). Granting only 'microphone' leaves
 * the camera denied, the state a person reaches by blocking the camera alone in the site
 * settings: Chromium then refuses a request for both at once (NotAllowedError), and the
 * element must still get the mic on its own (and the other way round). Both blocked must
 * not turn into more requests. (A dismissed prompt, both still "prompt", cannot be made
 * here: a headless context grants or denies; the engine's rule is that it retries only
 * when exactly one of the two is "denied".)
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import {
  callPage,
  closeAll,
  events,
  launchBrowser,
  newPerson,
  room,
  selfId,
  startRelay,
  startStaticServer,
  waitForEvent,
  waitForLiveVideos,
  type Person,
} from './harness.js';

let browser: Browser;
let web: Awaited<ReturnType<typeof startStaticServer>>;
let relay: Awaited<ReturnType<typeof startRelay>>;

before(async () => {
  web = await startStaticServer();
  relay = await startRelay({ allowedOrigins: [web.origin] });
  browser = await launchBrowser({ fakeUi: false });
});

after(() => closeAll(() => browser?.close(), () => relay?.close(), () => web?.close()));

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
  p.page.evaluate(() => (window as unknown as { __vc: { gumTracks: MediaStreamTrack[] } }).__vc.gumTracks.map((t) => `${t.kind}:${t.readyState}`));

/** What `viewer` receives of `peerId`: the remote stream's tracks, and the audio it decoded. */
function received(viewer: Person, peerId: string) {
  return viewer.page.evaluate(async (id) => {
    const v = document.querySelector('video-call')!.shadowRoot!.querySelector<HTMLVideoElement>(`video[part~="remote-video"][data-peer-id="${id}"]`);
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
  const bob = await newPerson(browser, 'Bob', (ctx) => ctx.grantPermissions(['camera', 'microphone'], { origin: web.origin }));
  await bob.page.goto(web.addPage(callPage({ relayUrl: relay.url, room: r, name: 'Bob' })));
  const bobId = await selfId(bob.page);
  const mia = await newPerson(browser, 'Mia', async (ctx) => {
    await ctx.grantPermissions(miaGrants, { origin: web.origin });
    await countRequests(ctx);
  });
  await mia.page.goto(web.addPage(callPage({ relayUrl: relay.url, room: r, name: 'Mia' })), { waitUntil: 'domcontentloaded' });
  return { bob, bobId, mia };
}

test('only the camera blocked: Mia joins with her mic (Bob hears her) and is told the camera was refused', { timeout: 60_000 }, async () => {
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
    const micOn = await mia.page.evaluate(() => document.querySelector('video-call')!.shadowRoot!.querySelector('button[aria-label="Mute microphone"]')!.getAttribute('aria-pressed'));
    assert.equal(micOn, 'false', 'Mia\'s mic button shows on');

    assert.match(err.detail.message, /camera/i);
    assert.doesNotMatch(err.detail.message, /microphone/i, `only the camera is said refused: "${err.detail.message}"`);
    const text = await shownError(mia);
    assert.ok(text.includes(err.detail.message.slice(0, 30)), `the element shows it: "${text}"`);
    for (const p of [bob, mia]) assert.deepEqual(p.errors, [], `${p.name}: no page errors`);
  } finally {
    await closeAll(() => mia.context.close(), () => bob.context.close());
  }
});

test('only the mic blocked: Mia joins with her camera (Bob sees her) and is told the microphone was refused', { timeout: 60_000 }, async () => {
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
    await closeAll(() => mia.context.close(), () => bob.context.close());
  }
});

test('both blocked: asked once, not again one by one (no extra prompts)', { timeout: 30_000 }, async () => {
  const mia = await newPerson(browser, 'Mia', async (ctx) => {
    await ctx.grantPermissions([]);
    await countRequests(ctx);
  });
  try {
    await mia.page.goto(web.addPage(callPage({ relayUrl: relay.url, room: room('both-blocked'), name: 'Mia' })), { waitUntil: 'domcontentloaded' });
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
