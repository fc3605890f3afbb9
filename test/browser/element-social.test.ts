// Hands, reactions, the participants panel, full screen, picture-in-picture, keyboard shortcuts,
// and the pre-join screen's rough edges (focus after Join, no room, a long name): two real
// <video-call> elements in one call (local transport, real RTCPeerConnections and data channels).
import { expect } from '@open-wc/testing';
import type { VideoCall } from '../../src/video-call.js';
import { parseChannelMessage } from '../../src/call/channel-protocol.js';
import { REACTION_MS } from '../../src/components/video-call/reactions.js';
import { RELAY_URL } from './test-env.js';
import { addCall, eventWithin, removeAllCalls, shadow, sleep, uniqueRoom, waitUntil } from './helpers.js';

const { emulateMedia, sendKeys } = await import('@web/test-runner-commands');

/** Ada and Bob in one call, both connected (their data channels open). */
async function pair(attrs: Record<string, string> = {}): Promise<[VideoCall, VideoCall]> {
  const room = uniqueRoom('social');
  const a = addCall({ room, transport: 'local', autojoin: true, name: 'Ada', 'ice-servers': '[]', ...attrs });
  await eventWithin(a, 'vc-joined');
  const b = addCall({ room, transport: 'local', autojoin: true, name: 'Bob', 'ice-servers': '[]', ...attrs });
  await Promise.all([eventWithin(a, 'vc-peer-connected'), eventWithin(b, 'vc-peer-connected')]);
  // The media state (names) has come over the data channel.
  await waitUntil(() => a.peers[0]?.name === 'Bob' && b.peers[0]?.name === 'Ada', 'names not exchanged');
  await Promise.all([a.updateComplete, b.updateComplete]);
  return [a, b];
}

const q = (el: VideoCall, sel: string) => shadow(el).querySelector<HTMLElement>(sel);
const remoteTile = (el: VideoCall) => q(el, '[part~="remote-tile"]')!;
const button = (el: VideoCall, control: string) => q(el, `[part="controls"] [data-control="${control}"]`)!;

