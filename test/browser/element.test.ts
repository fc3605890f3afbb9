// <video-call> in real Chromium with fake camera/mic/screen, signalling through the real
// relay started for the test run (RELAY_URL). Each test uses its own room.
import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { RELAY_URL } from './test-env.js';
import type { VideoCall } from '../../src/video-call.js';
import { createSocketIoTransport } from '../../src/transports/socket-io.js';
import type { JoinOptions, Transport } from '../../src/transports/transport.js';
import { addCall, eventWithin, remoteVideo, removeAllCalls, shadow, sleep, uniqueRoom, videoIsLive, waitUntil } from './helpers.js';

const base = { server: RELAY_URL, 'ice-servers': '[]' };

/** Two elements in one room, both joined and connected to each other. */
async function pair(extra: Record<string, string | boolean> = {}) {
  const room = uniqueRoom();
  const a = addCall({ ...base, room, name: 'Ada', autojoin: true, ...extra });
  const aJoined = await eventWithin<{ selfId: string }>(a, 'vc-joined');
  const b = addCall({ ...base, room, name: 'Bob', autojoin: true, ...extra });
  const [ab, ba] = await Promise.all([eventWithin(a, 'vc-peer-connected'), eventWithin(b, 'vc-peer-connected')]);
  await Promise.all([a.updateComplete, b.updateComplete]);
  return { room, a, b, aId: aJoined.detail.selfId, bId: (ab.detail as { peerId: string }).peerId, check: ba };
}

const text = (el: VideoCall, sel: string) => shadow(el).querySelector(sel)?.textContent?.trim() ?? '';
const tileOf = (el: VideoCall, peerId: string) => shadow(el).querySelector(`figure[data-peer-id="${peerId}"]`);

