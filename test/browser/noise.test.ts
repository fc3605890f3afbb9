// noise-suppression="strong" (issue 17): RNNoise in an AudioWorklet on the microphone, in real
// Chromium — the built worklet and wasm (dist/video-call-noise/), a real RTCPeerConnection to a
// second element, and what that element receives measured sample by sample.
//
// The microphone is a test signal instead of Chromium's fake one (which beeps a pure tone, a sound
// RNNoise rightly treats as noise): getUserMedia is wrapped so the audio it returns is a Web Audio
// track playing, in a 4 s loop, a voice-like sound (a glottal pulse train through formant
// resonators, as bench/noise.ts) for 1.5 s over steady pink-ish noise 5 dB below it, alone the
// rest of the time. The wrapper also records the constraints asked for, so the test sees whether
// the browser's own suppression was requested. The camera is Chromium's fake one.
import { expect } from '@open-wc/testing';
import { addCall, eventWithin, removeAllCalls, remoteVideo, sleep, uniqueRoom, waitUntil, countNegotiations, setBase } from './helpers.js';
import type { VideoCall } from '../../src/video-call.js';

const RATE = 48000;
const LOOP_S = 4;

/** The test signal: voice (0.5–2 s) over noise 5 dB below it (all 4 s). */
function testSignal(): Float32Array<ArrayBuffer> {
  const n = RATE * LOOP_S;
  const voice = new Float32Array(n);
  const formants = [
    [700, 1200, 2600],
    [300, 2300, 3000],
    [500, 900, 2400],
    [400, 1800, 2600],
  ];
  const res = [0, 1, 2].map(() => ({ y1: 0, y2: 0 }));
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    if (t < 0.5 || t >= 2) continue;
    const syllable = Math.floor(t / 0.25);
    const within = (t % 0.25) / 0.25;
    phase += (100 + 50 * Math.sin(t * 2.1) ** 2) / RATE;
    const pulse = phase >= 1 ? 1 : 0;
    if (phase >= 1) phase -= 1;
    let s = 0;
    formants[syllable % 4].forEach((f, k) => {
      const r = 0.985;
      const y = pulse + 2 * r * Math.cos((2 * Math.PI * f) / RATE) * res[k].y1 - r * r * res[k].y2;
      res[k].y2 = res[k].y1;
      res[k].y1 = y;
      s += y / (k + 1);
    });
    voice[i] = s * Math.sin(Math.PI * within) ** 0.5;
  }
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  let lp = 0;
  const noise = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const w = rand();
    lp = 0.97 * lp + 0.03 * w;
    noise[i] = lp * 4 + w * 0.15;
  }
  const rms = (a: Float32Array, from: number, to: number) => Math.sqrt(a.slice(from, to).reduce((x, v) => x + v * v, 0) / (to - from));
  const voiceGain = 0.1 / rms(voice, 0.5 * RATE, 2 * RATE); // about -20 dBFS
  const noiseGain = (0.1 / rms(noise, 0, n)) * 10 ** (-5 / 20);
  return voice.map((v, i) => v * voiceGain + noise[i] * noiseGain);
}

/** getUserMedia's audio replaced by the test signal (see the top of the file). */
const mic = {
  ctx: undefined as AudioContext | undefined,
  source: undefined as AudioBufferSourceNode | undefined,
  /** Every audio track handed out: the raw microphone. */
  tracks: new Set<MediaStreamTrack>(),
  /** The audio constraints of each request, in order. */
  asked: [] as MediaTrackConstraints[],
  real: navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices),
  install() {
    const ctx = (this.ctx = new AudioContext({ sampleRate: RATE }));
    const buffer = ctx.createBuffer(1, RATE * LOOP_S, RATE);
    buffer.copyToChannel(testSignal(), 0);
    this.source = ctx.createBufferSource();
    this.source.buffer = buffer;
    this.source.loop = true;
    this.source.start();
    navigator.mediaDevices.getUserMedia = async (c?: MediaStreamConstraints) => {
      const stream = c?.video ? await this.real({ video: c.video }) : new MediaStream();
      if (c?.audio) {
        this.asked.push(typeof c.audio === 'object' ? c.audio : {});
        const dest = ctx.createMediaStreamDestination();
        this.source!.connect(dest);
        const track = dest.stream.getAudioTracks()[0];
        this.tracks.add(track);
        stream.addTrack(track);
      }
      return stream;
    };
  },
  uninstall() {
    navigator.mediaDevices.getUserMedia = this.real;
    void this.ctx?.close();
  },
};