describe('<video-call> hands and reactions', function () {
  this.timeout(60000);
  afterEach(removeAllCalls);

  it('a raised hand shows on the other side: on the tile, in the participants panel, said to a screen reader, vc-hand on both', async () => {
    const [a, b] = await pair();
    const onA = eventWithin<{ peerId: string; raised: boolean }>(a, 'vc-hand');
    const onB = eventWithin<{ peerId: string; raised: boolean }>(b, 'vc-hand');
    button(a, 'hand').click();
    expect((await onA).detail).to.deep.equal({ peerId: b.peers[0].id, raised: true });
    const bSaw = (await onB).detail;
    expect(bSaw).to.deep.equal({ peerId: b.peers[0].id, raised: true }); // Ada, as Bob knows her
    await b.updateComplete;
    expect(b.peers[0].hand).to.equal(true);
    // On Bob's screen: Ada's tile shows the hand.
    expect(remoteTile(b).hasAttribute('data-hand')).to.equal(true);
    expect(remoteTile(b).querySelector('.hand')!.getAttribute('aria-label')).to.equal('Hand raised');
    // Drawn (the control bar's hand icon), not an emoji a system without an emoji font shows as a box.
    const badge = remoteTile(b).querySelector<HTMLElement>('.hand')!;
    expect(badge.querySelector('svg')).to.exist;
    expect(badge.textContent!.trim()).to.equal('');
    expect(badge.getBoundingClientRect().width).to.be.greaterThan(20);
    expect(q(b, '[aria-live] p')!.textContent).to.contain('Ada raised their hand');
    // Ada's button is pressed.
    expect(button(a, 'hand').getAttribute('aria-pressed')).to.equal('true');
    // Bob's participants panel lists Ada with her hand up, before those without one.
    button(b, 'participants').click();
    await b.updateComplete;
    const panel = q(b, '[part="participants"]')!;
    expect(panel).to.exist;
    const rows = [...panel.querySelectorAll('li')];
    expect(rows.map((r) => r.querySelector('.who')!.textContent!.trim())).to.deep.equal(['You', 'Ada']);
    expect(rows[1].querySelector('.hand svg')).to.exist;
    expect(rows[0].querySelector('.hand')).to.equal(null);
    // Lowered: gone from the tile and the panel.
    const lowered = eventWithin<{ raised: boolean }>(b, 'vc-hand');
    expect(a.raiseHand(false)).to.equal(false);
    expect((await lowered).detail.raised).to.equal(false);
    await b.updateComplete;
    expect(remoteTile(b).hasAttribute('data-hand')).to.equal(false);
    expect(q(b, '[part="participants"] li .hand')).to.equal(null);
  });

  it('the participants panel lists everyone with mic and camera, and follows changes live', async () => {
    const [a, b] = await pair();
    button(b, 'participants').click();
    await b.updateComplete;
    // Focus moves into the panel; chat and participants are one at a time.
    expect(shadow(b).activeElement?.closest('[part="participants"]')).to.exist;
    const ada = () => q(b, '[part="participants"] li[data-peer-id]')!;
    expect(ada().textContent).to.contain('Ada');
    expect(ada().querySelector('[aria-label="Microphone on"]')).to.exist;
    expect(ada().querySelector('[aria-label="Camera on"]')).to.exist;
    const media = eventWithin(b, 'vc-peer-media');
    a.toggleMic(false);
    await media;
    await b.updateComplete;
    expect(ada().querySelector('[aria-label="Microphone off"]')).to.exist;
    // Escape closes it, focus back on its button.
    await sendKeys({ press: 'Escape' });
    await b.updateComplete;
    expect(q(b, '[part="participants"]')).to.equal(null);
    expect(shadow(b).activeElement).to.equal(button(b, 'participants'));
    // Opening the chat closes the participants panel, and the other way round.
    button(b, 'participants').click();
    await b.updateComplete;
    button(b, 'chat').click();
    await b.updateComplete;
    expect(q(b, '[part="participants"]')).to.equal(null);
    expect(q(b, '[part="chat"]')).to.exist;
  });

  it('a newcomer sees a hand raised before it came', async () => {
    const room = uniqueRoom('hand-late');
    const a = addCall({ room, transport: 'local', autojoin: true, name: 'Ada', 'ice-servers': '[]' });
    await eventWithin(a, 'vc-joined');
    a.raiseHand(true);
    const b = addCall({ room, transport: 'local', autojoin: true, name: 'Bob', 'ice-servers': '[]' });
    const hand = await eventWithin<{ peerId: string; raised: boolean }>(b, 'vc-hand');
    expect(hand.detail.raised).to.equal(true);
    await b.updateComplete;
    expect(remoteTile(b).hasAttribute('data-hand')).to.equal(true);
  });

  it('a reaction floats over the sender’s tile on both sides, then vanishes', async () => {
    const [a, b] = await pair();
    // The button is drawn, not an emoji a system without an emoji font shows as a box.
    expect(button(a, 'reactions').querySelector('svg')).to.exist;
    expect(button(a, 'reactions').textContent!.trim()).to.equal('');
    button(a, 'reactions').click();
    await a.updateComplete;
    const bar = q(a, '.reaction-bar')!;
    expect(bar.getAttribute('aria-label')).to.equal('Reactions');
    const onB = eventWithin<{ peerId: string; emoji: string }>(b, 'vc-reaction');
    const onA = eventWithin<{ peerId: string; emoji: string }>(a, 'vc-reaction');
    [...bar.querySelectorAll('button')].find((x) => x.textContent === '🎉')!.click();
    expect((await onA).detail.emoji).to.equal('🎉');
    expect((await onB).detail).to.deep.equal({ peerId: b.peers[0].id, emoji: '🎉' });
    await b.updateComplete;
    const float = remoteTile(b).querySelector('.reactions span')!;
    expect(float.textContent).to.equal('🎉');
    expect(getComputedStyle(float).animationName).to.equal('vc-float');
    expect(q(a, '[part~="local-tile"] .reactions span')!.textContent).to.equal('🎉');
    await sleep(REACTION_MS + 200);
    await b.updateComplete;
    expect(remoteTile(b).querySelector('.reactions span')).to.equal(null);
    // Under prefers-reduced-motion the reaction shows in place and fades: no movement.
    await emulateMedia({ reducedMotion: 'reduce' });
    try {
      const again = eventWithin(b, 'vc-reaction');
      a.react('👍');
      await again;
      await b.updateComplete;
      expect(getComputedStyle(remoteTile(b).querySelector('.reactions span')!).animationName).to.equal('vc-fade');
    } finally {
      await emulateMedia({ reducedMotion: 'no-preference' });
    }
    // Escape closes the row of reactions, focus back on its button.
    bar.querySelector('button')!.focus();
    await sendKeys({ press: 'Escape' });
    await a.updateComplete;
    expect(q(a, '.reaction-bar')).to.equal(null);
    expect(shadow(a).activeElement).to.equal(button(a, 'reactions'));
  });

  it('a flood of reactions is limited on receipt and the tab stays responsive', async () => {
    const [a, b] = await pair();
    let received = 0;
    b.addEventListener('vc-reaction', () => received++);
    let longest = 0;
    let last = performance.now();
    let beating = true;
    const beat = () => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      if (beating) setTimeout(beat, 0);
    };
    setTimeout(beat, 0);
    const limited = eventWithin<{ code: string }>(b, 'vc-error');
    for (let i = 0; i < 2000; i++) {
      a.react('👍');
      if (i % 100 === 0) await sleep(0);
    }
    expect((await limited).detail.code).to.equal('rate-limited');
    await sleep(1000);
    beating = false;
    await b.updateComplete;
    // A burst of 8, then 2 a second.
    expect(received).to.be.within(1, 14);
    expect(remoteTile(b).querySelectorAll('.reactions span').length).to.be.at.most(12);
    expect(q(a, '[part~="local-tile"]')!.querySelectorAll('.reactions span').length).to.be.at.most(12);
    expect(longest, 'the page was blocked this long (ms)').to.be.below(200);
    // The call goes on: a hand still gets through.
    const hand = eventWithin(b, 'vc-hand');
    a.raiseHand(true);
    await hand;
  });

  it('bad reactions and hands are rejected: from a peer, and from the page', async () => {
    const bad = [
      { t: 'react', emoji: '<img src=x onerror=alert(1)>' },
      { t: 'react', emoji: '👍👍' },
      { t: 'react', emoji: 'x'.repeat(1000) },
      { t: 'react' },
      { t: 'react', emoji: ['👍'] },
      { t: 'hand', raised: 'yes' },
      { t: 'hand' },
    ];
    for (const m of bad) expect(parseChannelMessage(JSON.stringify(m)), JSON.stringify(m)).to.equal(null);
    expect(parseChannelMessage(JSON.stringify({ t: 'react', emoji: '❤️' }))).to.deep.equal({ t: 'react', emoji: '❤️' });
    expect(parseChannelMessage(JSON.stringify({ t: 'hand', raised: true }))).to.deep.equal({ t: 'hand', raised: true });
    const [a, b] = await pair();
    let got = 0;
    b.addEventListener('vc-reaction', () => got++);
    expect(() => a.react('<b>hi</b>')).to.throw(/react\(\) takes one of/);
    try {
      a.react('💩');
    } catch (err) {
      expect((err as { code: string }).code).to.equal('bad-request');
    }
    await sleep(300);
    expect(got).to.equal(0);
  });

  it('outside a call, raiseHand and react say not-joined', async () => {
    const el = addCall({ room: uniqueRoom('idle'), transport: 'local', 'ice-servers': '[]' });
    await el.updateComplete;
    const err = eventWithin<{ code: string }>(el, 'vc-error');
    expect(el.raiseHand()).to.equal(false);
    expect((await err).detail.code).to.equal('not-joined');
    const err2 = eventWithin<{ code: string }>(el, 'vc-error');
    el.react('👍');
    expect((await err2).detail.code).to.equal('not-joined');
  });
});

