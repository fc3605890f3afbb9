/**
 * End to end, as users notice it: the built `dist/video-call.js` loaded by a script tag
 * from one origin, the built relay on another origin, one Chromium context per person,
 * fake camera and mic. "Live video" means the remote <video> has a frame size and its
 * decoded frame count keeps advancing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  callPage,
  closeAll,
  events,
  newPerson,
  now,
  remoteVideos,
  room,
  selfId,
  waitForEvent,
  waitForLiveVideos,
  waitForRemoteVideo,
  useStage,
  type Person,
} from './harness.js';

// Only the page origin may use the relay: proves the cross-origin path (CORS + handshake) really is taken.
const stage = useStage();

/** Opens people one after another (each waits until joined); returns them with their relay ids. */
async function join(people: { name: string; url: string }[], track: Person[]): Promise<{ person: Person; id: string }[]> {
  const out = [];
  for (const p of people) {
    const person = await newPerson(stage.browser, p.name);
    track.push(person);
    await person.page.goto(p.url);
    out.push({ person, id: await selfId(person.page) });
  }
  return out;
}

const closePeople = (people: Person[]) => closeAll(...people.map((p) => () => p.context.close()));

for (const script of ['classic', 'module'] as const) {
  const tag = script === 'module' ? '<script type="module" src>' : '<script src>';
  test(
    `two pages call each other: bundle by ${tag} from one origin, relay on another; both see live remote video`,
    { timeout: 60_000 },
    async () => {
      const people: Person[] = [];
      try {
        const r = room(`two-${script}`);
        const [a, b] = await join(
          [
            { name: 'Ann', url: stage.web.addPage(callPage({ script, relayUrl: stage.relay.url, room: r, name: 'Ann' })) },
            { name: 'Bob', url: stage.web.addPage(callPage({ script, relayUrl: stage.relay.url, room: r, name: 'Bob' })) },
          ],
          people,
        );
        assert.notEqual(new URL(stage.relay.url).origin, stage.web.origin);
        assert.ok(stage.web.requests.includes('/dist/video-call.js'), 'the bundle came from the page origin');
        await waitForEvent(a.person.page, 'vc-peer-connected', { peerId: b.id });
        await waitForEvent(b.person.page, 'vc-peer-connected', { peerId: a.id });
        await waitForLiveVideos(a.person.page, [b.id]);
        await waitForLiveVideos(b.person.page, [a.id]);
        // Names travel with presence: Bob's tile in Ann's page is labelled Bob.
        const label = await a.person.page.locator(`video-call >> figure[data-peer-id="${b.id}"] figcaption .name`).textContent();
        assert.equal(label?.trim(), 'Bob');
        // The call's extras came from beside the bundle: Bob's tile is laid out at its picture's
        // 16:9 and rated (data-quality), with signal bars that name the figures.
        assert.ok(stage.web.requests.includes('/dist/video-call-extras.js'), 'the extras came from beside the bundle');
        const tile = a.person.page.locator(`video-call >> figure[data-peer-id="${b.id}"]`);
        await tile.locator('.line').waitFor({ timeout: 10_000 });
        assert.match((await tile.getAttribute('data-quality')) ?? '', /^(good|fair|poor)$/);
        assert.match((await tile.locator('.line').getAttribute('aria-label')) ?? '', /ms round trip/);
        const box = (await tile.boundingBox())!;
        assert.ok(Math.abs(box.width / box.height - 16 / 9) < 0.02, `Bob's tile is 16:9 (${box.width}×${box.height})`);
        for (const p of people) assert.deepEqual(p.errors, [], `${p.name}: no page errors`);
      } finally {
        await closePeople(people);
      }
    },
  );
}

test('three pages in one room: everyone sees two remote videos with live frames (mesh)', { timeout: 90_000 }, async () => {
  const people: Person[] = [];
  try {
    const r = room('mesh');
    const names = ['Ann', 'Bob', 'Cyd'];
    const joined = await join(
      names.map((name) => ({ name, url: stage.web.addPage(callPage({ relayUrl: stage.relay.url, room: r, name })) })),
      people,
    );
    for (const me of joined) {
      const others = joined.filter((o) => o !== me).map((o) => o.id);
      for (const id of others) await waitForEvent(me.person.page, 'vc-peer-connected', { peerId: id }, 30_000);
    }
    for (const me of joined) {
      const others = joined.filter((o) => o !== me).map((o) => o.id);
      await waitForLiveVideos(me.person.page, others, { timeout: 30_000 });
    }
    for (const p of people) assert.deepEqual(p.errors, [], `${p.name}: no page errors`);
  } finally {
    await closePeople(people);
  }
});

