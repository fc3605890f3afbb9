/**
 * Issue 5 end to end: calls that survive the real world. The built bundle in Debian's
 * Chromium, the built relay (here as its own process, so it can be SIGKILLed and brought
 * back on the same port). Everything asserted is what a user notices: live remote video
 * (frames advancing), the "Reconnecting…" banner, tiles, `peers`, `vc-peer-left`.
 * (Network cuts and ICE restarts between namespaced browsers: resilience-netns.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  CHROMIUM_ARGS,
  callPage,
  closeAll,
  events,
  launchBrowser,
  newPerson,
  now,
  remoteVideos,
  room,
  selfId,
  startStaticServer,
  waitForEvent,
  waitForLiveVideos,
  waitForRemoteVideo,
  type Person,
} from './harness.js';
import {
  atSameInstant,
  currentSelfId,
  explained,
  freePort,
  launchKillableBrowser,
  relayProcess,
  shownTwice,
  view,
  waitForBanner,
  waitForCleanCall,
} from './resilience-harness.js';

let browser: Browser;
let web: Awaited<ReturnType<typeof startStaticServer>>;
let relay: ReturnType<typeof relayProcess>;

before(async () => {
  web = await startStaticServer();
  relay = relayProcess(await freePort());
  await relay.start();
  browser = await launchBrowser();
});

after(() =>
  closeAll(
    () => browser?.close(),
    () => relay?.kill(),
    () => web?.close(),
  ),
);

interface Member {
  person: Person;
  id: string;
}

/** People join one after another (each waits until joined) in room `r`. */
async function joinAll(
  r: string,
  names: string[],
  track: Person[],
  attrs = '',
  on: Browser = browser,
  prepare?: Parameters<typeof newPerson>[2],
): Promise<Member[]> {
  const out: Member[] = [];
  for (const name of names) {
    const person = await newPerson(on, name, prepare);
    track.push(person);
    await person.page.goto(web.addPage(callPage({ relayUrl: relay.url, room: r, name, attrs })));
    out.push({ person, id: await selfId(person.page) });
  }
  return out;
}

/** Every member sees every other one, live, each exactly once, and no one else. */
async function everyoneLive(members: Member[], timeout = 30_000): Promise<void> {
  for (const me of members) {
    const others = members.filter((o) => o !== me).map((o) => o.id);
    await waitForCleanCall(me.person.page, others, timeout);
    await waitForLiveVideos(me.person.page, others, { timeout });
    // And each tile is labelled with that person's name.
    const names = Object.fromEntries((await view(me.person.page)).peers.map((p) => [p.id, p.name]));
    const want = Object.fromEntries(members.filter((o) => o !== me).map((o) => [o.id, o.person.name]));
    assert.deepEqual(names, want, `${me.person.name} shows everyone under their name`);
  }
}

const closePeople = (people: Person[]) => closeAll(...people.map((p) => () => p.context.close()));