describe('<video-call>', function () {
  this.timeout(40000);
  afterEach(removeAllCalls);

  it('shows a pre-join screen with a live camera preview, a name field and a Join button', async () => {
    const el = addCall({ ...base, room: uniqueRoom() });
    await waitUntil(() => el.localStream.getVideoTracks().length === 1, 'no camera preview');
    await el.updateComplete;
    const video = shadow(el).querySelector<HTMLVideoElement>('video[part="local-video"]')!;
    await videoIsLive(video);
    expect(el.state).to.equal('idle');
    expect(shadow(el).querySelector('input#name')).to.exist;
    const join = shadow(el).querySelector<HTMLButtonElement>('[part="join-button"]')!;
    expect(join.textContent!.trim()).to.equal('Join');
    expect(join.disabled).to.equal(false);
  });

  it('joins with the name typed on the pre-join screen; the other side sees that name', async () => {
    const room = uniqueRoom();
    const a = addCall({ ...base, room });
    await a.updateComplete;
    const input = shadow(a).querySelector<HTMLInputElement>('input#name')!;
    input.value = 'Grace';
    input.dispatchEvent(new InputEvent('input'));
    const joined = eventWithin<{ room: string; selfId: string }>(a, 'vc-joined');
    shadow(a).querySelector<HTMLButtonElement>('[part="join-button"]')!.click();
    const { detail } = await joined;
    expect(detail.room).to.equal(room);
    expect(detail.selfId).to.be.a('string').and.not.empty;
    expect(a.state).to.equal('joined');
    const b = addCall({ ...base, room, autojoin: true });
    const seen = await eventWithin<{ peerId: string; name: string }>(b, 'vc-peer-joined');
    expect(seen.detail).to.deep.equal({ peerId: detail.selfId, name: 'Grace' });
  });

  it('connects two elements through the relay: live video both ways, names on the tiles', async () => {
    const { a, b, aId, bId } = await pair();
    await videoIsLive(remoteVideo(a, bId)!);
    await videoIsLive(remoteVideo(b, aId)!);
    expect(a.peers).to.deep.equal([
      { id: bId, name: 'Bob', connectionState: 'connected', audio: true, video: true, screen: false, hand: false },
    ]);
    expect(tileOf(a, bId)!.textContent).to.contain('Bob');
    expect(tileOf(b, aId)!.textContent).to.contain('Ada');
    // The remote video carries the peer's audio too, and is not muted.
    const v = remoteVideo(a, bId)!;
    expect(v.muted).to.equal(false);
    expect((v.srcObject as MediaStream).getAudioTracks()).to.have.length(1);
  });

  it('sends chat peer to peer; markup is shown as text, never as markup', async () => {
    const { a, b, aId } = await pair();
    const got = eventWithin<{ from: string; name: string; text: string; at: number }>(b, 'vc-chat-message');
    const own = eventWithin<{ from: string }>(a, 'vc-chat-message');
    const evil = '<img src=x onerror="window.__pwned=1"><b>bold?</b>';
    a.sendChat(evil);
    const { detail } = await got;
    expect(detail.from).to.equal(aId);
    expect(detail.name).to.equal('Ada');
    expect(detail.text).to.equal(evil);
    expect(Math.abs(detail.at - Date.now())).to.be.below(10000);
    expect((await own).detail.from).to.equal(aId);
    // The unread badge counts it; opening the chat shows it as text.
    await b.updateComplete;
    expect(text(b, '.unread')).to.equal('1');
    shadow(b).querySelector<HTMLButtonElement>('button[aria-label="Chat"]')!.click();
    await b.updateComplete;
    const chat = shadow(b).querySelector('[part="chat"]')!;
    expect(chat.textContent).to.contain(evil);
    expect(chat.querySelector('img, b')).to.equal(null);
    expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
  });

  it('chat from the panel: Enter sends, the message shows for both', async () => {
    const { a, b } = await pair();
    shadow(a).querySelector<HTMLButtonElement>('button[aria-label="Chat"]')!.click();
    await a.updateComplete;
    const box = shadow(a).querySelector<HTMLTextAreaElement>('#chat-input')!;
    box.focus();
    const got = eventWithin<{ text: string }>(b, 'vc-chat-message');
    await sendKeys({ type: 'hello there' });
    await sendKeys({ press: 'Enter' });
    expect((await got).detail.text).to.equal('hello there');
    await a.updateComplete;
    expect(text(a, '[part="chat"] .messages')).to.contain('hello there');
    expect(box.value).to.equal('');
  });

  it('mic and camera toggles: the other side is told and shows it; camera off releases the camera', async () => {
    const { a, b, aId } = await pair();
    await videoIsLive(remoteVideo(b, aId)!);
    const muted = eventWithin<{ peerId: string; audio: boolean; video: boolean; screen: boolean }>(b, 'vc-peer-media');
    expect(a.toggleMic()).to.equal(false);
    expect((await muted).detail).to.deep.equal({ peerId: aId, audio: false, video: true, screen: false });
    expect(a.localStream.getAudioTracks()[0].enabled).to.equal(false);
    await b.updateComplete;
    expect(tileOf(b, aId)!.querySelector('[aria-label="Microphone off"]')).to.exist;

    const camTrack = a.localStream.getVideoTracks()[0];
    const camOff = eventWithin<{ video: boolean }>(b, 'vc-peer-media');
    expect(a.toggleCamera(false)).to.equal(false);
    expect((await camOff).detail.video).to.equal(false);
    expect(camTrack.readyState).to.equal('ended'); // the camera light goes out
    await b.updateComplete;
    expect(tileOf(b, aId)!.querySelector('[aria-label="Camera off"]')).to.exist;
    expect(tileOf(b, aId)!.querySelector('.avatar')).to.exist;

    const camOn = eventWithin<{ video: boolean }>(b, 'vc-peer-media');
    a.toggleCamera(true);
    expect((await camOn).detail.video).to.equal(true);
    await b.updateComplete;
    await videoIsLive(remoteVideo(b, aId)!);
    expect(a.toggleMic(true)).to.equal(true);
  });

  it('controls are labelled buttons that work from the keyboard', async () => {
    const { a } = await pair();
    const bar = shadow(a).querySelector('[part="controls"]')!;
    const buttons = [...bar.querySelectorAll('button')];
    expect(buttons.map((b) => b.getAttribute('aria-label'))).to.deep.equal([
      'Mute microphone',
      'Turn camera off',
      'Share screen',
      'Chat',
      'Raise hand',
      'Reactions',
      'Participants',
      'Full screen',
      'Picture in picture',
      'Settings',
      'Leave call',
    ]);
    buttons[0].focus();
    expect(shadow(a).activeElement).to.equal(buttons[0]);
    await sendKeys({ press: 'Space' });
    await a.updateComplete;
    expect(a.localStream.getAudioTracks()[0].enabled).to.equal(false);
    expect(bar.querySelector('button')!.getAttribute('aria-pressed')).to.equal('true');
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'Enter' });
    await a.updateComplete;
    expect(shadow(a).querySelector('[part="chat"]')).to.exist;
  });

  it('screen share replaces the outgoing video without renegotiating, and reverts when sharing ends', async () => {
    const room = uniqueRoom();
    // Observe (not replace) what A's real transport sends, to count SDP offers.
    const sdp: string[] = [];
    const real = createSocketIoTransport({ server: RELAY_URL });
    const observed: Transport = {
      get state() {
        return real.state;
      },
      on: real.on.bind(real),
      join: real.join.bind(real),
      leave: real.leave.bind(real),
      close: real.close.bind(real),
      send(to: string, data: unknown) {
        const d = data as { t?: string; description?: { type: string } };
        if (d?.t === 'sdp') sdp.push(d.description!.type);
        real.send(to, data);
      },
    };
    const a = addCall({ ...base, room, name: 'Ada' });
    a.transport = observed;
    await a.join();
    const b = addCall({ ...base, room, name: 'Bob', autojoin: true });
    await Promise.all([eventWithin(a, 'vc-peer-connected'), eventWithin(b, 'vc-peer-connected')]);
    await b.updateComplete;
    const video = remoteVideo(b)!;
    await videoIsLive(video);
    const camTrack = a.localStream.getVideoTracks()[0];
    const sdpBefore = sdp.length;

    const started = eventWithin<{ active: boolean }>(a, 'vc-screen-share');
    const told = eventWithin<{ screen: boolean }>(b, 'vc-peer-media');
    await a.startScreenShare();
    expect((await started).detail).to.deep.equal({ active: true });
    expect((await told).detail.screen).to.equal(true);
    const screenTrack = a.localStream.getVideoTracks()[0];
    expect(screenTrack).to.not.equal(camTrack);
    await videoIsLive(video);
    await b.updateComplete;
    expect(shadow(b).querySelector('[aria-label="Sharing screen"]')).to.exist;

    // The browser's own "Stop sharing" ends the track; a page cannot press that button, so
    // the test fires the same 'ended' event the browser fires.
    const stopped = eventWithin<{ active: boolean }>(a, 'vc-screen-share');
    screenTrack.stop();
    screenTrack.dispatchEvent(new Event('ended'));
    expect((await stopped).detail).to.deep.equal({ active: false });
    expect(a.localStream.getVideoTracks()).to.deep.equal([camTrack]);
    await videoIsLive(video);
    expect(sdp.length, `SDP sent during screen share: ${sdp.slice(sdpBefore)}`).to.equal(sdpBefore);
  });

  it('getStats() reports round-trip time, loss, bitrates and frame size per peer', async () => {
    const { a, bId } = await pair();
    await videoIsLive(remoteVideo(a, bId)!);
    await sleep(1000);
    const [s] = await a.getStats();
    expect(s.peerId).to.equal(bId);
    expect(s.roundTripTime).to.be.a('number').within(0, 1);
    expect(s.packetsLost).to.be.a('number').at.least(0);
    expect(s.packetLoss).to.be.within(0, 1);
    expect(s.bitrateIn).to.be.above(10000);
    expect(s.bitrateOut).to.be.above(10000);
    expect(s.frameWidth).to.be.above(0);
    expect(s.frameHeight).to.be.above(0);
  });

  it('leave(): the other side sees the peer go; the element returns to its pre-join screen', async () => {
    const { room, a, b, aId } = await pair();
    const gone = eventWithin<{ peerId: string }>(b, 'vc-peer-left');
    const left = eventWithin<{ room: string }>(a, 'vc-left');
    await a.leave();
    expect((await left).detail).to.deep.equal({ room });
    expect((await gone).detail).to.deep.equal({ peerId: aId });
    await Promise.all([a.updateComplete, b.updateComplete]);
    expect(a.state).to.equal('idle');
    expect(shadow(a).querySelector('[part="join-button"]')).to.exist;
    expect(tileOf(b, aId)).to.equal(null);
    expect(b.peers).to.deep.equal([]);
  });

  it('removing the element stops every track, closes the connection and leaves the room', async () => {
    const { a, b, aId } = await pair();
    const tracks = a.localStream.getTracks();
    expect(tracks.length).to.equal(2);
    const gone = eventWithin<{ peerId: string }>(b, 'vc-peer-left');
    a.remove();
    expect((await gone).detail.peerId).to.equal(aId);
    await waitUntil(() => tracks.every((t) => t.readyState === 'ended'), 'tracks still live after removal');
    await b.updateComplete;
    expect(remoteVideo(b)).to.equal(null);
  });

  it('moving the element within the page keeps the call', async () => {
    const { a, b } = await pair();
    let left = false;
    b.addEventListener('vc-peer-left', () => (left = true));
    const box = document.createElement('div');
    document.body.append(box);
    box.append(a);
    await sleep(1500);
    expect(left).to.equal(false);
    expect(a.state).to.equal('joined');
    box.remove();
  });

  it('changing room while joined leaves the old room and joins the new one', async () => {
    const { room, a, b, aId } = await pair();
    const next = uniqueRoom();
    const left = eventWithin<{ room: string }>(a, 'vc-left');
    const joined = eventWithin<{ room: string }>(a, 'vc-joined');
    const gone = eventWithin<{ peerId: string }>(b, 'vc-peer-left');
    const errors: unknown[] = [];
    a.addEventListener('vc-error', (e) => errors.push((e as CustomEvent).detail));
    a.room = next;
    expect((await left).detail.room).to.equal(room);
    expect((await joined).detail.room).to.equal(next);
    expect((await gone).detail.peerId).to.equal(aId);
    expect(a.getAttribute('room')).to.equal(next);
    expect(a.peers).to.deep.equal([]);
    await sleep(500);
    expect(errors, 'a room change is not an error').to.deep.equal([]);
  });

  it('changing room while the old room is refusing the join still ends in the new room', async () => {
    const { LocalTransport } = await import('../../src/transports/local.js');
    const { VideoCallError } = await import('../../src/errors.js');
    const full = uniqueRoom('full');
    // A real local transport, except that one room answers "full" after a moment, as a relay would.
    class OneRoomFull extends LocalTransport {
      override async join(room: string, options?: JoinOptions) {
        if (room !== full) return super.join(room, options);
        await sleep(300);
        throw new VideoCallError('room-full', 'This room is full.');
      }
    }
    const el = addCall({ room: full, name: 'Ada', 'ice-servers': '[]' });
    el.transport = new OneRoomFull();
    const joining = el.join();
    await waitUntil(() => el.state === 'joining', 'not joining', { interval: 1 });
    const next = uniqueRoom('open');
    el.room = next;
    await joining;
    expect(el.state).to.equal('joined');
    expect(el.room).to.equal(next);
  });

  it('an element removed while its join is under way does not join or capture unseen', async () => {
    const room = uniqueRoom();
    const watcher = addCall({ ...base, room, name: 'Watcher', autojoin: true });
    await eventWithin(watcher, 'vc-joined');
    const el = addCall({ ...base, room, name: 'Gone' });
    await waitUntil(() => el.localStream.getTracks().length === 2, 'no preview');
    const joining = el.join().catch((e) => e);
    el.remove();
    const outcome = await joining;
    await sleep(1500);
    expect(outcome?.code ?? 'joined').to.not.equal('joined');
    expect(el.localStream.getTracks().filter((t) => t.readyState === 'live')).to.deep.equal([]);
    expect(watcher.peers).to.deep.equal([]);
  });

  it('changing room while still joining ends in the new room', async () => {
    const first = uniqueRoom();
    const next = uniqueRoom();
    const a = addCall({ ...base, room: first, name: 'Ada' });
    const joining = a.join();
    await waitUntil(() => a.state === 'joining', 'not joining', { interval: 1 });
    a.room = next; // while the join of the first room is under way
    await joining;
    expect(a.state).to.equal('joined');
    const b = addCall({ ...base, room: next, name: 'Bob', autojoin: true });
    await eventWithin(b, 'vc-peer-connected');
    await waitUntil(() => a.peers.map((p) => p.name).join() === 'Bob', 'Ada is not in the new room');
    expect(a.room).to.equal(next);
  });

  it('starts with mic and camera off when audio="off" video="off"', async () => {
    const el = addCall({ ...base, room: uniqueRoom(), audio: 'off', video: 'off' });
    await waitUntil(() => el.localStream.getAudioTracks().length === 1, 'no mic');
    await el.updateComplete;
    expect(el.localStream.getVideoTracks()).to.have.length(0); // the camera was never opened
    expect(el.localStream.getAudioTracks()[0].enabled).to.equal(false);
    const buttons = shadow(el).querySelectorAll('.preview-controls button[aria-pressed]');
    expect([...buttons].map((b) => b.getAttribute('aria-pressed'))).to.deep.equal(['true', 'true']);
    expect(el.toggleCamera()).to.equal(true);
    await waitUntil(() => el.localStream.getVideoTracks().length === 1, 'camera did not start');
  });

  it('audio="off" / video="off" set by a script after the element is on the page still apply', async () => {
    const el = addCall({ ...base, room: uniqueRoom() });
    el.setAttribute('audio', 'off');
    el.setAttribute('video', 'off');
    await waitUntil(() => el.localStream.getAudioTracks().length === 1, 'no mic');
    await sleep(300); // the camera would have started by now
    await el.updateComplete;
    expect(el.localStream.getVideoTracks().filter((t) => t.readyState === 'live')).to.have.length(0);
    expect(el.localStream.getAudioTracks()[0].enabled).to.equal(false);
    // Later changes switch the device, like the buttons.
    el.setAttribute('video', 'on');
    await waitUntil(() => el.localStream.getVideoTracks().length === 1, 'camera did not start');
    el.setAttribute('audio', 'on');
    await el.updateComplete;
    expect(el.localStream.getAudioTracks()[0].enabled).to.equal(true);
  });

  it('a camera turned on after joining without one reaches the peer (renegotiation)', async () => {
    const { a, b, aId } = await pair({ video: 'off' });
    await waitUntil(() => b.peers[0]?.video === false, 'peer not told the camera is off');
    expect(remoteVideo(b, aId)!.videoWidth).to.equal(0);
    a.toggleCamera(true);
    await waitUntil(() => b.peers[0]?.video === true, 'peer not told of camera on');
    await b.updateComplete;
    await videoIsLive(remoteVideo(b, aId)!);
  });

  it('max-peers: refuses connections beyond the limit and says so', async () => {
    const room = uniqueRoom();
    const a = addCall({ ...base, room, name: 'A', autojoin: true, 'max-peers': '1' });
    await eventWithin(a, 'vc-joined');
    const b = addCall({ ...base, room, name: 'B', autojoin: true });
    await eventWithin(a, 'vc-peer-connected');
    const c = addCall({ ...base, room, name: 'C', autojoin: true });
    const err = await eventWithin<{ code: string; message: string }>(c, 'vc-error');
    expect(err.detail.code).to.equal('room-full');
    await eventWithin(c, 'vc-peer-connected'); // C still reaches B
    expect(a.peers.map((p) => p.name)).to.deep.equal(['B']);
    expect(c.peers.map((p) => p.name)).to.deep.equal(['B']);
    expect(b.peers.length).to.equal(2);
  });
});