test(
  'loading the script twice, and a second copy under another URL, throws nothing and the element works',
  { timeout: 60_000 },
  async () => {
    const people: Person[] = [];
    try {
      const r = room('twice');
      const twice = callPage({
        relayUrl: stage.relay.url,
        room: r,
        name: 'Ann',
        extraHead: [
          '<script src="/dist/video-call.js"></script>',
          '<script src="/dist/video-call.js?v=2"></script>',
          '<script type="module" src="/dist/video-call.js?v=3"></script>',
        ].join('\n'),
      });
      const [a, b] = await join(
        [
          { name: 'Ann', url: stage.web.addPage(twice) },
          { name: 'Bob', url: stage.web.addPage(callPage({ relayUrl: stage.relay.url, room: r, name: 'Bob' })) },
        ],
        people,
      );
      // The server really delivered every copy (so each one ran).
      for (const u of ['/dist/video-call.js?v=2', '/dist/video-call.js?v=3']) assert.ok(stage.web.requests.includes(u), `${u} was loaded`);
      await waitForLiveVideos(a.person.page, [b.id]);
      await waitForLiveVideos(b.person.page, [a.id]);
      assert.deepEqual(a.person.errors, [], 'no page errors with the bundle loaded four times');
      assert.equal(
        await a.person.page.evaluate(() => customElements.get('video-call') === document.querySelector('video-call')!.constructor),
        true,
      );
    } finally {
      await closePeople(people);
    }
  },
);

test("chat across pages: markup arrives as text in the other page's chat panel, no element is created", { timeout: 60_000 }, async () => {
  const people: Person[] = [];
  try {
    const r = room('chat');
    const [a, b] = await join(
      [
        { name: 'Ann', url: stage.web.addPage(callPage({ relayUrl: stage.relay.url, room: r, name: 'Ann' })) },
        { name: 'Bob', url: stage.web.addPage(callPage({ relayUrl: stage.relay.url, room: r, name: 'Bob' })) },
      ],
      people,
    );
    await waitForEvent(a.person.page, 'vc-peer-connected', { peerId: b.id });
    await waitForEvent(b.person.page, 'vc-peer-connected', { peerId: a.id });
    const text = '<img src=x onerror=alert(1)> & <b>not bold</b>';
    // Ann types it the way a person does: open chat, type, Enter.
    const pa = a.person.page;
    await pa.locator('video-call >> button[aria-label="Chat"]').click();
    const input = pa.locator('video-call >> [part="chat"] textarea');
    // The data channel may open a moment after the connection; retry until Bob has it.
    const deadline = Date.now() + 15_000;
    while (!(await events(b.person.page, 'vc-chat-message')).length) {
      assert.ok(Date.now() < deadline, 'Bob never got the chat message');
      await input.fill(text);
      await input.press('Enter');
      await pa.waitForTimeout(500);
    }
    const got = await waitForEvent<{ from: string; name: string; text: string }>(b.person.page, 'vc-chat-message', { text });
    assert.equal(got.detail.from, a.id);
    assert.equal(got.detail.name, 'Ann');
    // Bob opens his chat panel: the message is there, as text.
    const pb = b.person.page;
    await pb.locator('video-call >> button[aria-label="Chat"]').click();
    const shown = await pb.locator('video-call >> [part="chat"] li .text').first().textContent();
    assert.equal(shown, text);
    const injected = await pb.evaluate(() => {
      const root = document.querySelector('video-call')!.shadowRoot!;
      return {
        img: root.querySelectorAll('img').length + document.querySelectorAll('img').length,
        b: root.querySelectorAll('.text b').length,
      };
    });
    assert.deepEqual(injected, { img: 0, b: 0 }, 'no element made from the chat text');
    await pb.waitForTimeout(300);
    for (const p of people) {
      assert.deepEqual(p.dialogs, [], `${p.name}: no alert ran`);
      assert.deepEqual(p.errors, [], `${p.name}: no page errors`);
    }
  } finally {
    await closePeople(people);
  }
});

