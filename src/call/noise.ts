/**
 * `noise-suppression="strong"`, the page side: RNNoise in an AudioWorklet (noise-worklet.ts) on
 * the microphone. Its two files, `worklet.js` and `rnnoise.wasm`, are the folder
 * `video-call-noise/` beside the bundle, fetched the first time `strong` is used (never from
 * another host). Part of the device settings' chunk (devices.ts uses it).
 */

/** A loaded RNNoise: wraps a captured mic track into the denoised track that is shown and sent. */
export interface NoiseFilter {
  /**
   * The denoised track made from `mic`. Stopping it stops `mic` and the processing. `failed` is
   * called if the processing breaks later (the track then carries silence: put the plain mic back).
   */
  wrap(mic: MediaStreamTrack, failed: (message: string) => void): MediaStreamTrack;
  /** Ends it all (the audio context is closed). */
  close(): void;
}

const NAME = 'video-call-rnnoise';

/**
 * Loads the worklet and the wasm from `base` (the folder's URL), and checks that RNNoise starts
 * in it. Rejects with a message saying what failed (a file that does not load, no AudioWorklet or
 * WebAssembly, a wasm that does not instantiate, a timeout). When the page may not play sound
 * yet (autoplay policy: no user gesture so far), it waits for the first click or key press.
 */
export async function loadNoiseFilter(base: string, timeoutMs = 15_000): Promise<NoiseFilter> {
  const workletUrl = new URL('worklet.js', base).href;
  const wasmUrl = new URL('rnnoise.wasm', base).href;
  if (typeof AudioWorkletNode === 'undefined' || typeof WebAssembly === 'undefined') {
    throw new Error('This browser has no AudioWorklet or WebAssembly.');
  }
  let ctx: AudioContext;
  try {
    // RNNoise works on 48 kHz audio; the browser resamples the mic to it.
    ctx = new AudioContext({ sampleRate: 48000, latencyHint: 'interactive' });
  } catch {
    ctx = new AudioContext({ latencyHint: 'interactive' });
  }
  const resume = () => void ctx.resume().catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const [module] = await Promise.all([
      fetch(wasmUrl)
        .then((r) => {
          if (!r.ok) throw new Error(`HTTP ${r.status}`);
          return r.arrayBuffer();
        })
        .then((bytes) => WebAssembly.compile(bytes))
        .catch((err: Error) => {
          throw new Error(`${wasmUrl} did not load (${err.message}).`);
        }),
      ctx.audioWorklet.addModule(workletUrl).catch((err: Error) => {
        throw new Error(`${workletUrl} did not load (${err.message}).`);
      }),
    ]);
    // Autoplay policy: an audio context made before any user gesture waits for one.
    if (ctx.state !== 'running') {
      for (const type of ['pointerdown', 'keydown']) document.addEventListener(type, resume, { capture: true });
      resume();
      await new Promise<void>((ok) => {
        const check = () => ctx.state === 'running' && ok();
        ctx.addEventListener('statechange', check);
        check();
      });
    }
    // One node, to see RNNoise start in the worklet (a wasm it cannot instantiate fails here).
    const probe = new AudioWorkletNode(ctx, NAME, { processorOptions: { module } });
    await new Promise<void>((ok, no) => {
      timer = setTimeout(() => no(new Error('RNNoise did not start in time.')), timeoutMs);
      probe.port.onmessage = () => ok();
      probe.onprocessorerror = () => no(new Error(`RNNoise could not start in ${workletUrl}.`));
    });
    probe.port.postMessage('stop');
    return {
      wrap(mic, failed) {
        const source = ctx.createMediaStreamSource(new MediaStream([mic]));
        const node = new AudioWorkletNode(ctx, NAME, {
          channelCount: 1,
          channelCountMode: 'explicit',
          outputChannelCount: [1],
          processorOptions: { module },
        });
        const dest = ctx.createMediaStreamDestination();
        dest.channelCount = 1;
        source.connect(node).connect(dest);
        const out = dest.stream.getAudioTracks()[0];
        node.onprocessorerror = () => failed('RNNoise stopped working.');
        const stopOut = out.stop.bind(out);
        out.stop = () => {
          stopOut();
          mic.stop();
          source.disconnect();
          node.disconnect();
          node.port.postMessage('stop');
        };
        return out;
      },
      close() {
        for (const type of ['pointerdown', 'keydown']) document.removeEventListener(type, resume, { capture: true });
        void ctx.close().catch(() => {});
      },
    };
  } catch (err) {
    for (const type of ['pointerdown', 'keydown']) document.removeEventListener(type, resume, { capture: true });
    void ctx.close().catch(() => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