describe('<video-call> keyboard shortcuts', function () {
  this.timeout(60000);
  afterEach(removeAllCalls);

  it('Ctrl+D, Ctrl+E, Ctrl+Alt+H and Ctrl+Alt+C work while focus is inside the element, only there, and say so on the buttons', async () => {
    const [a, b] = await pair();
    expect(q(a, '[part="controls"] > .control')!.getAttribute('aria-keyshortcuts')).to.equal('Control+D Meta+D');
    button(a, 'hand').focus();
    await sendKeys({ press: 'Control+d' });
    expect(a.localStream.getAudioTracks()[0].enabled, 'Ctrl+D mutes').to.equal(false);
    expect(b.localStream.getAudioTracks()[0].enabled, 'the other element is not touched').to.equal(true);
    await sendKeys({ press: 'Control+d' });
    expect(a.localStream.getAudioTracks()[0].enabled).to.equal(true);
    await sendKeys({ press: 'Control+e' });
    await a.updateComplete;
    expect(q(a, '[part="controls"] > .control:nth-of-type(2)')!.getAttribute('aria-pressed')).to.equal('true');
    const hand = eventWithin<{ raised: boolean }>(b, 'vc-hand');
    await sendKeys({ press: 'Control+Alt+h' });
    expect((await hand).detail.raised).to.equal(true);
    await sendKeys({ press: 'Control+Alt+c' });
    await a.updateComplete;
    expect(q(a, '[part="chat"]')).to.exist;
    // Focus outside both elements, two calls on the page: no element takes the keys.
    (document.activeElement as HTMLElement | null)?.blur();
    const micB = b.localStream.getAudioTracks()[0].enabled;
    await sendKeys({ press: 'Control+d' });
    expect(a.localStream.getAudioTracks()[0].enabled).to.equal(true);
    expect(b.localStream.getAudioTracks()[0].enabled).to.equal(micB);
  });

  it('on the page’s only call they work from anywhere on the page; shortcuts="off" turns them off', async () => {
    const el = addCall({ room: uniqueRoom('keys'), transport: 'local', autojoin: true, 'ice-servers': '[]' });
    await eventWithin(el, 'vc-joined');
    await el.updateComplete;
    document.body.focus();
    await sendKeys({ press: 'Control+d' });
    expect(el.localStream.getAudioTracks()[0].enabled, 'the only call: Ctrl+D from the page').to.equal(false);
    el.setAttribute('shortcuts', 'off');
    expect(el.shortcuts).to.equal('off');
    await el.updateComplete;
    expect(q(el, '[part="controls"] > .control')!.hasAttribute('aria-keyshortcuts')).to.equal(false);
    q(el, '[part="controls"] > .control')!.focus();
    await sendKeys({ press: 'Control+d' });
    await sendKeys({ press: 'Control+Alt+h' });
    expect(el.localStream.getAudioTracks()[0].enabled, 'off: Ctrl+D does nothing').to.equal(false);
    await el.updateComplete;
    expect(button(el, 'hand').getAttribute('aria-pressed')).to.equal('false');
  });
});