describe('<video-call> bad configuration', () => {
  afterEach(removeAllCalls);
  const errors: ErrorEvent[] = [];
  const onError = (e: ErrorEvent) => errors.push(e);
  before(() => window.addEventListener('error', onError));
  after(() => window.removeEventListener('error', onError));

  for (const [attr, value, words] of [
    ['ice-servers', '[{"urls": ', 'not valid JSON'],
    ['ice-servers', '{"urls": "stun:x"}', 'JSON array'],
    ['transport', 'carrier-pigeon', 'Unknown transport "carrier-pigeon"'],
    ['firebase-config', '{nope', 'not valid JSON'],
  ] as const) {
    it(`${attr}="${value}": vc-error bad-config, shown in the element, nothing thrown, not joined`, async () => {
      const el = document.createElement('video-call');
      const got = eventWithin<{ code: string; message: string }>(el, 'vc-error');
      el.setAttribute(attr, value);
      el.setAttribute('server', RELAY_URL);
      el.setAttribute('room', uniqueRoom());
      el.setAttribute('autojoin', '');
      document.body.append(el);
      const { detail } = await got;
      expect(detail.code).to.equal('bad-config');
      expect(detail.message).to.contain(words);
      await el.updateComplete;
      expect(shadow(el).querySelector('[part="error"]')!.textContent).to.contain(words);
      expect(el.state).to.equal('error');
      await sleep(300);
      expect(el.state).to.equal('error'); // did not join anyway
      expect(errors).to.deep.equal([]);
      el.remove();
    });
  }

  it('max-peers="0": vc-error bad-config, shown, and the element falls back to 5 and still joins', async () => {
    const el = document.createElement('video-call');
    const got = eventWithin<{ code: string; message: string }>(el, 'vc-error');
    for (const [k, v] of Object.entries({ ...base, room: uniqueRoom(), 'max-peers': '0', autojoin: '' })) el.setAttribute(k, v);
    document.body.append(el);
    const { detail } = await got;
    expect(detail.code).to.equal('bad-config');
    expect(detail.message).to.contain('max-peers');
    await eventWithin(el, 'vc-joined');
    await el.updateComplete;
    expect(el.maxPeers).to.equal(5);
    expect(el.state).to.equal('joined');
    expect(shadow(el).querySelector('[part="error"]')!.textContent).to.contain('using 5');
    el.remove();
  });

  it('a transport object set as the property is not reflected as a junk attribute', async () => {
    const el = addCall({ ...base, room: uniqueRoom() });
    el.transport = createSocketIoTransport({ server: RELAY_URL });
    await el.updateComplete;
    expect(el.hasAttribute('transport')).to.equal(false);
    expect(el.state).to.equal('idle');
    el.transport = 'local';
    await el.updateComplete;
    expect(el.getAttribute('transport')).to.equal('local');
  });

  it('transport="firebase" without a databaseURL is bad-config; join() rejects with that code', async () => {
    const el = addCall({ room: uniqueRoom(), transport: 'firebase', 'firebase-config': '{"apiKey": "x"}' });
    await el.updateComplete;
    expect(el.state).to.equal('error');
    const err = await el.join().then(
      () => null,
      (e) => e,
    );
    expect(err.code).to.equal('bad-config');
    expect(err.message).to.contain('databaseURL');
  });

  it('recovers when the bad value is fixed', async () => {
    const el = addCall({ ...base, room: uniqueRoom(), 'ice-servers': 'oops' });
    await el.updateComplete;
    expect(el.state).to.equal('error');
    el.setAttribute('ice-servers', '[]');
    await el.updateComplete;
    expect(el.state).to.equal('idle');
    expect(shadow(el).querySelector('[part="error"]')).to.equal(null);
    await el.join();
    expect(el.state).to.equal('joined');
  });

  it('join() without a room is bad-config, with a message saying what to set', async () => {
    const el = addCall({ ...base });
    const err = await el.join().then(
      () => null,
      (e) => e,
    );
    expect(err.code).to.equal('bad-config');
    expect(err.message).to.contain('room');
  });

  it('an unreachable relay is a transport error shown in the element', async () => {
    const el = addCall({ room: uniqueRoom(), server: 'http://127.0.0.1:9', 'ice-servers': '[]' });
    const got = eventWithin<{ code: string; message: string }>(el, 'vc-error', 20000);
    const joined = el.join().catch((e) => e);
    const { detail } = await got;
    expect(detail.code).to.equal('transport');
    expect((await joined).code).to.equal('transport');
    await el.updateComplete;
    expect(el.state).to.equal('error');
    expect(shadow(el).querySelector('[part="error"]')!.textContent).to.contain(detail.message);
  }).timeout(30000);
});

