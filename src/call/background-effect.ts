import { VideoCallError } from '../errors.js';

/** What the effect tells whoever started it. */
export interface BackgroundHooks {
  /** The processed track is ready (its first frame is out): show and send it in place of the camera. */
  ready(track: MediaStreamTrack): void;
  /** The effect could not start or gave up (its tracks are stopped): show the plain camera and say why. */
  failed(err: VideoCallError): void;
  /** Once a second while it runs: processed frames per second, the mean time one frame takes and its segmentation (ms; the bench reads it). */
  stats?(s: { fps: number; frameMs: number; segmentMs: number }): void;
}

export interface BackgroundOptions {
  /** Below this many processed frames per second, sustained (about 30 frames), the effect gives up. Default 15. */
  minFps?: number;
  /** How long the model may take to load before the effect gives up (ms). Default 30 000. */
  loadTimeoutMs?: number;
}

// Chrome's breakout box: the page-side classes (VideoTrackGenerator is the worker-side, standard one).
declare const MediaStreamTrackProcessor: new (init: { track: MediaStreamTrack }) => { readable: ReadableStream<VideoFrame> };
declare const MediaStreamTrackGenerator: new (init: { kind: 'video' }) => MediaStreamTrack & { writable: WritableStream<VideoFrame> };

const fail = (message: string) => new VideoCallError('background-failed', message);

/**
 * Starts the background effect on `camera` (the captured track, left as it is: the effect reads a
 * clone). `background` is `blur` or an image URL (relative to the page). The frames are processed
 * in a worker (dist/video-call-background/worker.js, under `base`); `hooks.ready` hands over the
 * processed track once its first frame is out, `hooks.failed` says why not (an old browser, a
 * model or image that does not load, a device too slow). Returns `stop`, which ends it all
 * (the processed track included); after `stop` no hook is called.
 */
export function startBackground(
  camera: MediaStreamTrack,
  background: string,
  base: string,
  hooks: BackgroundHooks,
  options: BackgroundOptions = {},
): () => void {
  if (typeof MediaStreamTrackProcessor === 'undefined' || typeof MediaStreamTrackGenerator === 'undefined') {
    let stopped = false;
    queueMicrotask(
      () =>
        stopped ||
        hooks.failed(fail('This browser cannot process camera frames (no MediaStreamTrackProcessor): the background stays as it is.')),
    );
    return () => (stopped = true);
  }
  const effect = background === 'blur' || background === 'none' ? background : new URL(background, document.baseURI).href;
  const workerUrl = new URL('worker.js', base).href;
  // The worker reads a clone: stopping the effect leaves the camera as it is.
  const source = camera.clone();
  const processor = new MediaStreamTrackProcessor({ track: source });
  const out = new MediaStreamTrackGenerator({ kind: 'video' });
  // A blob worker that imports the real one: works when the files are on another origin (a CDN of one's own).
  const boot = URL.createObjectURL(new Blob([`importScripts(${JSON.stringify(workerUrl)})`], { type: 'text/javascript' }));
  const worker = new Worker(boot);
  URL.revokeObjectURL(boot);
  let stopped = false;
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    worker.terminate();
    source.stop();
    out.stop();
  };
  const failed = (err: VideoCallError) => {
    if (stopped) return;
    stop();
    hooks.failed(err);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    failed(fail(`The background effect's worker could not be loaded from ${workerUrl}${e.message ? ` (${e.message})` : ''}.`));
  };
  worker.onmessage = ({ data }) => {
    if (stopped) return;
    if (data.type === 'ready') {
      clearTimeout(timer);
      hooks.ready(out);
    } else if (data.type === 'stats') hooks.stats?.(data);
    else if (data.type === 'slow') {
      failed(fail(`This device is too slow for the background effect (${data.fps} frames per second): showing the plain camera.`));
    } else failed(fail(data.message));
  };
  const timer = setTimeout(
    () => failed(fail('The background effect took too long to start: showing the plain camera.')),
    options.loadTimeoutMs ?? 30_000,
  );
  const minFps = options.minFps ?? 15;
  worker.postMessage({ base, readable: processor.readable, writable: out.writable, background: effect, minFps }, [
    processor.readable,
    out.writable,
  ]);
  return stop;
}