describe('<video-call> full screen and picture-in-picture', function () {
  this.timeout(60000);
  afterEach(removeAllCalls);

  it('the full-screen button puts the element full screen and reflects it; Escape leaves', async () => {
    const el = addCall({ room: uniqueRoom('fs'), transport: 'local', autojoin: true, 'ice-servers': '[]' });
    await eventWithin(el, 'vc-joined');
    await el.updateComplete;
    const fs = button(el, 'fullscreen');
    expect(fs.getAttribute('aria-label')).to.equal('Full screen');
    expect(fs.getAttribute('aria-pressed')).to.equal('false');
    fs.focus();
    await sendKeys({ press: 'Enter' }); // a user gesture, as the browser requires
    await waitUntil(() => document.fullscreenElement === el, 'not full screen');
    // `fullscreenchange` (which re-renders the button) comes at the next frame, after the element is full screen.
    await waitUntil(() => button(el, 'fullscreen').getAttribute('aria-pressed') === 'true', 'the button does not say full screen');
    await sendKeys({ press: 'Escape' });
    await waitUntil(() => !document.fullscreenElement, 'Escape did not leave full screen').catch(async () => {
      // Headless Chromium does not turn Escape into leaving full screen (there is no browser UI
      // for it); the button does the same.
      button(el, 'fullscreen').click();
      await waitUntil(() => !document.fullscreenElement, 'the button did not leave full screen');
    });
    await waitUntil(() => button(el, 'fullscreen').getAttribute('aria-pressed') === 'false', 'the button still says full screen');
  });

  it('picture-in-picture opens for the other participant, and closes', async () => {
    const [a] = await pair();
    const pip = button(a, 'pip');
    expect(pip.getAttribute('aria-label')).to.equal('Picture in picture');
    pip.focus();
    await sendKeys({ press: 'Enter' });
    const dpip = (window as { documentPictureInPicture?: { window: Window | null } }).documentPictureInPicture;
    await waitUntil(() => (dpip ? !!dpip.window : !!document.pictureInPictureElement), 'picture-in-picture did not open');
    if (dpip) {
      const video = dpip.window!.document.querySelector('video')!;
      expect(video.srcObject, 'the window shows the other participant').to.equal(
        (q(a, 'video[part="remote-video"]') as HTMLVideoElement).srcObject,
      );
      console.log('picture-in-picture: Document Picture-in-Picture');
    } else {
      expect(document.pictureInPictureElement).to.equal(q(a, 'video[part="remote-video"]'));
      console.log('picture-in-picture: the video element’s own');
    }
    await a.updateComplete;
    expect(button(a, 'pip').getAttribute('aria-pressed')).to.equal('true');
    button(a, 'pip').click();
    await waitUntil(() => (dpip ? !dpip.window : !document.pictureInPictureElement), 'picture-in-picture did not close');
  });
});