test(
  "removing the element: the other page gets vc-peer-left and loses the tile; the removed page's camera and mic stop",
  { timeout: 60_000 },
  async () => {
    const people: Person[] = [];
    try {
      const r = room('remove');
      const [a, b] = await join(
        [
          { name: 'Ann', url: stage.web.addPage(callPage({ relayUrl: stage.relay.url, room: r, name: 'Ann' })) },
          { name: 'Bob', url: stage.web.addPage(callPage({ relayUrl: stage.relay.url, room: r, name: 'Bob' })) },
        ],
        people,
      );
      await waitForLiveVideos(b.person.page, [a.id]);
      const pa = a.person.page;
      const live = await pa.evaluate(() =>
        (window as unknown as { __vc: { gumTracks: MediaStreamTrack[] } }).__vc.gumTracks.map((t) => `${t.kind}:${t.readyState}`),
      );
      assert.ok(live.includes('video:live') && live.includes('audio:live'), `camera and mic were on: ${live}`);

      await pa.evaluate(() => document.querySelector('video-call')!.remove());

      await waitForEvent(b.person.page, 'vc-peer-left', { peerId: a.id }, 15_000);
      await b.person.page.waitForFunction(
        (id) => !document.querySelector('video-call')!.shadowRoot!.querySelector(`[data-peer-id="${id}"]`),
        a.id,
        { timeout: 10_000 },
      );
      assert.deepEqual(await remoteVideos(b.person.page), []);
      // Every track getUserMedia ever handed this page is ended (the camera light goes out), every connection closed.
      await pa
        .waitForFunction(
          () => {
            const vc = (window as unknown as { __vc: { gumTracks: MediaStreamTrack[]; pcs: RTCPeerConnection[] } }).__vc;
            return (
              vc.gumTracks.length > 0 &&
              vc.gumTracks.every((t) => t.readyState === 'ended') &&
              vc.pcs.every((pc) => pc.connectionState === 'closed')
            );
          },
          undefined,
          { timeout: 10_000 },
        )
        .catch(async (e: Error) => {
          const state = await pa.evaluate(() => {
            const vc = (window as unknown as { __vc: { gumTracks: MediaStreamTrack[]; pcs: RTCPeerConnection[] } }).__vc;
            return { tracks: vc.gumTracks.map((t) => `${t.kind}:${t.readyState}`), pcs: vc.pcs.map((pc) => pc.connectionState) };
          });
          throw new Error(`removed element still holds media or connections: ${JSON.stringify(state)}\n${e.message}`);
        });
      assert.deepEqual(a.person.errors, []);
    } finally {
      await closePeople(people);
    }
  },
);

test('closing the tab: the other page gets vc-peer-left and the tile goes', { timeout: 60_000 }, async () => {
  const people: Person[] = [];
  try {
    const r = room('close-tab');
    const [a, b] = await join(
      [
        { name: 'Ann', url: stage.web.addPage(callPage({ relayUrl: stage.relay.url, room: r, name: 'Ann' })) },
        { name: 'Bob', url: stage.web.addPage(callPage({ relayUrl: stage.relay.url, room: r, name: 'Bob' })) },
      ],
      people,
    );
    await waitForLiveVideos(b.person.page, [a.id]);
    await a.person.page.close();
    await waitForEvent(b.person.page, 'vc-peer-left', { peerId: a.id }, 15_000);
    await b.person.page.waitForFunction(
      (id) =>
        !document.querySelector('video-call')!.shadowRoot!.querySelector(`[data-peer-id="${id}"]`) &&
        document.querySelector('video-call')!.peers.length === 0,
      a.id,
      { timeout: 10_000 },
    );
    assert.deepEqual(b.person.errors, []);
  } finally {
    await closePeople(people);
  }
});