interface Levels {
  /** 10th percentile of 10 ms frame levels (dBFS): the noise-only stretches. */
  floor: number;
  /** 90th percentile (dBFS): the voice. */
  voice: number;
}

/** Reads `seconds` of `track` (a clone of it) and measures it. */
async function levels(track: MediaStreamTrack, seconds = LOOP_S + 0.5): Promise<Levels> {
  const clone = track.clone();
  // @ts-expect-error Chrome's MediaStreamTrackProcessor (audio)
  const reader = (new MediaStreamTrackProcessor({ track: clone }).readable as ReadableStream<AudioData>).getReader();
  const samples: number[] = [];
  let rate = RATE;
  try {
    while (samples.length < seconds * rate) {
      const { value } = await reader.read();
      if (!value) break;
      rate = value.sampleRate;
      const buf = new Float32Array(value.numberOfFrames);
      value.copyTo(buf, { planeIndex: 0, format: 'f32-planar' });
      value.close();
      for (const v of buf) samples.push(v);
    }
  } finally {
    clone.stop();
  }
  const size = Math.round(rate / 100);
  const frames: number[] = [];
  for (let i = 0; i + size <= samples.length; i += size) {
    let e = 0;
    for (let k = 0; k < size; k++) e += samples[i + k] ** 2;
    frames.push(10 * Math.log10(e / size + 1e-12));
  }
  frames.sort((x, y) => x - y);
  const q = (p: number) => Math.round(frames[Math.floor(p * (frames.length - 1))] * 10) / 10;
  return { floor: q(0.1), voice: q(0.9) };
}

/** Two elements in a call over the local transport; `a` sends with `noise`. What `b` receives from `a`: `received()`. */
async function pair(noise: string): Promise<{ a: VideoCall; b: VideoCall; received: () => MediaStreamTrack }> {
  const room = uniqueRoom('noise');
  const a = addCall({ room, transport: 'local', autojoin: true, name: 'Ada', 'ice-servers': '[]', 'noise-suppression': noise });
  await eventWithin(a, 'vc-joined');
  const b = addCall({ room, transport: 'local', autojoin: true, name: 'Bob', 'ice-servers': '[]' });
  await Promise.all([eventWithin(a, 'vc-peer-connected'), eventWithin(b, 'vc-peer-connected')]);
  await b.updateComplete;
  const received = () => (remoteVideo(b)?.srcObject as MediaStream | null)?.getAudioTracks()[0] as MediaStreamTrack;
  await waitUntil(received, 'b receives no audio from a');
  return { a, b, received };
}

/** The track `a` shows and sends as its mic. */
const sent = (a: VideoCall) => a.localStream.getAudioTracks()[0];
/** Whether `a` sends the raw microphone (not RNNoise's track). */
const sendsRaw = (a: VideoCall) => mic.tracks.has(sent(a));
const noiseFiles = () => performance.getEntriesByType('resource').filter((e) => e.name.includes('/video-call-noise/'));