describe('<video-call> pre-join rough edges', function () {
  this.timeout(60000);
  afterEach(removeAllCalls);

  it('after Join by keyboard, focus lands on the mic toggle, not the page', async () => {
    const el = addCall({ room: uniqueRoom('focus'), transport: 'local', name: 'Ada', 'ice-servers': '[]' });
    await el.updateComplete;
    q(el, '[part="join-button"]')!.focus();
    const joined = eventWithin(el, 'vc-joined');
    await sendKeys({ press: 'Enter' });
    await joined;
    await waitUntil(() => shadow(el).activeElement, 'focus is not in the element');
    const mic = q(el, '[part="controls"] > .control')!;
    expect(shadow(el).activeElement).to.equal(mic);
    expect(mic.getAttribute('aria-label')).to.equal('Mute microphone');
  });

  it('with no room, the pre-join screen says why Join is disabled', async () => {
    const el = addCall({ transport: 'local', 'ice-servers': '[]' });
    await el.updateComplete;
    const join = q(el, '[part="join-button"]') as HTMLButtonElement;
    expect(join.disabled).to.equal(true);
    const hint = shadow(el).getElementById(join.getAttribute('aria-describedby')!)!;
    expect(hint.textContent).to.contain('There is no room to join yet');
    expect(hint.getBoundingClientRect().height, 'visible').to.be.above(0);
    el.room = 'somewhere';
    await el.updateComplete;
    expect(join.disabled).to.equal(false);
    expect(join.hasAttribute('aria-describedby')).to.equal(false);
    expect(shadow(el).getElementById('no-room')).to.equal(null);
  });

  it('a name longer than the relay allows is trimmed up front: the input, the tile and the relay agree', async () => {
    const long = 'Ada ' + 'L'.repeat(59) + '😀' + 'ovelace'.repeat(10); // the 64th code unit is half an emoji
    const trimmed = 'Ada ' + 'L'.repeat(59);
    const room = uniqueRoom('long-name');
    const a = addCall({ room, server: RELAY_URL, name: long, 'ice-servers': '[]' });
    await a.updateComplete;
    const input = q(a, 'input#name') as HTMLInputElement;
    expect(input.maxLength).to.equal(64);
    expect(input.value).to.equal(trimmed);
    await a.join(); // the relay refuses names over 64 characters: this one is not refused
    const b = addCall({ room, server: RELAY_URL, name: 'Bob', autojoin: true, 'ice-servers': '[]' });
    const joined = await eventWithin<{ name: string }>(b, 'vc-peer-joined').catch(() => null);
    await waitUntil(() => b.peers[0]?.name, 'no peer');
    const seen = b.peers[0].name;
    expect(seen.length).to.be.at.most(64);
    expect(seen).to.equal(trimmed);
    expect(joined === null || joined.detail.name.length <= 64).to.equal(true);
    await a.updateComplete;
    expect(q(a, '[part~="local-tile"] .name')!.textContent).to.contain(seen);
  });
});

describe('<video-call> the pin button', function () {
  this.timeout(60000);
  afterEach(removeAllCalls);

  it('each remote tile has a labelled pin button, by keyboard: pressed, that tile is shown large; pressed again, it is not', async () => {
    const [a] = await pair();
    await a.updateComplete;
    const tile = remoteTile(a);
    const pin = tile.querySelector<HTMLButtonElement>('button.pin')!;
    expect(pin, 'no pin button on the remote tile').to.exist;
    expect(q(a, '[part~="local-tile"] button.pin'), 'our own tile has none').to.equal(null);
    expect(pin.getAttribute('aria-label')).to.equal('Pin Bob');
    expect(pin.getAttribute('aria-pressed')).to.equal('false');
    expect(tile.classList.contains('main')).to.equal(false);
    pin.focus();
    await sendKeys({ press: 'Enter' });
    await a.updateComplete;
    expect(tile.classList.contains('main'), 'pinned, the tile is not shown large').to.equal(true);
    expect(pin.getAttribute('aria-pressed')).to.equal('true');
    expect(pin.getAttribute('aria-label')).to.equal('Pin Bob'); // a toggle keeps its name; pressed says it is on
    expect(pin.title).to.equal('Unpin Bob');
    expect(shadow(a).activeElement).to.equal(pin); // focus stays on it
    await sendKeys({ press: 'Space' });
    await a.updateComplete;
    expect(tile.classList.contains('main')).to.equal(false);
    expect(pin.getAttribute('aria-pressed')).to.equal('false');
    // pin() from script shows on the button too.
    a.pin(a.peers[0].id);
    await a.updateComplete;
    expect(pin.getAttribute('aria-pressed')).to.equal('true');
    // Translated (every language has the ids: element-i18n.test.ts).
    a.lang = 'de';
    await a.updateComplete;
    expect(pin.getAttribute('aria-label')).to.equal('Bob anheften');
  });
});
