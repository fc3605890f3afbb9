// Layout and presence (issue 14) in real Chromium: the best-fit grid keeps each picture's shape at
// every size and count, the speaker layout, pin(), a screen share shown large, who is speaking
// (from the fake microphone's beeps, over real connections), the line's quality, and the element's
// height (a page's `video-call { display: block }`, no jump on joining).
import { expect } from '@open-wc/testing';
import { RELAY_URL } from './test-env.js';
import type { VideoCall } from '../../src/video-call.js';
import { LocalTransport } from '../../src/transports/local.js';
import { addCall, eventWithin, removeAllCalls, shadow, sleep, uniqueRoom, videoIsLive, waitUntil } from './helpers.js';

const base = { server: RELAY_URL, 'ice-servers': '[]' };
const tiles = (el: VideoCall) => [...shadow(el).querySelectorAll<HTMLElement>('.grid [part~="tile"]')];
const stage = (el: VideoCall) => shadow(el).querySelector<HTMLElement>('.grid')!;
const tileOf = (el: VideoCall, peerId: string) => shadow(el).querySelector<HTMLElement>(`.grid [data-peer-id="${peerId}"]`)!;
const rect = (e: Element) => e.getBoundingClientRect();
const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));

/** Sizes `el` as a page would (its host `display` left as the test's `addCall` set it). */
async function size(el: VideoCall, width: number, height: number) {
  el.style.width = `${width}px`;
  el.style.height = `${height}px`;
  await frames();
}

/** The largest tile width that n tiles of `ratio` can have in the box (every column count tried): what "best fit" means. */
function bestWidth(n: number, w: number, h: number, ratio: number, gap: number) {
  let best = 0;
  for (let c = 1; c <= n; c++) {
    const r = Math.ceil(n / c);
    best = Math.max(best, Math.min((w - gap * (c - 1)) / c, ((h - gap * (r - 1)) / r) * ratio));
  }
  return best;
}

/** Every tile keeps `ratio`, lies inside the stage, overlaps no other, and is as large as the stage allows (best fit). */
function expectBestFit(el: VideoCall, n: number, ratio: number, what: string) {
  const s = rect(stage(el));
  const gap = parseFloat(getComputedStyle(stage(el)).rowGap);
  const boxes = tiles(el).map(rect);
  expect(boxes, what).to.have.length(n);
  const best = bestWidth(n, s.width - 2 * gap, s.height - 2 * gap, ratio, gap);
  for (const [i, b] of boxes.entries()) {
    expect(b.width / b.height, `${what}: tile ${i} is ${b.width}×${b.height}`).to.be.closeTo(ratio, 0.02);
    expect(b.width, `${what}: tile ${i} as large as fits (${best})`).to.be.within(best - 2, best + 0.5);
    expect(
      b.left >= s.left - 0.5 && b.right <= s.right + 0.5 && b.top >= s.top - 0.5 && b.bottom <= s.bottom + 0.5,
      `${what}: tile ${i} inside`,
    ).to.equal(true);
    for (const o of boxes.slice(i + 1)) {
      const overlap =
        Math.min(b.right, o.right) - Math.max(b.left, o.left) > 0.5 && Math.min(b.bottom, o.bottom) - Math.max(b.top, o.top) > 0.5;
      expect(overlap, `${what}: tiles overlap`).to.equal(false);
    }
  }
}

/** People in the room who never connect (a bare transport each): a tile each, at no cost. */
const placeholders: LocalTransport[] = [];
async function addPlaceholder(room: string, name: string) {
  const t = new LocalTransport();
  placeholders.push(t);
  await t.join(room, { name });
  return t;
}