test(
  "screen share: the other page's remote video switches to the screen and keeps playing, without renegotiation",
  { timeout: 60_000 },
  async () => {
    const people: Person[] = [];
    try {
      const r = room('screen');
      const [a, b] = await join(
        [
          { name: 'Ann', url: stage.web.addPage(callPage({ relayUrl: stage.relay.url, room: r, name: 'Ann' })) },
          { name: 'Bob', url: stage.web.addPage(callPage({ relayUrl: stage.relay.url, room: r, name: 'Bob' })) },
        ],
        people,
      );
      const pa = a.person.page;
      const pb = b.person.page;
      await waitForLiveVideos(pb, [a.id]);
      // Negotiation has settled once media flows both ways and each side knows the other's media state.
      await waitForLiveVideos(pa, [b.id]);
      await pb.waitForFunction(
        (id) => document.querySelector('video-call')!.peers.some((p) => p.id === id && p.connectionState === 'connected' && !p.screen),
        a.id,
      );
      await pa.waitForTimeout(1000);
      const sld = (p: typeof pa) => p.evaluate(() => (window as unknown as { __vc: { sld: number } }).__vc.sld);
      const before = { a: await sld(pa), b: await sld(pb) };
      const localVideo = () =>
        pa.evaluate(() => {
          const t = document.querySelector('video-call')!.localStream.getVideoTracks()[0];
          const s = t.getSettings() as MediaTrackSettings & { displaySurface?: string };
          return { width: s.width!, height: s.height!, surface: s.displaySurface ?? null, state: t.readyState };
        });
      const cam = await localVideo();
      assert.equal(cam.surface, null, 'Ann sends her camera before sharing');

      const shareAt = await now(pb);
      const atShare = (await remoteVideos(pb)).find((v) => v.peerId === a.id)!;
      await pa.evaluate(() => document.querySelector('video-call')!.startScreenShare());
      await waitForEvent(pa, 'vc-screen-share', { active: true });
      const screen = await localVideo();
      assert.ok(screen.surface, `Ann's outgoing video is now a display capture: ${JSON.stringify(screen)}`);
      assert.notDeepEqual(
        [screen.width, screen.height],
        [cam.width, cam.height],
        'fake screen and fake camera differ in size (else the size check below proves nothing)',
      );

      await waitForEvent(pb, 'vc-peer-media', { peerId: a.id, screen: true }, { timeout: 15_000, since: shareAt });
      const badge = await pb.locator(`video-call >> figure[data-peer-id="${a.id}"] [aria-label="Sharing screen"]`).count();
      assert.equal(badge, 1, 'Bob sees the "sharing screen" badge on Ann\'s tile');
      // Bob's video now decodes frames of the screen's size and is still playing. (WebRTC may
      // scale a camera down while bandwidth ramps up, but keeps a screen's resolution.) A screen
      // capture only yields frames when the screen changes, so "live" here is: new frames at
      // the new size arrived, the video is not paused and Ann's track at Bob's end is live.
      // (The capture may settle on its size a moment after it starts: compare with its size now.)
      let shared = screen;
      await waitForRemoteVideo(
        pb,
        a.id,
        async (v) => {
          shared = await localVideo();
          return v.width === shared.width && v.height === shared.height && v.frames > atShare.frames && !v.paused;
        },
        { what: "new frames at the size of Ann's screen capture" },
      ).catch((e: Error) => {
        throw new Error(`${e.message}; Ann's screen track: ${JSON.stringify(shared)}`);
      });
      assert.notEqual(
        shared.width * cam.height,
        shared.height * cam.width,
        `the screen (${shared.width}x${shared.height}) is not shaped like the camera (${cam.width}x${cam.height}), so the sizes tell them apart`,
      );
      assert.equal(
        await pb.evaluate((id) => {
          const v = document.querySelector('video-call')!.shadowRoot!.querySelector<HTMLVideoElement>(`video[data-peer-id="${id}"]`)!;
          return (v.srcObject as MediaStream).getVideoTracks()[0]?.readyState;
        }, a.id),
        'live',
      );
      await pa.waitForTimeout(1000);
      assert.deepEqual(
        { a: await sld(pa), b: await sld(pb) },
        before,
        'no setLocalDescription on either side: the track was replaced, not renegotiated',
      );

      // And back to the camera: the screen track ends, Bob's video leaves the screen's size and keeps playing.
      const stopAt = await now(pb);
      await pa.evaluate(() => document.querySelector('video-call')!.stopScreenShare());
      await waitForEvent(pb, 'vc-peer-media', { peerId: a.id, screen: false, video: true }, { timeout: 15_000, since: stopAt });
      assert.equal((await localVideo()).surface, null, 'the camera is back in the local stream');
      // Camera frames again: exactly the camera's shape (WebRTC may scale it, never reshape it), and advancing.
      await waitForLiveVideos(pb, [a.id], { timeout: 15_000, check: (v) => v.width * cam.height === v.height * cam.width });
      assert.deepEqual({ a: await sld(pa), b: await sld(pb) }, before, 'no renegotiation when going back to the camera');
      for (const p of people) assert.deepEqual(p.errors, [], `${p.name}: no page errors`);
    } finally {
      await closePeople(people);
    }
  },
);
