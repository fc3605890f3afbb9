/**
 * Does RNNoise (WebAssembly, @jitsi/rnnoise-wasm) earn its bytes next to the browser's own noise
 * suppression? `node --import tsx bench/noise.ts` (not part of `npm run bench`: it decides whether
 * to ship something, once; docs/background.md has the result).
 *
 * 1. A 12 s test signal at 48 kHz: a voice-like sound (a glottal pulse train, 100–150 Hz, through
 *    three formant resonators that change every syllable) in two 3 s stretches, over steady noise
 *    (pink-ish, a fan or a road) 5 dB below the voice, which is alone for the other 6 s.
 * 2. Chromium's fake microphone plays it (--use-file-for-fake-audio-capture); the page captures it
 *    twice with getUserMedia, noiseSuppression off and on (echo cancellation and gain control off),
 *    read sample by sample through a MediaStreamTrackProcessor.
 * 3. RNNoise (the package's wasm, 480-sample frames) processes the capture without suppression.
 * For each: the noise floor (10th percentile of 10 ms frame levels: the noise-only stretches) and
 * the voice level (90th percentile), in dBFS; what matters is how far the floor drops while the
 * voice stays. And RNNoise's CPU: milliseconds per second of audio.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const RATE = 48000;

function testSignal(): Float32Array {
  const n = RATE * 12;
  const out = new Float32Array(n);
  // Voice: 2–5 s and 7–10 s.
  const voiced = (t: number) => (t >= 2 && t < 5) || (t >= 7 && t < 10);
  const formants = [
    [700, 1200, 2600],
    [300, 2300, 3000],
    [500, 900, 2400],
    [400, 1800, 2600],
  ];
  const res = [0, 1, 2].map(() => ({ y1: 0, y2: 0 }));
  let phase = 0;
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const voice = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    if (!voiced(t)) continue;
    const syllable = Math.floor(t / 0.25);
    const within = (t % 0.25) / 0.25;
    const f0 = 100 + 50 * Math.sin(t * 2.1) ** 2;
    phase += f0 / RATE;
    const pulse = phase >= 1 ? 1 : 0;
    if (phase >= 1) phase -= 1;
    const env = Math.sin(Math.PI * within) ** 0.5;
    let s = 0;
    formants[syllable % 4].forEach((f, k) => {
      const r = 0.985;
      const a1 = 2 * r * Math.cos((2 * Math.PI * f) / RATE);
      const y = pulse + a1 * res[k].y1 - r * r * res[k].y2;
      res[k].y2 = res[k].y1;
      res[k].y1 = y;
      s += y / (k + 1);
    });
    voice[i] = s * env;
  }
  const rms = (a: Float32Array, from: number, to: number) => Math.sqrt(a.slice(from, to).reduce((x, v) => x + v * v, 0) / (to - from));
  const vr = rms(voice, 2 * RATE, 5 * RATE);
  // Pink-ish noise: white through a one-pole low-pass, plus a little white.
  let lp = 0;
  const noise = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const w = rand();
    lp = 0.97 * lp + 0.03 * w;
    noise[i] = lp * 4 + w * 0.15;
  }
  const nr = rms(noise, 0, n);
  const voiceGain = 0.1 / vr; // voice at about -20 dBFS RMS
  const noiseGain = (0.1 / nr) * 10 ** (-5 / 20); // noise 5 dB below it
  for (let i = 0; i < n; i++) out[i] = voice[i] * voiceGain + noise[i] * noiseGain;
  return out;
}

function wav(samples: Float32Array): Buffer {
  const b = Buffer.alloc(44 + samples.length * 2);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + samples.length * 2, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(RATE, 24);
  b.writeUInt32LE(RATE * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(samples.length * 2, 40);
  samples.forEach((s, i) => b.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(s * 32767))), 44 + i * 2));
  return b;
}

/** Captures `seconds` of the fake microphone with noiseSuppression on or off. */
async function capture(file: string, noiseSuppression: boolean, seconds: number): Promise<Float32Array> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${file}`,
    ],
  });
  try {
    const page = await browser.newPage();
    // getUserMedia needs a secure context: a page on localhost.
    const server = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>noise</title>'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    server.close();
    const data = await page.evaluate(
      async ({ ns, seconds }) => {
        const stream = await navigator.mediaDevices.getUserMedia({
          audio: { noiseSuppression: ns, echoCancellation: false, autoGainControl: false, sampleRate: 48000, channelCount: 1 },
        });
        const track = stream.getAudioTracks()[0];
        // @ts-expect-error Chrome's MediaStreamTrackProcessor
        const reader = new MediaStreamTrackProcessor({ track }).readable.getReader();
        const chunks: number[] = [];
        let rate = 0;
        while (chunks.length < seconds * (rate || 44100)) {
          const { value } = await reader.read();
          rate = value.sampleRate;
          const buf = new Float32Array(value.numberOfFrames);
          value.copyTo(buf, { planeIndex: 0, format: 'f32-planar' });
          value.close();
          for (const v of buf) chunks.push(v);
        }
        track.stop();
        return { rate, samples: chunks };
      },
      { ns: noiseSuppression, seconds },
    );
    // The fake microphone captures at 44.1 kHz: back to 48 kHz (linear), as RNNoise wants.
    const a = Float32Array.from(data.samples);
    if (data.rate === RATE) return a;
    const out = new Float32Array(Math.floor((a.length * RATE) / data.rate));
    for (let i = 0; i < out.length; i++) {
      const x = (i * data.rate) / RATE;
      const j = Math.floor(x);
      out[i] = a[j] + (x - j) * ((a[j + 1] ?? a[j]) - a[j]);
    }
    return out;
  } finally {
    await browser.close();
  }
}

async function rnnoise(input: Float32Array): Promise<{ out: Float32Array; msPerSecond: number }> {
  // @ts-expect-error no types: the emscripten module (ES module, the wasm inlined)
  const { default: create } = await import('@jitsi/rnnoise-wasm/dist/rnnoise-sync.js');
  const m = create();
  const state = m._rnnoise_create();
  const inPtr = m._malloc(480 * 4);
  const outPtr = m._malloc(480 * 4);
  const out = new Float32Array(input.length);
  const t0 = performance.now();
  for (let i = 0; i + 480 <= input.length; i += 480) {
    const heap = new Float32Array(m.HEAPF32.buffer);
    for (let k = 0; k < 480; k++) heap[inPtr / 4 + k] = input[i + k] * 32768;
    m._rnnoise_process_frame(state, outPtr, inPtr);
    const res = new Float32Array(m.HEAPF32.buffer);
    for (let k = 0; k < 480; k++) out[i + k] = res[outPtr / 4 + k] / 32768;
  }
  const ms = performance.now() - t0;
  m._rnnoise_destroy(state);
  return { out, msPerSecond: ms / (input.length / RATE) };
}

/** 10 ms frame levels in dBFS: the noise floor (10th percentile) and the voice (90th). */
function levels(a: Float32Array): { floor: number; voice: number } {
  const frames: number[] = [];
  for (let i = 0; i + 480 <= a.length; i += 480) {
    let e = 0;
    for (let k = 0; k < 480; k++) e += a[i + k] ** 2;
    frames.push(10 * Math.log10(e / 480 + 1e-12));
  }
  frames.sort((x, y) => x - y);
  const q = (p: number) => Math.round(frames[Math.floor(p * (frames.length - 1))] * 10) / 10;
  return { floor: q(0.1), voice: q(0.9) };
}

const file = path.join(os.tmpdir(), 'vc-noise-test.wav');
const clean = testSignal();
writeFileSync(file, wav(clean));
const seconds = 24; // two loops of the file
const off = await capture(file, false, seconds);
const on = await capture(file, true, seconds);
const rnn = await rnnoise(off);
const rows = {
  'test signal (file)': levels(clean),
  'captured, noiseSuppression off': levels(off),
  "captured, browser's noiseSuppression": levels(on),
  'captured, off, then RNNoise': levels(rnn.out),
};
console.table(
  Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, { ...v, 'voice - floor (dB)': Math.round((v.voice - v.floor) * 10) / 10 }])),
);
console.log(
  `RNNoise: ${rnn.msPerSecond.toFixed(1)} ms of CPU per second of audio (Node ${process.version}, one core of ${os.cpus()[0]?.model})`,
);