describe('<video-call> layout', function () {
  this.timeout(60000);
  afterEach(async () => {
    for (const t of placeholders.splice(0)) t.close();
    document.getElementById('page-css')?.remove();
    await removeAllCalls();
  });

  it('best-fit grid: 1–9 tiles keep a 16:9 picture at 360, 1280 and 3840 px wide, and with the chat open', async () => {
    const room = uniqueRoom('grid');
    const el = addCall({ room, transport: 'local', name: 'Ada', autojoin: true, 'max-peers': '10' });
    await eventWithin(el, 'vc-joined');
    await videoIsLive(shadow(el).querySelector('video[part="local-video"]')!);
    const v = shadow(el).querySelector('video')!;
    const ratio = v.videoWidth / v.videoHeight;
    expect(ratio, 'the fake camera sends 16:9').to.be.closeTo(16 / 9, 0.01);
    for (let n = 1; n <= 9; n++) {
      if (n > 1) await addPlaceholder(room, `P${n}`);
      await waitUntil(() => tiles(el).length === n, `${n} tiles`);
      for (const [w, h] of [
        [360, 640],
        [1280, 720],
        [3840, 2160],
      ]) {
        await size(el, w, h);
        expectBestFit(el, n, ratio, `${n} tiles at ${w}×${h}`);
      }
      if (n === 2 || n === 5 || n === 9) {
        // The chat opens beside the tiles (1280) or over them (360): the tiles beside it stay 16:9, never squares or portraits.
        await size(el, 1280, 720);
        shadow(el).querySelector<HTMLButtonElement>('[data-control="chat"]')?.click();
        await waitUntil(() => shadow(el).querySelector('[part="chat"]'), 'chat open');
        await frames();
        expectBestFit(el, n, ratio, `${n} tiles beside the chat`);
        expect(rect(stage(el)).width).to.be.lessThan(1280 - 200);
        shadow(el).querySelector<HTMLButtonElement>('[part="chat"] header button')!.click();
        await waitUntil(() => !shadow(el).querySelector('[part="chat"]'), 'chat closed');
      }
    }
  });

  it('speaker layout: one large tile above a strip of the others; pin() and pin(null); a bad id is refused', async () => {
    const room = uniqueRoom('speaker');
    const el = addCall({ room, transport: 'local', name: 'Ada', autojoin: true, layout: 'speaker' });
    await eventWithin(el, 'vc-joined');
    for (const name of ['P1', 'P2', 'P3']) await addPlaceholder(room, name);
    await waitUntil(() => tiles(el).length === 4, '4 tiles');
    await size(el, 1280, 720);
    await waitUntil(() => shadow(el).querySelector('.grid .tile.main'), 'a large tile');
    const check = (what: string) => {
      const main = shadow(el).querySelector<HTMLElement>('.grid .tile.main')!;
      const strip = tiles(el).filter((t) => t !== main);
      const m = rect(main);
      expect(m.width / m.height, what).to.be.closeTo(16 / 9, 0.02);
      const s = rect(stage(el));
      // It fills the stage's width, or the height the strip leaves it.
      expect(
        m.width > s.width * 0.9 || m.height > s.height * 0.6,
        `${what}: large (${m.width}×${m.height} in ${s.width}×${s.height})`,
      ).to.equal(true);
      for (const t of strip) {
        const r = rect(t);
        expect(r.top, `${what}: the strip is under the large tile`).to.be.at.least(m.bottom);
        expect(r.width * 3, `${what}: strip tiles are small`).to.be.lessThan(m.width);
        expect(r.width / r.height).to.be.closeTo(16 / 9, 0.03);
      }
      return main;
    };
    // Nobody speaks (the placeholders send nothing): the first other participant is large, never ourselves.
    expect(check('speaker layout').dataset.peerId).to.equal(el.peers[0].id);
    await size(el, 360, 640);
    check('speaker layout at 360 px');
    await size(el, 1280, 720);

    const third = el.peers[2].id;
    el.pin(third);
    await el.updateComplete;
    expect(check('pinned').dataset.peerId).to.equal(third);
    el.layout = 'grid';
    await el.updateComplete;
    expect(check('pinned, grid layout').dataset.peerId, 'a pin holds whatever the layout').to.equal(third);
    el.pin(null);
    await el.updateComplete;
    await frames();
    expect(shadow(el).querySelector('.tile.main'), 'unpinned: the plain grid').to.equal(null);
    expectBestFit(el, 4, 16 / 9, 'grid after unpinning');
    expect(() => el.pin('nobody'))
      .to.throw()
      .with.property('code', 'bad-request');
  });

  it('a screen share is shown large whatever the layout, and the grid comes back when it ends', async () => {
    const room = uniqueRoom('share');
    const a = addCall({ ...base, room, name: 'Ada', autojoin: true });
    await eventWithin(a, 'vc-joined');
    const b = addCall({ ...base, room, name: 'Bob', autojoin: true });
    const bId = ((await eventWithin(a, 'vc-peer-connected')).detail as { peerId: string }).peerId;
    await size(a, 1280, 720);
    await b.startScreenShare();
    await waitUntil(() => tileOf(a, bId)?.classList.contains('main'), "Bob's screen is large for Ada", { timeout: 10000 });
    await frames();
    const m = rect(tileOf(a, bId));
    expect(m.height).to.be.greaterThan(rect(stage(a)).height * 0.6);
    b.stopScreenShare();
    await waitUntil(() => !shadow(a).querySelector('.tile.main'), 'the grid is back', { timeout: 10000 });
  });

  it('display:block from the page keeps the call its height; joining and leaving do not change the height', async () => {
    const style = Object.assign(document.createElement('style'), { id: 'page-css', textContent: 'video-call { display: block }' });
    document.head.append(style);
    for (const width of [1280, 360]) {
      const room = uniqueRoom('height');
      const el = addCall({ room, transport: 'local', name: 'Ada' });
      el.style.cssText = `width:${width}px`; // no height, no display: the page's display:block applies
      expect(getComputedStyle(el).display).to.equal('block');
      await waitUntil(() => shadow(el).querySelector('[part="join-button"]'), 'pre-join screen');
      await videoIsLive(shadow(el).querySelector('video')!);
      await frames();
      const before = rect(el).height;
      expect(before, 'pre-join height').to.be.greaterThan(300);
      await el.join();
      await el.updateComplete;
      await waitUntil(() => tiles(el).length === 1 && rect(tiles(el)[0]).height > 0, 'a tile with a height');
      await frames();
      expect(rect(el).height, `in the call at ${width} px: the same height as before joining`).to.be.closeTo(before, 1);
      expect(rect(stage(el)).height, 'the stage is not collapsed').to.be.greaterThan(before / 3);
      expect(rect(tiles(el)[0]).height).to.be.greaterThan(100);
      await el.leave();
      await el.updateComplete;
      await frames();
      expect(rect(el).height, 'back on the pre-join screen').to.be.closeTo(before, 1);
      await removeAllCalls();
    }
  });
});

