/**
 * The background effect's worker (a classic dedicated worker: MediaPipe's runtime loads with
 * importScripts). Built on its own as dist/video-call-background/worker.js, beside the runtime and
 * the model copied from `@mediapipe/selfie_segmentation` (Apache-2.0); nothing here is fetched from
 * anywhere else. No imports: the file is a self-contained script.
 *
 * It reads the camera's frames (a MediaStreamTrackProcessor's readable, transferred), finds the
 * person in each (the selfie segmenter, landscape model, 144x256, WebAssembly + WebGL on an
 * OffscreenCanvas), draws the person over a blurred copy of the frame or over the image, and
 * writes the result to a MediaStreamTrackGenerator's writable (transferred): that track is what
 * the preview shows and peers receive. It tells the page:
 *   {type: 'ready'}                      the first processed frame is written
 *   {type: 'error', message}             the model, runtime or image could not be loaded, or a frame failed
 *   {type: 'slow', fps}                  frames take too long (below minFps sustained): the page falls back
 *   {type: 'stats', fps, frameMs}        once a second (for the bench)
 */

/** What the page sends to start. */
interface Start {
  /** Absolute URL of the folder holding this worker, the runtime and the model (ends with /). */
  base: string;
  readable: ReadableStream<VideoFrame>;
  writable: WritableStream<VideoFrame>;
  /** `blur`, an absolute image URL, or `none` (the same pipeline without segmentation: the bench's baseline). */
  background: string;
  /** Below this many frames per second of processing, sustained, the effect gives up. */
  minFps: number;
}

interface Segmenter {
  setOptions(o: Record<string, unknown>): void;
  onResults(cb: (r: { segmentationMask: CanvasImageSource }) => void): void;
  initialize(): Promise<void>;
  send(i: { image: ImageBitmap }): Promise<void>;
  close(): Promise<void>;
}

type WorkerScope = typeof globalThis & {
  importScripts(...urls: string[]): void;
  postMessage(m: unknown): void;
  onmessage: ((e: MessageEvent<Start>) => void) | null;
  Module?: unknown;
  SelfieSegmentation?: new (c: { locateFile: (f: string) => string }) => Segmenter;
};
const scope = globalThis as WorkerScope;

/** How many frames the average frame time is taken over, and how many are skipped first (warm-up). */
const WINDOW = 30;
const WARMUP = 10;

scope.onmessage = (e) => {
  scope.onmessage = null;
  run(e.data).catch((err: unknown) => scope.postMessage({ type: 'error', message: String((err as Error)?.message ?? err) }));
};

/** fetch that fails on an HTTP error (MediaPipe's own loader would feed a 404 page to the runtime as a model). */
const plainFetch = scope.fetch.bind(scope);
scope.fetch = async (...args: Parameters<typeof fetch>) => {
  const res = await plainFetch(...args);
  if (!res.ok) throw new Error(`${res.status} ${res.statusText} for ${res.url}`);
  return res;
};

async function loadImage(url: string): Promise<ImageBitmap> {
  try {
    return await createImageBitmap(await (await fetch(url)).blob());
  } catch (err) {
    throw new Error(`The background image ${url} could not be loaded (${(err as Error).message || err}).`, { cause: err });
  }
}

async function loadSegmenter(base: string): Promise<{ seg: Segmenter; mask: () => CanvasImageSource | null }> {
  try {
    // The solution's worker path also importScripts its model file: that one is fetched instead (modelSelection below).
    const load = scope.importScripts.bind(scope);
    scope.importScripts = (...urls: string[]) => load(...urls.filter((u) => !u.endsWith('.tflite')));
    scope.Module = { locateFile: (f: string) => base + f };
    load(base + 'selfie_segmentation.js');
    const seg = new scope.SelfieSegmentation!({ locateFile: (f) => base + f });
    let mask: CanvasImageSource | null = null;
    seg.onResults((r) => {
      if (mask && 'close' in mask) (mask as ImageBitmap).close();
      mask = r.segmentationMask;
    });
    // 1: the landscape model (144x256), made for video calls.
    seg.setOptions({ modelSelection: 1, selfieMode: false, useCpuInference: true });
    await seg.initialize();
    // This version's worker path makes its WebGL context on an OffscreenCanvas but does not keep it
    // where frames are uploaded (`K`, set only on a page): hand it over (same context, same canvas).
    const inner = (seg as unknown as { h?: { K?: unknown; m?: unknown } }).h;
    if (inner && !inner.K && inner.m instanceof OffscreenCanvas) inner.K = inner.m.getContext('webgl2') ?? inner.m.getContext('webgl');
    if (!inner?.K) throw new Error('no WebGL context');
    return { seg, mask: () => mask };
  } catch (err) {
    throw new Error(`The segmentation model or its runtime could not be loaded from ${base} (${(err as Error).message || err}).`, {
      cause: err,
    });
  }
}

