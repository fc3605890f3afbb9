// Devices (issue 14): camera, microphone and speaker pickers, live switching in a call without
// renegotiation, the choice remembered on the site, an unplugged device replaced by another and
// used again when it is back, the pre-join level meter, noise suppression, and the camera turned
// off by leaving. Real Chromium with `--use-fake-device-for-media-stream=device-count=3`
// (web-test-runner.config.js): three cameras, three fake microphones (they beep) and three fake
// speakers; a real relay, real connections. fake_device_0 and fake_device_2 draw the same picture
// on greens of different brightness (about 155 and 127); fake_device_1 gives Y16 (depth) frames,
// which WebRTC does not send, so the calls here use the other two.
import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { RELAY_URL } from './test-env.js';
import type { VideoCall } from '../../src/video-call.js';
import {
  addCall,
  eventWithin,
  framePixels,
  remoteVideo,
  removeAllCalls,
  shadow,
  uniqueRoom,
  videoIsLive,
  waitUntil,
  countNegotiations,
} from './helpers.js';

const base = { server: RELAY_URL, 'ice-servers': '[]' };
type DeviceChange = { kind: string; deviceId: string; label: string; reason: string };

/** Two elements in one room, both joined and connected to each other. */
async function pair(extra: Record<string, string | boolean> = {}) {
  const room = uniqueRoom('devices');
  const a = addCall({ ...base, room, name: 'Ada', autojoin: true, ...extra });
  await eventWithin(a, 'vc-joined');
  const b = addCall({ ...base, room, name: 'Bob', autojoin: true, ...extra });
  await Promise.all([eventWithin(a, 'vc-peer-connected'), eventWithin(b, 'vc-peer-connected')]);
  await Promise.all([a.updateComplete, b.updateComplete]);
  return { room, a, b };
}

/** The mean green of `video`'s current frame (fake_device_0: about 155, fake_device_2: about 127). */
function green(video: HTMLVideoElement): number {
  const d = framePixels(video, 64, 36);
  let sum = 0;
  for (let i = 0; i < d.length; i += 4) sum += d[i + 1];
  return sum / (64 * 36);
}

const clearChoices = () => ['camera', 'microphone', 'speaker'].forEach((k) => localStorage.removeItem(`video-call-${k}`));
const cameraLabel = (el: VideoCall) => el.localStream.getVideoTracks()[0]?.label;
const settingsButton = (el: VideoCall) => shadow(el).querySelector<HTMLButtonElement>('button[data-control="settings"]');

