// The `background` attribute (issue 17), in real Chromium: the fake camera's picture (sharp
// text, squares and a moving pie on flat green) goes through the real worker, MediaPipe's real
// runtime and model (the built files in dist/video-call-background/), and a real
// RTCPeerConnection to a second element; what that element receives is measured.
import { expect } from '@open-wc/testing';
import { CallEngine } from '../../src/call/call-engine.js';
import {
  addCall,
  eventWithin,
  framePixels,
  remoteVideo,
  removeAllCalls,
  shadow,
  sleep,
  uniqueRoom,
  videoIsLive,
  setBase,
  waitUntil,
} from './helpers.js';
import type { VideoCall } from '../../src/video-call.js';

interface Look {
  /** Mean absolute difference between horizontal neighbours in the top strip (text and squares): sharpness. */
  edges: number;
  /** Mean colour of the top strip. */
  rgb: [number, number, number];
}

/** What the top fifth of `video`'s current frame looks like (drawn at 320x180, whatever its size). */
function look(video: HTMLVideoElement): Look {
  const d = framePixels(video, 320, 180, 36);
  let edges = 0;
  const rgb: [number, number, number] = [0, 0, 0];
  for (let y = 0; y < 36; y++) {
    for (let x = 0; x < 320; x++) {
      const i = (y * 320 + x) * 4;
      for (let k = 0; k < 3; k++) rgb[k] += d[i + k];
      if (x > 0) edges += Math.abs(d[i + 1] - d[i - 3]) + Math.abs(d[i] - d[i - 4]);
    }
  }
  const n = 320 * 36;
  return { edges: edges / n, rgb: rgb.map((v) => v / n) as [number, number, number] };
}

/** Two elements in a call over the local transport; `a` sends with `background`. */
async function pair(background?: string): Promise<{ a: VideoCall; b: VideoCall; received: HTMLVideoElement }> {
  const room = uniqueRoom('bg');
  const a = addCall({ room, transport: 'local', autojoin: true, name: 'Ada', 'ice-servers': '[]', ...(background ? { background } : {}) });
  await eventWithin(a, 'vc-joined');
  const b = addCall({ room, transport: 'local', autojoin: true, name: 'Bob', 'ice-servers': '[]' });
  await Promise.all([eventWithin(a, 'vc-peer-connected'), eventWithin(b, 'vc-peer-connected')]);
  await b.updateComplete;
  const received = remoteVideo(b)!;
  await videoIsLive(received);
  // The first frames may come small (the sender's bitrate ramps up): its sharpness once it has.
  await waitUntil(() => look(received).edges > 2.5, `the received raw camera is not sharp (${look(received).edges.toFixed(2)})`, {
    timeout: 20000,
  });
  RAW = look(received).edges;
  return { a, b, received };
}

const localVideo = (el: VideoCall) => shadow(el).querySelector<HTMLVideoElement>('video[part="local-video"]')!;

/** How sharp the raw fake camera looks once received (its text and squares have hard edges): set by pair(). */
let RAW = 3;

/** Waits until `video` looks sharp like the raw fake camera (at least 60% of its edges). */
async function sharp(video: HTMLVideoElement, what: string): Promise<void> {
  await waitUntil(
    () => look(video).edges > 0.6 * RAW,
    `${what} is not the sharp raw camera (edges ${look(video).edges.toFixed(2)} of ${RAW.toFixed(2)})`,
    {
      timeout: 20000,
    },
  );
}
/** Waits until `video`'s top strip has lost its hard edges (under a quarter of the raw camera's: blurred). */
async function blurredOrError(video: HTMLVideoElement, what: string, errors: string[]): Promise<void> {
  await waitUntil(
    () => errors.length || look(video).edges < 0.25 * RAW,
    `${what} is not blurred (edges ${look(video).edges.toFixed(2)} of ${RAW.toFixed(2)})`,
    { timeout: 30000 },
  );
  expect(errors).to.deep.equal([]);
}

/** A 64x64 PNG of one colour, as a data: URL. */
function solidImage(colour: string): string {
  const c = document.createElement('canvas');
  c.width = c.height = 64;
  const ctx = c.getContext('2d')!;
  ctx.fillStyle = colour;
  ctx.fillRect(0, 0, 64, 64);
  return c.toDataURL('image/png');
}