describe('<video-call> presence', function () {
  this.timeout(60000);
  afterEach(removeAllCalls);

  /** Two elements through the relay, connected. */
  async function pair() {
    const room = uniqueRoom('presence');
    const a = addCall({ ...base, room, name: 'Ada', autojoin: true });
    const aId = (await eventWithin<{ selfId: string }>(a, 'vc-joined')).detail.selfId;
    const b = addCall({ ...base, room, name: 'Bob', autojoin: true });
    const [ab] = await Promise.all([eventWithin<{ peerId: string }>(a, 'vc-peer-connected'), eventWithin(b, 'vc-peer-connected')]);
    return { a, b, aId, bId: ab.detail.peerId };
  }

  it('who speaks: data-speaking with a ring and vc-active-speaker; a muted person is never speaking; our own id when it is us', async () => {
    const { a, b, aId, bId } = await pair();
    const seen: (string | null)[] = [];
    a.addEventListener('vc-active-speaker', (e) => seen.push(e.detail.peerId));
    a.toggleMic(false); // only Bob's fake microphone beeps for Ada
    await waitUntil(() => a.activeSpeaker === bId, 'Bob is the active speaker for Ada', { timeout: 10000 });
    expect(seen).to.include(bId);
    await waitUntil(() => tileOf(a, bId).hasAttribute('data-speaking'), "Bob's tile speaks");
    const ring = getComputedStyle(tileOf(a, bId), '::after');
    expect(ring.borderTopStyle).to.equal('solid');
    expect(parseFloat(ring.borderTopWidth)).to.be.at.least(2);
    expect(shadow(a).querySelector('[part~="local-tile"]')!.hasAttribute('data-speaking'), 'Ada is muted').to.equal(false);

    // Bob mutes: within the hold time he is nobody's speaker, and stays so.
    b.toggleMic(false);
    await waitUntil(() => a.activeSpeaker === null, 'nobody speaks once Bob is muted', { timeout: 5000 });
    expect(seen.at(-1)).to.equal(null);
    expect(tileOf(a, bId).hasAttribute('data-speaking')).to.equal(false);
    const count = seen.length;
    await sleep(2500);
    expect(seen.slice(count), 'a muted Bob is never reported').to.not.include(bId);
    expect(a.activeSpeaker).to.equal(null);

    // Ada unmutes: for herself she is the speaker (her own id), and for Bob too.
    a.toggleMic(true);
    await waitUntil(() => a.activeSpeaker === aId, 'Ada speaks (her own id)', { timeout: 10000 });
    await waitUntil(() => shadow(a).querySelector('[part~="local-tile"]')!.hasAttribute('data-speaking'), 'her tile rings');
    await waitUntil(() => b.activeSpeaker === aId, 'Bob hears Ada speaking', { timeout: 10000 });
  });

  it('the line: data-quality on the remote tile, signal bars that give round trip, loss and bitrate; poor when little arrives', async () => {
    // Real constrained path: Bob's camera is capped at 20 kbit/s by his own sender (setParameters),
    // the way a congested uplink starves a picture. Nothing is faked: Ada rates what arrives.
    const pcs: RTCPeerConnection[] = [];
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        pcs.push(this);
      }
    } as typeof RTCPeerConnection;
    try {
      const { a, b, bId } = await pair();
      await waitUntil(() => tileOf(a, bId).dataset.quality, 'a rating', { timeout: 10000 });
      await waitUntil(() => tileOf(a, bId).dataset.quality === 'good', 'a good line on loopback', { timeout: 15000 });
      const bars = tileOf(a, bId).querySelector<HTMLElement>('.line')!;
      expect(bars.getAttribute('role')).to.equal('img');
      expect(bars.getAttribute('aria-label')).to.match(/^Good connection: \d+ ms round trip, [\d.]+ % loss, \d+ kbit\/s$/);
      expect(bars.title).to.equal(bars.getAttribute('aria-label'));
      expect(shadow(a).querySelector('[part~="local-tile"]')!.hasAttribute('data-quality'), 'not on our own tile').to.equal(false);

      const bPcs = pcs.filter((pc) =>
        pc.getSenders().some((s) => s.track && (b.localStream.getTracks() as MediaStreamTrack[]).includes(s.track)),
      );
      expect(bPcs).to.have.length(1);
      const sender = bPcs[0].getSenders().find((s) => s.track?.kind === 'video')!;
      const params = sender.getParameters();
      params.encodings[0].maxBitrate = 20_000;
      await sender.setParameters(params);
      await waitUntil(() => tileOf(a, bId).dataset.quality === 'poor', 'a poor line once the picture is starved', { timeout: 15000 });
      expect(bars.getAttribute('aria-label')).to.match(/^Poor connection: /);
    } finally {
      window.RTCPeerConnection = Native;
    }
  });
});