describe('<video-call> devices', function () {
  this.timeout(60000);
  beforeEach(clearChoices);
  afterEach(async () => {
    await removeAllCalls();
    clearChoices();
  });

  it('getDevices() lists the three cameras, microphones and speakers with their labels', async () => {
    const el = addCall({ ...base, room: uniqueRoom() });
    await waitUntil(() => el.localStream.getVideoTracks().length === 1, 'no camera preview');
    const devices = await el.getDevices();
    expect(devices.cameras.map((d) => d.label)).to.deep.equal(['fake_device_0', 'fake_device_1', 'fake_device_2']);
    expect(devices.microphones).to.have.length(3);
    expect(devices.speakers).to.have.length(3);
    for (const d of [...devices.cameras, ...devices.microphones, ...devices.speakers]) {
      expect(Object.keys(d).sort()).to.deep.equal(['deviceId', 'label']);
      expect(d.deviceId).to.be.a('string').and.not.equal('');
    }
  });

  it('the pre-join screen: a level meter that moves with the microphone, a Settings panel with the three pickers, by keyboard', async () => {
    // The element's AudioContexts are real ones; this only keeps a hand on them, to see the meter's stopped after Join.
    const contexts: AudioContext[] = [];
    const Real = window.AudioContext;
    window.AudioContext = class extends Real {
      constructor(options?: AudioContextOptions) {
        super(options);
        contexts.push(this);
      }
    };
    try {
      const el = addCall({ ...base, room: uniqueRoom() });
      await waitUntil(() => shadow(el).querySelector('[role="meter"]'), 'no level meter on the pre-join screen');
      const meter = shadow(el).querySelector<HTMLElement>('[role="meter"]')!;
      expect(meter.getAttribute('aria-label')).to.equal('Microphone level');
      // The fake microphone beeps: the meter goes up.
      await waitUntil(() => Number(meter.getAttribute('aria-valuenow')) > 20, 'the meter does not move', { timeout: 8000 });

      const button = settingsButton(el)!;
      expect(button.getAttribute('aria-label')).to.equal('Settings');
      expect(button.getAttribute('aria-expanded')).to.equal('false');
      button.focus();
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => shadow(el).querySelector('[part="settings"] select'), 'no settings panel');
      const panel = shadow(el).querySelector<HTMLElement>('[part="settings"]')!;
      expect(panel.getAttribute('role')).to.equal('dialog');
      await waitUntil(() => shadow(el).activeElement?.tagName === 'SELECT', 'focus not in the panel');
      const pickers = [...panel.querySelectorAll('select')];
      expect(pickers.map((s) => s.closest('label')!.textContent!.trim().split('\n')[0].trim())).to.deep.equal([
        'Camera',
        'Microphone',
        'Speaker',
        'Noise suppression',
      ]);
      expect(pickers.map((s) => s.options.length)).to.deep.equal([3, 3, 3, 3]);
      expect(pickers[0].selectedOptions[0].textContent!.trim()).to.equal('fake_device_0');
      // Noise suppression: Standard (the browser's, the default), Strong (RNNoise) or Off.
      expect([...pickers[3].options].map((o) => [o.value, o.textContent!.trim()])).to.deep.equal([
        ['on', 'Standard'],
        ['strong', 'Strong'],
        ['off', 'Off'],
      ]);
      expect(pickers[3].value).to.equal('on');
      await sendKeys({ press: 'Escape' });
      await waitUntil(() => !shadow(el).querySelector('[part="settings"]'), 'Escape does not close the panel');
      await waitUntil(() => shadow(el).activeElement === settingsButton(el), 'focus not back on the Settings button');

      // Shown no more (in the call), the meter stops: its AudioContext is closed.
      expect(contexts.length).to.be.above(0);
      el.join().catch(() => {});
      await eventWithin(el, 'vc-joined');
      await el.updateComplete;
      expect(shadow(el).querySelector('[role="meter"]')).to.equal(null);
      await waitUntil(() => contexts.every((c) => c.state === 'closed'), 'the meter still runs in the call');
    } finally {
      window.AudioContext = Real;
    }
  });

  it('in a call, choosing another camera changes what the other side sees at once, with no new offer or answer', async () => {
    const { a, b } = await pair();
    const video = remoteVideo(b)!;
    await videoIsLive(video);
    await waitUntil(() => green(video) > 145, `the other side does not see fake_device_0 (green ${green(video)})`);
    const other = (await a.getDevices()).cameras.find((d) => d.label === 'fake_device_2')!;
    const negotiations = countNegotiations();
    try {
      const changed = eventWithin<DeviceChange>(a, 'vc-device-change');
      await a.selectDevice('camera', other.deviceId);
      expect((await changed).detail).to.deep.equal({ kind: 'camera', deviceId: other.deviceId, label: 'fake_device_2', reason: 'user' });
      expect(cameraLabel(a)).to.equal('fake_device_2');
      // What Bob sees changes to the other camera's picture, and keeps playing.
      await waitUntil(() => green(video) < 137, `the other side still sees the first camera (green ${green(video)})`, { timeout: 10000 });
      await videoIsLive(video);
      expect(negotiations.n, 'offers/answers taken after the switch').to.equal(0);
    } finally {
      negotiations.restore();
    }
  });

  it('the choice is remembered on the site: a fresh element (as after a reload) starts on it; an id no longer there falls back silently', async () => {
    const first = addCall({ ...base, room: uniqueRoom() });
    await waitUntil(() => first.localStream.getVideoTracks().length === 1, 'no camera preview');
    const cams = (await first.getDevices()).cameras;
    await first.selectDevice('camera', cams[2].deviceId);
    expect(cameraLabel(first)).to.equal('fake_device_2');
    await removeAllCalls();
    // A reload cannot happen inside this test page; what survives one is localStorage, which a new element reads.
    const next = addCall({ ...base, room: uniqueRoom() });
    await waitUntil(() => next.localStream.getVideoTracks().length === 1, 'no camera preview');
    expect(cameraLabel(next)).to.equal('fake_device_2');
    await removeAllCalls();

    localStorage.setItem('video-call-camera', 'a-camera-that-is-gone');
    const errors: unknown[] = [];
    const third = addCall({ ...base, room: uniqueRoom() });
    third.addEventListener('vc-error', (e) => errors.push(e.detail));
    await waitUntil(() => third.localStream.getVideoTracks().length === 1, 'no camera with a stale remembered id');
    expect(errors).to.deep.equal([]);
  });

  it('a camera unplugged mid-call gives way to another, and the user is told; plugged back, it is used again', async () => {
    const { a, b } = await pair();
    const video = remoteVideo(b)!;
    await videoIsLive(video);
    // On fake_device_2, so that the first other camera, which takes its place, is fake_device_0 (one WebRTC sends).
    await a.selectDevice('camera', (await a.getDevices()).cameras[2].deviceId);
    const first = a.localStream.getVideoTracks()[0];
    expect(first.label).to.equal('fake_device_2');
    const unplugged = eventWithin<DeviceChange>(a, 'vc-device-change');
    // Simulated: a fake camera cannot be unplugged. When a camera goes away, the browser ends its
    // track (and fires `ended`); that is what the element hears, so that is what happens here.
    first.stop();
    first.dispatchEvent(new Event('ended'));
    const fallback = (await unplugged).detail;
    expect(fallback).to.include({ kind: 'camera', reason: 'unplugged' });
    expect(fallback.label).to.equal('fake_device_0');
    expect(cameraLabel(a)).to.equal(fallback.label);
    await a.updateComplete;
    const notice = shadow(a).querySelector('[role="status"].banner');
    expect(notice?.textContent?.trim()).to.equal(`Camera disconnected. Now using ${fallback.label}.`);
    await videoIsLive(video); // Bob still sees Ada

    // Plugged back: the browser fires `devicechange` on navigator.mediaDevices, and lists it again
    // (here it never left the list; the event is the one the browser sends).
    const restored = eventWithin<DeviceChange>(a, 'vc-device-change');
    navigator.mediaDevices.dispatchEvent(new Event('devicechange'));
    expect((await restored).detail).to.include({ kind: 'camera', label: 'fake_device_2', reason: 'restored' });
    expect(cameraLabel(a)).to.equal('fake_device_2');
    await a.updateComplete;
    expect(shadow(a).querySelector('[role="status"].banner')?.textContent?.trim()).to.equal('fake_device_2 is connected again and in use.');
    await videoIsLive(video);
  });

  it('a microphone unplugged mid-call gives way to another', async () => {
    const { a } = await pair();
    const mic = a.localStream.getAudioTracks()[0];
    const unplugged = eventWithin<DeviceChange>(a, 'vc-device-change');
    mic.stop(); // simulated as above
    mic.dispatchEvent(new Event('ended'));
    const { detail } = await unplugged;
    expect(detail).to.include({ kind: 'microphone', reason: 'unplugged' });
    expect(a.localStream.getAudioTracks()[0].readyState).to.equal('live');
    expect(a.localStream.getAudioTracks()[0].label).to.equal(detail.label);
  });

  it('the camera unplugged with no other left: the camera is off, and the notice says so (not the generic no-device error)', async () => {
    const { a } = await pair();
    const camera = a.localStream.getVideoTracks()[0];
    const errors: { code: string; message: string }[] = [];
    const changes: unknown[] = [];
    a.addEventListener('vc-error', (e) => errors.push(e.detail));
    a.addEventListener('vc-device-change', (e) => changes.push(e.detail));
    // Every camera gone: the browser lists none (simulated, as a fake camera cannot be unplugged),
    // and the one in use ends.
    const real = navigator.mediaDevices.enumerateDevices;
    navigator.mediaDevices.enumerateDevices = async () => (await real.call(navigator.mediaDevices)).filter((d) => d.kind !== 'videoinput');
    try {
      camera.stop();
      camera.dispatchEvent(new Event('ended'));
      await waitUntil(() => errors.length > 0, 'no vc-error');
    } finally {
      navigator.mediaDevices.enumerateDevices = real;
    }
    expect(errors).to.deep.equal([
      { code: 'no-device', message: `Your camera (${camera.label}) was disconnected, and there is no other: it is off.` },
    ]);
    expect(changes).to.deep.equal([]);
    await a.updateComplete;
    expect(a.localStream.getVideoTracks()).to.have.length(0);
    const cameraButton = shadow(a).querySelectorAll<HTMLButtonElement>('[part="controls"] > .control')[1];
    expect(cameraButton.getAttribute('aria-pressed'), 'the camera button does not show it off').to.equal('true');
    const notice = shadow(a).querySelector('[role="status"].banner');
    expect(notice?.textContent?.trim()).to.equal('Camera disconnected, and no other camera found. Your camera is off.');
    expect(shadow(a).querySelector('[part="error"]'), 'the generic error is shown as well').to.equal(null);
    // In the visitor's language.
    a.lang = 'fr';
    await waitUntil(
      () => shadow(a).querySelector('[role="status"].banner')?.textContent?.includes('Votre caméra est désactivée'),
      'not in French',
    );
  });

  it('the speaker: every remote video plays on the chosen output (setSinkId), remembered', async () => {
    const { b } = await pair();
    const speaker = (await b.getDevices()).speakers[1];
    await b.selectDevice('speaker', speaker.deviceId);
    await b.updateComplete;
    await waitUntil(() => remoteVideo(b)!.sinkId === speaker.deviceId, 'the remote video is not on the chosen speaker');
    expect(localStorage.getItem('video-call-speaker')).to.equal(speaker.deviceId);
  });

  it('noise-suppression="off" turns the microphone\'s noise suppression off, and on again live', async () => {
    const el = addCall({ ...base, room: uniqueRoom(), 'noise-suppression': 'off' });
    await waitUntil(() => el.localStream.getAudioTracks().length === 1, 'no microphone');
    expect(el.localStream.getAudioTracks()[0].getSettings().noiseSuppression).to.equal(false);
    el.setAttribute('noise-suppression', 'on');
    // Chromium cannot change a live track's processing: the mic is captured again with it, in place.
    await waitUntil(
      () => el.localStream.getAudioTracks()[0]?.getSettings().noiseSuppression === true,
      'noise suppression not applied live',
    );
    expect(el.localStream.getAudioTracks()).to.have.length(1);
    expect(el.localStream.getAudioTracks()[0].readyState).to.equal('live');
  });

  it('leaving turns the camera off (its light goes out) until the next join', async () => {
    const { a } = await pair();
    const camera = a.localStream.getVideoTracks()[0];
    await a.leave();
    expect(camera.readyState).to.equal('ended');
    expect(a.localStream.getVideoTracks()).to.have.length(0);
    await a.updateComplete;
    expect(shadow(a).querySelector('.preview-controls button[aria-label="Turn camera off"]')!.getAttribute('aria-pressed')).to.equal(
      'true',
    );
    await a.join();
    await waitUntil(() => a.localStream.getVideoTracks()[0]?.readyState === 'live', 'the camera is not back after joining again');
  });

  it('bad input to selectDevice() is refused clearly and changes nothing', async () => {
    const el = addCall({ ...base, room: uniqueRoom() });
    await waitUntil(() => el.localStream.getVideoTracks().length === 1, 'no camera preview');
    const before = el.localStream.getVideoTracks()[0];
    const fail = (p: Promise<unknown>) =>
      p.then(
        () => ({ code: 'resolved' }),
        (e: { code: string; name: string }) => e,
      );
    expect(await fail(el.selectDevice('toaster' as never, 'x'))).to.include({ code: 'bad-request', name: 'VideoCallError' });
    expect(await fail(el.selectDevice('camera', 'no-such-camera'))).to.include({ code: 'no-device', name: 'VideoCallError' });
    expect(el.localStream.getVideoTracks()[0]).to.equal(before);
    expect(before.readyState).to.equal('live');
    expect(localStorage.getItem('video-call-camera')).to.equal(null);
  });
});
