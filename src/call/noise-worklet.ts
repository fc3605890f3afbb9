/**
 * The `noise-suppression="strong"` processor: RNNoise (the wasm of `@jitsi/rnnoise-wasm` 0.2.1,
 * Apache-2.0) on the microphone, in an AudioWorklet, so off the main thread. Built to
 * dist/video-call-noise/worklet.js beside `rnnoise.wasm`; noise.ts loads both on first use.
 *
 * The page compiles the wasm (a worklet cannot fetch) and hands the module over in
 * `processorOptions.module`; it is instantiated here directly, without the package's emscripten
 * loader (which needs fetch or XMLHttpRequest): its two imports are the heap's resize and a big
 * memcpy, its exports (minified names, pinned by the exact version) the memory, the constructors,
 * rnnoise_create, malloc and rnnoise_process_frame. RNNoise takes 480-sample frames (10 ms at
 * 48 kHz) of 16-bit-range floats; the audio thread hands 128 at a time, so 10 ms of delay.
 */

// AudioWorkletGlobalScope (not in TypeScript's DOM library).
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(
  name: string,
  ctor: new (options: { processorOptions: { module: WebAssembly.Module } }) => unknown,
): void;

const FRAME = 480;
const SCALE = 32768;

interface Exports {
  c: WebAssembly.Memory;
  d(): void;
  f(model: number): number;
  g(bytes: number): number;
  j(state: number, out: number, input: number): number;
}

registerProcessor(
  'video-call-rnnoise',
  class extends AudioWorkletProcessor {
    x: Exports;
    state: number;
    inPtr: number;
    outPtr: number;
    /** Samples waiting for a whole frame. */
    pending = new Float32Array(FRAME);
    pendingN = 0;
    /** Denoised samples waiting to go out: a ring, starting with one frame of silence (the delay). */
    ring = new Float32Array(FRAME * 4);
    ringAt = 0;
    ringN = FRAME;
    alive = true;

    constructor(options: { processorOptions: { module: WebAssembly.Module } }) {
      super();
      const x = new WebAssembly.Instance(options.processorOptions.module, {
        a: {
          // emscripten_resize_heap(size): grow the memory to at least `size` bytes.
          a: (size: number) => {
            try {
              x.c.grow((size - x.c.buffer.byteLength + 65535) >>> 16);
              return 1;
            } catch {
              return 0;
            }
          },
          // emscripten_memcpy_big(dest, src, n)
          b: (dest: number, src: number, n: number) => new Uint8Array(x.c.buffer).copyWithin(dest, src, src + n),
        },
      }).exports as unknown as Exports;
      this.x = x;
      x.d();
      this.state = x.f(0);
      this.inPtr = x.g(FRAME * 4);
      this.outPtr = x.g(FRAME * 4);
      this.port.onmessage = () => (this.alive = false);
      this.port.postMessage('ready');
    }

    process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
      const input = inputs[0]?.[0];
      const output = outputs[0]?.[0];
      const n = output?.length ?? input?.length ?? 0;
      const { x, ring, pending } = this;
      for (let i = 0; i < n; i++) {
        pending[this.pendingN++] = (input?.[i] ?? 0) * SCALE;
        if (this.pendingN < FRAME) continue;
        this.pendingN = 0;
        const heap = new Float32Array(x.c.buffer);
        heap.set(pending, this.inPtr >> 2);
        x.j(this.state, this.outPtr, this.inPtr);
        const out = heap.subarray(this.outPtr >> 2, (this.outPtr >> 2) + FRAME);
        for (let k = 0; k < FRAME; k++) ring[(this.ringAt + this.ringN + k) % ring.length] = out[k];
        this.ringN += FRAME;
      }
      if (output) {
        for (let i = 0; i < n; i++) {
          output[i] = this.ringN > 0 ? ring[this.ringAt] / SCALE : 0;
          if (this.ringN > 0) {
            this.ringAt = (this.ringAt + 1) % ring.length;
            this.ringN--;
          }
        }
      }
      return this.alive;
    }
  },
);