describe('<video-call> camera or mic refused', () => {
  // Chromium's permission prompt cannot be answered "Block" from inside a page, so this
  // suite makes getUserMedia reject the way a refusal does (NotAllowedError). The real
  // refusal, with the browser's permission denied, is tested end to end in test/e2e/.
  let original: MediaDevices['getUserMedia'];
  beforeEach(() => {
    original = navigator.mediaDevices.getUserMedia;
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  });
  afterEach(() => {
    navigator.mediaDevices.getUserMedia = original;
    removeAllCalls();
  });

  it('fires permission-denied, says so readably, and still joins receive-only: sees and hears the other', async () => {
    const room = uniqueRoom();
    const a = addCall({ ...base, room, name: 'Ada' });
    const { detail } = await eventWithin<{ code: string; message: string }>(a, 'vc-error');
    expect(detail.code).to.equal('permission-denied');
    await a.updateComplete;
    expect(shadow(a).querySelector('[part="error"]')!.textContent).to.contain('refused');
    await a.join(); // asks again on join: refused again
    expect(a.state).to.equal('joined');
    navigator.mediaDevices.getUserMedia = original; // the other person has a camera
    const b = addCall({ ...base, room, name: 'Bob', autojoin: true });
    await Promise.all([eventWithin(a, 'vc-peer-connected'), eventWithin(b, 'vc-peer-connected')]);
    await a.updateComplete;
    const v = remoteVideo(a)!;
    await videoIsLive(v);
    expect((v.srcObject as MediaStream).getAudioTracks()).to.have.length(1);
    expect(a.localStream.getTracks()).to.have.length(0);
  });
});