for (const [signal, how, cydEarly] of [
  ['SIGKILL', 'killed (SIGKILL)', true],
  ['SIGTERM', 'shut down gracefully (SIGTERM: it tells every room its peers left)', false],
] as const) {
  test(
    `relay ${how} mid-call and restarted on the same port: media keeps flowing, both show "Reconnecting…", rejoin on their own with the same ids, a newcomer (${cydEarly ? 'joining before they are back' : 'joining after they are back'}) connects to both, nobody twice`,
    { timeout: 150_000 },
    async (t) => {
      const people: Person[] = [];
      try {
        const r = room(`relay-${signal}`);
        const [a, b] = await joinAll(r, ['Ann', 'Bob'], people);
        await explained(people, async () => {
          await everyoneLive([a, b]);

          const killedAt = Date.now();
          await relay.kill(signal);
          // Both notice: the banner, as a person sees it.
          await Promise.all([waitForBanner(a.person.page, true, 15_000), waitForBanner(b.person.page, true, 15_000)]);
          t.diagnostic(`banners shown ${Date.now() - killedAt} ms after the kill`);
          // During the outage the call itself goes on: frames keep advancing both ways, same tiles.
          await waitForLiveVideos(a.person.page, [b.id], { timeout: 10_000 });
          await waitForLiveVideos(b.person.page, [a.id], { timeout: 10_000 });
          const during = [await view(a.person.page), await view(b.person.page)];
          assert.deepEqual(
            during.map((v) => v.tiles),
            [[b.id], [a.id]],
            "each still shows exactly the other's tile during the outage",
          );
          assert.ok(relay.running === false, 'the relay really is down while we checked');
          const wait = 6_000 - (Date.now() - killedAt);
          if (wait > 0) await a.person.page.waitForTimeout(wait);

          const restartedAt = Date.now();
          await relay.start();
          t.diagnostic(`relay down for ${restartedAt - killedAt} ms`);
          // Cyd joins the fresh relay: at once (before Ann and Bob are back: they must find him) or once they are back.
          let c: Member | undefined;
          if (cydEarly) {
            [c] = await joinAll(r, ['Cyd'], people);
            t.diagnostic(
              `Cyd joined ${Date.now() - restartedAt} ms after the restart; banners then: Ann ${JSON.stringify((await view(a.person.page)).banner)}, Bob ${JSON.stringify((await view(b.person.page)).banner)}`,
            );
          }
          // Ann and Bob rejoin by themselves: the banner goes.
          await Promise.all([waitForBanner(a.person.page, false, 25_000), waitForBanner(b.person.page, false, 25_000)]);
          t.diagnostic(`banners gone ${Date.now() - restartedAt} ms after the restart`);
          if (!c) {
            // Same people, same ids, one tile each, still live.
            await everyoneLive([a, b], 20_000);
            [c] = await joinAll(r, ['Cyd'], people);
          }
          // The newcomer knows Ann and Bob by the ids they have (and Ann and Bob know each other by).
          const cyd = c;
          const cydSees = async () => Object.fromEntries((await view(cyd.person.page)).peers.map((p) => [p.name, p.id]));
          await cyd.person.page
            .waitForFunction(() => document.querySelector('video-call')!.peers.length === 2, undefined, { timeout: 20_000 })
            .catch(() => {});
          assert.deepEqual(
            await cydSees(),
            { Ann: a.id, Bob: b.id },
            `Cyd, who joined after the restart, lists Ann and Bob under the ids Ann and Bob have (Ann ${a.id}, Bob ${b.id})`,
          );
          // Everyone sees everyone once, live; Ann and Bob kept their ids and never saw each other leave.
          await everyoneLive([a, b, cyd], 30_000);
          assert.equal(await currentSelfId(a.person.page), a.id, 'Ann keeps her id across the outage');
          assert.equal(await currentSelfId(b.person.page), b.id, 'Bob keeps his id across the outage');
          for (const m of [a, b, cyd])
            assert.deepEqual(await shownTwice(m.person.page), [], `${m.person.name} never saw the same person twice at once`);
          assert.deepEqual(await events(a.person.page, 'vc-peer-left'), [], 'Ann never saw anyone leave');
          assert.deepEqual(await events(b.person.page, 'vc-peer-left'), [], 'Bob never saw anyone leave');
          for (const p of people) assert.deepEqual(p.errors, [], `${p.name}: no page errors`);
        });
      } finally {
        await closePeople(people);
        if (!relay.running) await relay.start().catch(() => {});
      }
    },
  );
}

/** Ann watches; `victim` vanishes by `vanish`; Ann must drop the peer and its tile within 15 s. */
async function peerGone(
  t: { diagnostic(s: string): void },
  label: string,
  victimBrowser: Browser | null,
  vanish: (victim: Member) => Promise<void>,
) {
  const people: Person[] = [];
  try {
    const r = room(label);
    const [a] = await joinAll(r, ['Ann'], people);
    const [v] = await joinAll(r, ['Vic'], people, '', victimBrowser ?? browser);
    await explained([a.person], async () => {
      await everyoneLive([a, v]);
      const since = await now(a.person.page);
      const goneAt = Date.now();
      await vanish(v);
      await waitForEvent(a.person.page, 'vc-peer-left', { peerId: v.id }, { timeout: 15_000, since });
      await a.person.page.waitForFunction(
        (id) => !document.querySelector('video-call')!.shadowRoot!.querySelector(`[data-peer-id="${id}"]`),
        v.id,
        { timeout: Math.max(1, 15_000 - (Date.now() - goneAt)), polling: 100 },
      );
      const took = Date.now() - goneAt;
      t.diagnostic(`${label}: vc-peer-left and tile gone after ${took} ms`);
      assert.ok(took < 15_000, `peer dropped within 15 s (took ${took} ms)`);
      const left = await view(a.person.page);
      assert.deepEqual(
        [left.peers, left.tiles, left.figures, await remoteVideos(a.person.page)],
        [[], [], [], []],
        "nothing of Vic is left in Ann's page",
      );
      assert.equal((await events(a.person.page, 'vc-peer-left')).length, 1, 'one vc-peer-left');
      assert.deepEqual(a.person.errors, []);
    });
  } finally {
    await closePeople(people);
  }
}

test(
  'a peer whose renderer crashed (CDP Page.crash): the other page gets vc-peer-left and loses the tile within 15 s',
  { timeout: 90_000 },
  (t) =>
    peerGone(t, 'gone-crash', null, async (v) => {
      const cdp = await v.person.context.newCDPSession(v.person.page);
      void cdp.send('Page.crash').catch(() => {});
      await v.person.page.waitForEvent('crash', { timeout: 10_000 }).catch(() => {});
    }),
);