describe('noise-suppression="strong"', function () {
  this.timeout(90000);
  before(() => {
    setBase('/dist/');
    mic.install();
  });
  after(() => {
    mic.uninstall();
    document.querySelector('script[data-video-call-base]')?.remove();
  });
  afterEach(async () => {
    await removeAllCalls();
    setBase('/dist/');
  });

  it('switched on mid-call, the other side hears the noise floor drop by more than 20 dB and the voice stay; off and back, live, with no new offer or answer', async () => {
    const { a, received } = await pair('off');
    const errors: string[] = [];
    a.addEventListener('vc-error', (e) => errors.push(`${e.detail.code}: ${e.detail.message}`));
    expect(sendsRaw(a)).to.equal(true);
    // Nothing of RNNoise is fetched until `strong` is used.
    expect(noiseFiles()).to.deep.equal([]);
    await sleep(1000);
    const plain = await levels(received());

    const negotiations = countNegotiations();
    try {
      a.noiseSuppression = 'strong';
      await waitUntil(() => errors.length || !sendsRaw(a), 'the mic sent is still the raw one', { timeout: 20000 });
      expect(errors).to.deep.equal([]);
      // (The worklet, loaded by audioWorklet.addModule, is not listed in resource timing.)
      expect(noiseFiles().map((e) => e.name.replace(/.*\//, ''))).to.deep.equal(['rnnoise.wasm']);
      // The browser's own suppression is off under RNNoise.
      expect(mic.asked.at(-1)!.noiseSuppression).to.equal(false);
      expect(a.localStream.getAudioTracks()).to.have.length(1);
      await sleep(1000);
      const strong = await levels(received());
      expect(strong.floor, `noise floor: plain ${plain.floor} dBFS, strong ${strong.floor} dBFS`).to.be.below(plain.floor - 20);
      expect(Math.abs(strong.voice - plain.voice), `voice: plain ${plain.voice} dBFS, strong ${strong.voice} dBFS`).to.be.below(6);

      a.noiseSuppression = 'off';
      await waitUntil(() => sendsRaw(a), 'the mic sent is still the denoised one');
      await sleep(1000);
      const off = await levels(received());
      expect(off.floor, `noise floor back: ${off.floor} dBFS (plain ${plain.floor})`).to.be.above(strong.floor + 20);

      a.noiseSuppression = 'strong';
      await waitUntil(() => !sendsRaw(a), 'the mic sent is not the denoised one again');
      await sleep(1000);
      const again = await levels(received());
      expect(again.floor, `noise floor: ${again.floor} dBFS`).to.be.below(plain.floor - 20);
      expect(negotiations.n, 'offers or answers exchanged').to.equal(0);
      expect(errors).to.deep.equal([]);
    } finally {
      negotiations.restore();
    }
  });

  it('set from the start: the first mic sent is denoised once RNNoise is ready; leaving the call releases the mic', async () => {
    const { a, b, received } = await pair('strong');
    await waitUntil(() => !sendsRaw(a), 'the mic sent is not the denoised one', { timeout: 20000 });
    await sleep(1000);
    const got = await levels(received());
    // The test noise alone is about -30 dBFS; the voice about -20.
    expect(got.floor, `noise floor ${got.floor} dBFS`).to.be.below(-50);
    expect(got.voice, `voice ${got.voice} dBFS`).to.be.above(-30);
    const raws = [...mic.tracks].filter((t) => t.readyState === 'live' && t !== sent(b));
    expect(raws).to.have.length(1);
    a.remove();
    await waitUntil(() => raws.every((t) => t.readyState === 'ended'), 'the raw microphone is still live after the element is gone');
  });

  for (const [what, folder, file] of [
    ['the wasm does not load (404)', '/__noise-no-wasm/', 'rnnoise.wasm'],
    ['neither file loads', '/no-such-folder/', '/no-such-folder/video-call-noise/'],
  ]) {
    it(`${what}: vc-error noise-suppression-failed naming it, and the mic keeps working with the browser's own suppression`, async () => {
      setBase(folder);
      const { a, received } = await pair('off');
      const failed = eventWithin<{ code: string; message: string }>(a, 'vc-error', 20000);
      a.noiseSuppression = 'strong';
      const e = await failed;
      expect(e.detail.code).to.equal('noise-suppression-failed');
      expect(e.detail.message).to.contain(file);
      expect(e.detail.message).to.contain("browser's own noise suppression");
      // The browser's suppression is asked for, on the plain mic, which the other side hears.
      await waitUntil(() => mic.asked.at(-1)!.noiseSuppression === true, "the browser's suppression is not asked for");
      await waitUntil(() => sendsRaw(a) && sent(a).readyState === 'live', 'the mic is not the live plain one');
      await sleep(1000);
      const got = await levels(received());
      expect(got.voice, `voice ${got.voice} dBFS`).to.be.above(-30);
    });
  }
});