describe('<video-call> details a user notices', function () {
  this.timeout(40000);
  afterEach(removeAllCalls);

  it('the chat panel shows the newest message, unless the reader scrolled up', async () => {
    const { a, b } = await pair();
    shadow(b).querySelector<HTMLButtonElement>('button[aria-label="Chat"]')!.click();
    await b.updateComplete;
    const list = shadow(b).querySelector<HTMLElement>('.messages')!;
    const newestVisible = () => {
      const last = list.lastElementChild!.getBoundingClientRect();
      const box = list.getBoundingClientRect();
      return last.bottom <= box.bottom + 1 && last.top >= box.top - 1;
    };
    // Within the burst a peer may send at once (the engine drops chat beyond 20, src/call/rate-limit.ts).
    for (let i = 1; i <= 15; i++) a.sendChat(`message ${i}: ${'words '.repeat(12)}`);
    await waitUntil(
      () => list.children.length === 15 && list.lastElementChild!.textContent!.includes('message 15'),
      'messages did not arrive',
      { timeout: 5000 },
    );
    await b.updateComplete;
    expect(newestVisible(), 'newest message scrolled into view').to.equal(true);
    list.scrollTop = 0; // reading older messages
    a.sendChat('one more');
    await waitUntil(() => list.lastElementChild!.textContent!.includes('one more'), 'message did not arrive', { timeout: 5000 });
    await b.updateComplete;
    expect(list.scrollTop, 'the reader was not yanked down').to.equal(0);
  });

  it('chat and keyboard focus: opening puts focus in the message box, Escape closes and gives it back to the Chat button', async () => {
    const { a } = await pair();
    const chatButton = () => shadow(a).querySelector<HTMLButtonElement>('button[aria-label="Chat"]')!;
    chatButton().focus();
    await sendKeys({ press: 'Enter' });
    await a.updateComplete;
    await waitUntil(() => shadow(a).activeElement?.id === 'chat-input', 'focus not in the message box');
    await sendKeys({ press: 'Escape' });
    await a.updateComplete;
    expect(shadow(a).querySelector('[part="chat"]')).to.equal(null);
    await waitUntil(() => shadow(a).activeElement === chatButton(), 'focus not back on the Chat button');
    // Leaving removes the control bar: focus lands on the Join button, not on the page body.
    shadow(a).querySelector<HTMLButtonElement>('button[aria-label="Leave call"]')!.click();
    await eventWithin(a, 'vc-left');
    await waitUntil(() => shadow(a).activeElement === shadow(a).querySelector('[part="join-button"]'), 'focus lost on leave');
  });

  it("a name changed during the call reaches the others' tiles", async () => {
    const { a, b, aId } = await pair();
    a.name = 'Ada Lovelace';
    await waitUntil(() => b.peers[0]?.name === 'Ada Lovelace', 'the other side still shows the old name');
    await b.updateComplete;
    expect(tileOf(b, aId)!.textContent).to.contain('Ada Lovelace');
  });

  it('signaling that ends with a reason (a refused rejoin) shows that reason, not a bare "connection closed"', async () => {
    const { LocalTransport } = await import('../../src/transports/local.js');
    // A real local transport that can be made to end the way a relay refusing an automatic
    // rejoin ends it (that path itself is tested against a real relay in test/node/relay-transport.test.ts).
    class Ending extends LocalTransport {
      end(code: 'unauthorized', message: string) {
        this.emit('error', { code, message });
        this.close();
      }
    }
    const el = addCall({ room: uniqueRoom('ends'), 'ice-servers': '[]' });
    const transport = new Ending();
    el.transport = transport;
    await el.join();
    const errors: { code: string }[] = [];
    el.addEventListener('vc-error', (e) => errors.push((e as CustomEvent).detail));
    transport.end('unauthorized', 'Token expired'); // as the relay words it: no final period
    await el.updateComplete;
    expect(errors.map((e) => e.code)).to.deep.equal(['unauthorized']);
    expect(shadow(el).querySelector('[part="error"]')!.textContent).to.contain('Token expired. Calls in progress go on');
  });

  it('a message arriving while the chat is closed is announced to screen readers and counted on the Chat button', async () => {
    const { a, b } = await pair();
    a.sendChat('Lunch at one?');
    await waitUntil(() => shadow(b).querySelector('.unread')?.textContent?.trim() === '1', 'no unread count');
    const live = shadow(b).querySelector('[aria-live="polite"][role="status"]')!;
    expect(live.textContent!.trim()).to.equal('New message from Ada: Lunch at one?');
    // The same words again are a new message: a new node, so a screen reader says it again.
    const first = live.querySelector('p');
    a.sendChat('Lunch at one?');
    await waitUntil(() => shadow(b).querySelector('.unread')?.textContent?.trim() === '2', 'no second unread');
    expect(live.querySelector('p')).to.not.equal(first);
    expect(live.textContent!.trim()).to.equal('New message from Ada: Lunch at one?');
  });

  it('events bubble out of the element and cross shadow roots (composed)', async () => {
    const seen: { type: string; composed: boolean; bubbles: boolean }[] = [];
    const onEvent = (e: Event) => seen.push({ type: e.type, composed: e.composed, bubbles: e.bubbles });
    document.addEventListener('vc-joined', onEvent);
    try {
      const el = addCall({ ...base, room: uniqueRoom(), autojoin: true });
      await eventWithin(el, 'vc-joined');
      expect(seen).to.deep.equal([{ type: 'vc-joined', composed: true, bubbles: true }]);
    } finally {
      document.removeEventListener('vc-joined', onEvent);
    }
  });

  it('ice-servers reaches every RTCPeerConnection the element makes', async () => {
    // Watches the real constructor (calls straight through) to read each connection's configuration.
    const Original = window.RTCPeerConnection;
    const configs: RTCConfiguration[] = [];
    window.RTCPeerConnection = class extends Original {
      constructor(config?: RTCConfiguration) {
        super(config);
        configs.push(this.getConfiguration());
      }
    } as typeof RTCPeerConnection;
    try {
      const servers = [{ urls: 'stun:127.0.0.1:3479' }, { urls: ['turn:127.0.0.1:3478'], username: 'u', credential: 'p' }];
      await pair({ 'ice-servers': JSON.stringify(servers) });
      expect(configs.length).to.be.greaterThanOrEqual(2);
      for (const c of configs) {
        expect(c.iceServers!.map((s) => [[s.urls].flat(), s.username || ''])).to.deep.equal([
          [['stun:127.0.0.1:3479'], ''],
          [['turn:127.0.0.1:3478'], 'u'],
        ]);
      }
    } finally {
      window.RTCPeerConnection = Original;
    }
  });

  it('a transport registered with registerTransport() is chosen by the transport attribute', async () => {
    const { registerTransport } = await import('../../src/transports/registry.js');
    const { createLocalTransport } = await import('../../src/transports/local.js');
    let made = 0;
    registerTransport('in-house', () => (made++, createLocalTransport()));
    const room = uniqueRoom('custom');
    const a = addCall({ room, name: 'A', transport: 'in-house', 'ice-servers': '[]', autojoin: true });
    await eventWithin(a, 'vc-joined');
    const b = addCall({ room, name: 'B', transport: 'in-house', 'ice-servers': '[]', autojoin: true });
    await Promise.all([eventWithin(a, 'vc-peer-connected'), eventWithin(b, 'vc-peer-connected')]);
    expect(made).to.equal(2);
    await a.updateComplete;
    await videoIsLive(remoteVideo(a)!);
  });

  it('two people who both take the other for the newcomer still connect', async () => {
    // A local transport that lists nobody at join (discovery 0 ms): each side hears of the
    // other only as "joined", as happens when two people join at the same instant.
    const { createLocalTransport } = await import('../../src/transports/local.js');
    const room = uniqueRoom('both-new');
    const make = (name: string) => {
      const el = addCall({ room, name, 'ice-servers': '[]' });
      el.transport = createLocalTransport({ discoveryMs: 0 });
      return el;
    };
    const a = make('A');
    const b = make('B');
    await Promise.all([a.join(), b.join()]);
    await Promise.all([eventWithin(a, 'vc-peer-connected'), eventWithin(b, 'vc-peer-connected')]);
    await a.updateComplete;
    await videoIsLive(remoteVideo(a)!);
  });
});