test('a peer whose tab is closed: the other page gets vc-peer-left and loses the tile within 15 s', { timeout: 90_000 }, (t) =>
  peerGone(t, 'gone-close', null, async (v) => {
    await v.person.page.close();
  }),
);

test(
  'a peer whose whole browser is SIGKILLed: the other page gets vc-peer-left and loses the tile within 15 s',
  { timeout: 120_000 },
  async (t) => {
    const victim = await launchKillableBrowser([...CHROMIUM_ARGS, '--use-fake-ui-for-media-stream']);
    try {
      await peerGone(t, 'gone-kill', victim.browser, () => victim.kill());
    } finally {
      await victim.dispose();
    }
  },
);

/** Init script: counts remote offers applied while this side had its own offer outstanding (a collision). Calls through. */
function recordCollisions() {
  const w = window as unknown as { __glare: number };
  w.__glare = 0;
  const srd = RTCPeerConnection.prototype.setRemoteDescription;
  RTCPeerConnection.prototype.setRemoteDescription = function (this: RTCPeerConnection, ...args: unknown[]) {
    const d = args[0] as RTCSessionDescriptionInit | undefined;
    if (d?.type === 'offer' && this.signalingState === 'have-local-offer') w.__glare++;
    return (srd as (...a: unknown[]) => Promise<void>).apply(this, args);
  } as typeof srd;
  const sld = RTCPeerConnection.prototype.setLocalDescription;
  RTCPeerConnection.prototype.setLocalDescription = function (this: RTCPeerConnection, ...args: unknown[]) {
    const d = args[0] as RTCSessionDescriptionInit | undefined;
    // The polite side rolls back its own offer to take the other's: that is a collision too.
    if (d?.type === 'rollback') w.__glare++;
    return (sld as (...a: unknown[]) => Promise<void>).apply(this, args);
  } as typeof sld;
}

/**
 * Init script: every WebSocket message reaches the page `ms` late, in order, as over a long-haul
 * link (loopback has no latency). Then two offers sent within `ms` of each other cross on the
 * wire, as they do between real browsers; on loopback they cross only if sent in the same few ms.
 */
function signalingLatency(ms: number) {
  const onmessage = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage')!;
  Object.defineProperty(WebSocket.prototype, 'onmessage', {
    configurable: true,
    get(this: WebSocket) {
      return onmessage.get!.call(this);
    },
    set(this: WebSocket, fn: ((ev: MessageEvent) => void) | null) {
      const late = fn && ((ev: MessageEvent) => void setTimeout(() => fn.call(this, ev), ms));
      onmessage.set!.call(this, late);
    },
  });
}

