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
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  callPage,
  closeAll,
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

test('camera and mic refused: vc-error permission-denied, a readable message, and Dee still joins and sees and hears Bob', { timeout: 60_000 }, async () => {
  const people: Person[] = [];
  try {
    const r = room('denied');
    const bob = await newPerson(browser, 'Bob', (ctx) => ctx.grantPermissions(['camera', 'microphone'], { origin: web.origin }));
    people.push(bob);
    await bob.page.goto(web.addPage(callPage({ relayUrl: relay.url, room: r, name: 'Bob' })));
    const bobId = await selfId(bob.page);

    // Dee joins second, so she is the one who makes the first offer, with nothing to send.
    const dee = await newPerson(browser, 'Dee', (ctx) => ctx.grantPermissions([]));
    people.push(dee);
    // Not waiting for `load` here: see the next test.
    await dee.page.goto(web.addPage(callPage({ relayUrl: relay.url, room: r, name: 'Dee' })), { waitUntil: 'domcontentloaded' });

    const err = await waitForEvent<{ code: string; message: string }>(dee.page, 'vc-error', { code: 'permission-denied' });
    assert.equal(
      await dee.page.evaluate(() => navigator.permissions.query({ name: 'camera' as PermissionName }).then((s) => s.state)),
      'denied',
      'the refusal is real: the page\'s camera permission is denied',
    );
    assert.equal(await dee.page.evaluate(() => (window as unknown as { __vc: { gumTracks: unknown[] } }).__vc.gumTracks.length), 0, 'getUserMedia never gave Dee a track');

    // Still joins, receive-only, and the call connects both ways.
    const deeId = await selfId(dee.page);
    assert.equal(await dee.page.evaluate(() => document.querySelector('video-call')!.state), 'joined');
    await waitForEvent(dee.page, 'vc-peer-connected', { peerId: bobId });
    await waitForEvent(bob.page, 'vc-peer-connected', { peerId: deeId });

    // Dee sees Bob: live frames.
    await waitForLiveVideos(dee.page, [bobId]);
    // Dee hears Bob: audio samples keep being decoded, and they are not silence (the fake mic beeps).
    const deadline = Date.now() + 15_000;
    let first = await inboundAudio(dee);
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
    assert.deepEqual(remoteAudio, { muted: false, track: 'live' }, 'Bob\'s audio plays through the unmuted remote video');

    // A readable message in the element, not a code, still there once the call is up (checked
    // last so that a failure here does not hide the checks above).
    const shown = dee.page.locator('video-call >> [part="error"]');
    await shown.waitFor({ state: 'visible', timeout: 5_000 }).catch(() => assert.fail('no [part="error"] message is shown once Dee has joined'));
    const text = ((await shown.textContent()) ?? '').trim();
    assert.match(text, /camera|microphone/i, `message names what was refused: "${text}"`);
    assert.ok(text.length >= 20 && !/^[a-z-]+$/.test(text), `message is a sentence: "${text}"`);
    assert.ok(text.includes(err.detail.message.slice(0, 20)), 'the element shows the vc-error message');

    for (const p of people) assert.deepEqual(p.errors, [], `${p.name}: no page errors`);
  } finally {
    await closeAll(...people.map((p) => () => p.context.close()));
  }
});

test('camera and mic refused: the embedding page still finishes loading (its load event fires)', { timeout: 30_000 }, async () => {
  // A <video> whose srcObject is a MediaStream with no tracks keeps the document's load
  // event pending forever in Chromium (the tab's spinner never stops, window.onload never runs).
  const dee = await newPerson(browser, 'Dee', (ctx) => ctx.grantPermissions([]));
  try {
    await dee.page.goto(web.addPage(callPage({ relayUrl: relay.url, room: room('denied-load'), name: 'Dee' })), { waitUntil: 'domcontentloaded' });
    await waitForEvent(dee.page, 'vc-error', { code: 'permission-denied' });
    await selfId(dee.page);
    const state = await dee.page
      .waitForFunction(() => document.readyState === 'complete', undefined, { timeout: 5_000 })
      .then(() => 'complete')
      .catch(() => dee.page.evaluate(() => {
        const stuck = [...document.querySelector('video-call')!.shadowRoot!.querySelectorAll('video')]
          .filter((v) => v.srcObject instanceof MediaStream && v.srcObject.getTracks().length === 0)
          .map((v) => v.getAttribute('part'));
        return `${document.readyState}; <video> with a track-less srcObject: ${stuck.join(', ') || 'none'}`;
      }));
    assert.equal(state, 'complete', 'document.readyState 5 s after joining');
  } finally {
    await closeAll(() => dee.context.close());
  }
});