/** The mask (256x144), its confidence in the red channel, as an alpha mask (person opaque). */
const maskCanvas = new OffscreenCanvas(256, 144);
const maskCtx = maskCanvas.getContext('2d', { willReadFrequently: true })!;
function toAlpha(mask: CanvasImageSource): OffscreenCanvas {
  maskCtx.globalCompositeOperation = 'copy';
  maskCtx.drawImage(mask, 0, 0, 256, 144);
  const img = maskCtx.getImageData(0, 0, 256, 144);
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) d[i + 3] = d[i];
  maskCtx.putImageData(img, 0, 0);
  return maskCanvas;
}

async function run(start: Start): Promise<void> {
  const { base, background, minFps } = start;
  const [image, model] = await Promise.all([
    background !== 'blur' && background !== 'none' ? loadImage(background) : null,
    background !== 'none' ? loadSegmenter(base) : null,
  ]);
  const reader = start.readable.getReader();
  const writer = start.writable.getWriter();
  let canvas: OffscreenCanvas | null = null;
  let ctx!: OffscreenCanvasRenderingContext2D;
  // The blurred background: the frame drawn small, then stretched (cheap and strong).
  const small = new OffscreenCanvas(80, 45);
  const sctx = small.getContext('2d', { alpha: false })!;
  sctx.filter = 'blur(2px)';
  const times: number[] = [];
  let frames = 0;
  let sum = 0;
  let second = performance.now();
  let ready = false;
  let segmentMs = 0;
  for (;;) {
    const { value: frame, done } = await reader.read();
    if (done) break;
    const t0 = performance.now();
    const w = frame.displayWidth;
    const h = frame.displayHeight;
    let out: VideoFrame;
    try {
      if (!canvas || canvas.width !== w || canvas.height !== h) {
        canvas = new OffscreenCanvas(w, h);
        ctx = canvas.getContext('2d')!;
      }
      if (model) {
        // The model sees 256x144: the frame is scaled down before it is uploaded (WebGL may be software).
        const input = await createImageBitmap(frame, { resizeWidth: 256, resizeHeight: 144, resizeQuality: 'low' });
        const ts = performance.now();
        await model.seg.send({ image: input });
        segmentMs += performance.now() - ts;
        input.close();
        const mask = model.mask();
        ctx.globalCompositeOperation = 'copy';
        if (mask) ctx.drawImage(toAlpha(mask), 0, 0, w, h);
        // The person only...
        ctx.globalCompositeOperation = 'source-in';
        ctx.drawImage(frame, 0, 0, w, h);
        // ...over the background.
        ctx.globalCompositeOperation = 'destination-over';
        if (image) {
          // Cover: the image fills the frame, centred, cropped.
          const s = Math.max(w / image.width, h / image.height);
          ctx.drawImage(image, (w - image.width * s) / 2, (h - image.height * s) / 2, image.width * s, image.height * s);
        } else {
          sctx.drawImage(frame, 0, 0, small.width, small.height);
          ctx.imageSmoothingQuality = 'high';
          ctx.drawImage(small, 0, 0, w, h);
        }
      } else {
        ctx.globalCompositeOperation = 'copy';
        ctx.drawImage(frame, 0, 0, w, h);
      }
      out = new VideoFrame(canvas, { timestamp: frame.timestamp, alpha: 'discard' });
    } finally {
      frame.close();
    }
    // The frame's own time: not the wait for the encoder to take it.
    const ms = performance.now() - t0;
    await writer.write(out);
    if (!ready) {
      ready = true;
      scope.postMessage({ type: 'ready' });
    }
    frames++;
    sum += ms;
    if (t0 - second >= 1000) {
      scope.postMessage({ type: 'stats', fps: (frames * 1000) / (t0 - second), frameMs: sum / frames, segmentMs: segmentMs / frames });
      segmentMs = 0;
      frames = sum = 0;
      second = t0;
    }
    // Too slow: the average frame over the last WINDOW (after the warm-up) leaves fewer than minFps.
    if (times.push(ms) > WARMUP + WINDOW) times.shift();
    if (times.length === WARMUP + WINDOW) {
      const avg = times.slice(WARMUP).reduce((a, b) => a + b, 0) / WINDOW;
      if (avg > 1000 / minFps) {
        scope.postMessage({ type: 'slow', fps: Math.round(1000 / avg) });
        break;
      }
    }
  }
  await reader.cancel().catch(() => {});
  await writer.close().catch(() => {});
  await model?.seg.close();
}