test(
  "glare: both turn their camera on in the same instant (joined with video off), then both start a screen share at once: each ends up with the other's live video and sees the share",
  { timeout: 120_000 },
  async (t) => {
    let people: Person[] = [];
    try {
      // The camera's first turn-on adds a video sender on both sides: both renegotiate. The
      // camera starts take different times, so on loopback the offers crossed in only about half
      // the tries (three misses in a row failed CI once); with 800 ms of signaling latency, as on
      // a long-haul link, offers sent up to 800 ms apart cross. Later toggles replace the track
      // without renegotiating, so each try is a fresh pair; after three tries without a crossing
      // the test fails (it proved nothing).
      let a!: Member, b!: Member;
      for (let attempt = 1; ; attempt++) {
        people = [];
        [a, b] = await joinAll(room('glare'), ['Ann', 'Bob'], people, 'video="off"', browser, async (ctx) => {
          await ctx.addInitScript(recordCollisions);
          await ctx.addInitScript(signalingLatency, 800);
        });
        const [pa, pb] = [a.person.page, b.person.page];
        const collisions = await explained(people, async () => {
          await waitForCleanCall(pa, [b.id], 30_000);
          await waitForCleanCall(pb, [a.id], 30_000);
          await pa.waitForTimeout(1000); // let the first negotiation settle
          const sld = (p: typeof pa) => p.evaluate(() => (window as unknown as { __vc: { sld: number } }).__vc.sld);
          const before = [await sld(pa), await sld(pb)];

          await atSameInstant([pa, pb], '(el) => el.toggleCamera(true)');
          await waitForLiveVideos(pa, [b.id], { timeout: 30_000 });
          await waitForLiveVideos(pb, [a.id], { timeout: 30_000 });
          await waitForCleanCall(pa, [b.id], 10_000);
          await waitForCleanCall(pb, [a.id], 10_000);
          const after1 = [await sld(pa), await sld(pb)];
          const crossed = [
            await pa.evaluate(() => (window as unknown as { __glare: number }).__glare),
            await pb.evaluate(() => (window as unknown as { __glare: number }).__glare),
          ];
          t.diagnostic(
            `camera glare, try ${attempt}: setLocalDescription Ann +${after1[0] - before[0]}, Bob +${after1[1] - before[1]}; offers received while having sent one: Ann ${crossed[0]}, Bob ${crossed[1]}`,
          );
          return crossed[0] + crossed[1];
        });
        if (collisions > 0) break;
        assert.ok(
          attempt < 3,
          'the offers really crossed (an offer arrived while one was outstanding) in one of three tries: else this test proved nothing about glare',
        );
        await closePeople(people);
      }
      const [pa, pb] = [a.person.page, b.person.page];
      await explained(people, async () => {
        for (const [p, other] of [
          [pa, b.id],
          [pb, a.id],
        ] as const) {
          const peer = (await view(p)).peers.find((x) => x.id === other);
          assert.equal(peer?.video, true, "each sees the other's camera as on");
        }

        // Both share their screen at once.
        const atShare = [await remoteVideos(pa), await remoteVideos(pb)];
        await atSameInstant([pa, pb], '(el) => el.startScreenShare()');
        for (const [p, me, other, was] of [
          [pa, a, b, atShare[0]],
          [pb, b, a, atShare[1]],
        ] as const) {
          await p.waitForFunction((id) => document.querySelector('video-call')!.peers.some((x) => x.id === id && x.screen), other.id, {
            timeout: 15_000,
          });
          // The other's screen arrives: new frames at the size of their capture, playing.
          const po = other === a ? pa : pb;
          const shared = () => po.evaluate(() => document.querySelector('video-call')!.localStream.getVideoTracks()[0].getSettings());
          const prev = was.find((v) => v.peerId === other.id)!;
          await waitForRemoteVideo(
            p,
            other.id,
            async (v) => {
              const s = await shared();
              return v.width === s.width && v.height === s.height && v.frames > prev.frames && !v.paused;
            },
            { what: `${other.person.name}'s screen at ${me.person.name}'s`, timeout: 20_000 },
          );
        }
        await waitForCleanCall(pa, [b.id], 10_000);
        await waitForCleanCall(pb, [a.id], 10_000);
        for (const p of people) assert.deepEqual(p.errors, [], `${p.name}: no page errors`);
      });
    } finally {
      await closePeople(people);
    }
  },
);

test(
  'rejoin: leave() then join(), changing room and back, reloading one tab: each time a clean call with no stale peer on either side',
  { timeout: 150_000 },
  async (t) => {
    const people: Person[] = [];
    try {
      const r = room('rejoin');
      const [a, b] = await joinAll(r, ['Ann', 'Bob'], people);
      const [pa, pb] = [a.person.page, b.person.page];
      await explained(people, async () => {
        await everyoneLive([a, b]);

        // 1. Ann leaves and joins again.
        await pa.evaluate(() => document.querySelector('video-call')!.leave());
        await waitForEvent(pb, 'vc-peer-left', { peerId: a.id }, 15_000);
        await waitForCleanCall(pb, [], 10_000);
        let since = await now(pa);
        await pa.evaluate(() => document.querySelector('video-call')!.join());
        a.id = (await waitForEvent<{ selfId: string }>(pa, 'vc-joined', {}, { since })).detail.selfId;
        await everyoneLive([a, b]);
        t.diagnostic('leave/join: clean');

        // 2. Ann moves to another room (Bob is alone), then comes back.
        const other = room('rejoin-elsewhere');
        const old = a.id;
        since = await now(pa);
        await pa.evaluate((o) => document.querySelector('video-call')!.setAttribute('room', o), other);
        await waitForEvent(pa, 'vc-joined', { room: other }, { since });
        await waitForEvent(pb, 'vc-peer-left', { peerId: old }, 15_000);
        await waitForCleanCall(pb, [], 10_000);
        await waitForCleanCall(pa, [], 10_000);
        since = await now(pa);
        await pa.evaluate((o) => document.querySelector('video-call')!.setAttribute('room', o), r);
        a.id = (await waitForEvent<{ selfId: string }>(pa, 'vc-joined', { room: r }, { since })).detail.selfId;
        await everyoneLive([a, b]);
        t.diagnostic('room change and back: clean');

        // 3. Bob reloads his tab.
        const oldB = b.id;
        await pb.reload();
        b.id = await selfId(pb);
        await everyoneLive([a, b]);
        if (b.id !== oldB) assert.ok(!(await view(pa)).peers.some((p) => p.id === oldB), "Bob before the reload is gone from Ann's peers");
        t.diagnostic('reload: clean');
        assert.deepEqual(await shownTwice(pa), [], 'Ann never saw Bob twice at once');
        for (const p of people) assert.deepEqual(p.errors, [], `${p.name}: no page errors`);
      });
    } finally {
      await closePeople(people);
    }
  },
);