describe('background effect', function () {
  this.timeout(90000);
  before(() => setBase('/dist/'));
  after(() => document.querySelector('script[data-video-call-base]')?.remove());
  afterEach(async () => {
    await removeAllCalls();
    setBase('/dist/');
  });

  it('blur: the peer receives the camera with its background blurred, the call flows, and off restores the raw camera', async () => {
    const { a, received } = await pair();
    const errors: string[] = [];
    a.addEventListener('vc-error', (e) => errors.push(`${e.detail.code}: ${e.detail.message}`));
    const blurred = (video: HTMLVideoElement, what: string) => blurredOrError(video, what, errors);

    a.background = 'blur';
    await blurred(received, 'the received video');
    await blurred(localVideo(a), 'the local preview');
    // The call keeps flowing: frames keep coming, still blurred.
    await videoIsLive(received);
    expect(look(received).edges).to.be.below(0.25 * RAW);
    // Peers get it by replaceTrack: one sender, no second video track.
    expect(a.localStream.getVideoTracks()).to.have.length(1);

    a.background = 'none';
    await sharp(received, 'the received video after background="none"');
    await sharp(localVideo(a), 'the local preview after background="none"');
    await videoIsLive(received);
    expect(errors).to.deep.equal([]);
  });

  it("an image URL, set live over blur: the peer receives the image's colours where the background was", async () => {
    const { a, received } = await pair();
    const errors: string[] = [];
    a.addEventListener('vc-error', (e) => errors.push(`${e.detail.code}: ${e.detail.message}`));
    a.background = 'blur';
    await blurredOrError(received, 'the received video', errors);
    const magenta = solidImage('#ff00ff');
    a.background = magenta;
    await waitUntil(
      () => {
        const [r, g, b] = look(received).rgb;
        return r > 180 && g < 90 && b > 180;
      },
      `the received background is not the image's magenta (${look(received).rgb.map(Math.round)})`,
      { timeout: 30000 },
    );
    await videoIsLive(received);
  });

  it('a bad image URL: a clear vc-error and the plain camera (live, not black), shown in the error banner', async () => {
    const { a, received } = await pair();
    const failed = eventWithin<{ code: string; message: string }>(a, 'vc-error', 30000);
    a.background = '/no-such-image.png';
    const e = await failed;
    expect(e.detail.code).to.equal('background-failed');
    expect(e.detail.message).to.contain('no-such-image.png');
    await a.updateComplete;
    expect(shadow(a).querySelector('[part="error"]')?.getAttribute('data-code')).to.equal('background-failed');
    await sharp(received, 'the received video');
    await sharp(localVideo(a), 'the local preview');
    await videoIsLive(received);
  });

  it('a model or runtime that does not load: a clear vc-error and the plain camera', async () => {
    setBase('/no-such-folder/');
    const { a, received } = await pair();
    const failed = eventWithin<{ code: string; message: string }>(a, 'vc-error', 30000);
    a.background = 'blur';
    const e = await failed;
    expect(e.detail.code).to.equal('background-failed');
    expect(e.detail.message).to.contain('/no-such-folder/video-call-background/');
    await sharp(received, 'the received video');
    await videoIsLive(received);
  });

  it('a model file missing beside a working runtime: a clear vc-error naming it, and the plain camera', async () => {
    // Served by web-test-runner.config.js: dist/video-call-background/ without the .tflite model.
    setBase('/__background-no-model/');
    const { a, received } = await pair();
    const failed = eventWithin<{ code: string; message: string }>(a, 'vc-error', 30000);
    a.background = 'blur';
    const e = await failed;
    expect(e.detail.code).to.equal('background-failed');
    expect(e.detail.message).to.contain('selfie_segmentation_landscape.tflite');
    await sharp(received, 'the received video');
    await videoIsLive(received);
  });
});

describe('background effect on a device too slow for it', function () {
  this.timeout(60000);
  before(() => setBase('/dist/'));
  after(() => document.querySelector('script[data-video-call-base]')?.remove());

  it('falls back to the plain camera and says so (background-failed, "too slow")', async () => {
    const engine = new CallEngine();
    const errors: { code: string; message: string }[] = [];
    engine.on('error', (e) => errors.push(e));
    try {
      await engine.startMedia();
      const raw = engine.localStream.getVideoTracks()[0];
      // A device that can never keep up: even the fastest frame is "too slow" at 100 000 frames per second.
      engine.setBackground('blur', { minFps: 100_000 });
      // The processed track is swapped in once ready, then out again when it is found too slow.
      await waitUntil(() => engine.localStream.getVideoTracks()[0] !== raw, 'the effect never started', { timeout: 30000 });
      await waitUntil(() => errors.length > 0, 'no error for a device too slow', { timeout: 30000 });
      expect(errors[0].code).to.equal('background-failed');
      expect(errors[0].message).to.contain('too slow');
      const now = engine.localStream.getVideoTracks();
      expect(now).to.have.length(1);
      expect(now[0]).to.equal(raw);
      expect(raw.readyState).to.equal('live');
    } finally {
      const tracks = engine.localStream.getTracks();
      await engine.destroy();
      await waitUntil(() => tracks.every((t) => t.readyState === 'ended'), 'tracks still live');
      await sleep(50);
    }
  });
});
