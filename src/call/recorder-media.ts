/**
 * The call as the user sees it — the tiles composited onto a 1280×720 canvas
 * (recorder-compositor.ts) and every voice mixed through Web Audio (recorder-mixer.ts) — recorded
 * by MediaRecorder into WebM. Memory stays bounded however long the call: one frame is drawn per
 * tick of a timer (no frames kept), and MediaRecorder hands over a chunk every
 * {@link TIMESLICE_MS}; chunks are Blobs, whose bytes Chromium keeps out of the JS heap (in the
 * browser process, spilled to disk past its in-memory blob limit), and every
 * {@link CHUNKS_PER_PART} of them are folded into one Blob, so even the array of references stays short.
 */
import { VideoCallError } from '../errors.js';
import { Compositor, RECORDING_HEIGHT, RECORDING_WIDTH, type RecordedTile } from './recorder-compositor.js';
import { Mixer } from './recorder-mixer.js';

export type { RecordedTile };
export { RECORDING_WIDTH, RECORDING_HEIGHT };

/** Frames per second drawn and recorded. */
export const RECORDING_FPS = 15;
/** MediaRecorder hands over what it has encoded this often. */
export const TIMESLICE_MS = 1000;
/** Chunks folded into one Blob (an hour is then ~60 Blob references, not 3600). */
export const CHUNKS_PER_PART = 60;
/** The recording's type: WebM (VP8 video and Opus audio where the browser has them). */
export const RECORDING_TYPE = 'video/webm';
/** How long `stop()` waits for MediaRecorder's last chunk before it settles with what it has. */
const STOP_TIMEOUT_MS = 5000;

/** A recording under way. */
export interface Recorder {
  /** Stops; resolves with the whole recording. Calling it again returns the same promise. */
  stop(): Promise<Blob>;
  /** Settles with the recording once it ends, whether by `stop()` or because the browser stopped it (an error). */
  readonly done: Promise<Blob>;
}

/** The MIME type to record with, or null when this browser cannot record WebM. */
function webmType(): string | null {
  if (typeof MediaRecorder === 'undefined' || typeof HTMLCanvasElement.prototype.captureStream !== 'function') return null;
  return ['video/webm;codecs=vp8,opus', 'video/webm'].find((t) => MediaRecorder.isTypeSupported(t)) ?? null;
}

/**
 * Starts recording the participants `tiles()` lists (asked again on every frame, so those who join
 * or leave meanwhile are included or removed). `onError` is told when the browser stops the
 * recording on its own; `done` then settles with what was recorded. Throws a `VideoCallError`
 * `not-supported` when the browser cannot record.
 */
export function startRecorder(tiles: () => RecordedTile[], onError: (message: string) => void): Recorder {
  const mimeType = webmType();
  if (!mimeType) throw new VideoCallError('not-supported', 'This browser cannot record calls (no MediaRecorder with WebM).');
  const compositor = new Compositor();
  const mixer = new Mixer();
  const tick = () => {
    const now = tiles();
    compositor.draw(now);
    mixer.sync(now.flatMap((t) => t.stream?.getAudioTracks() ?? []));
  };
  tick();
  const video = compositor.canvas.captureStream(RECORDING_FPS).getVideoTracks()[0];
  const stream = new MediaStream([video, mixer.track]);
  let recorder: MediaRecorder;
  try {
    recorder = new MediaRecorder(stream, { mimeType, videoBitsPerSecond: 1_500_000, audioBitsPerSecond: 96_000 });
  } catch (err) {
    compositor.close();
    mixer.close();
    throw new VideoCallError('not-supported', `This browser cannot record calls: ${(err as Error).message}`, { cause: err });
  }
  const timer = setInterval(tick, 1000 / RECORDING_FPS);

  let parts: Blob[] = [];
  recorder.ondataavailable = (e) => {
    if (e.data.size) parts.push(e.data);
    if (parts.length >= CHUNKS_PER_PART) parts = [new Blob(parts, { type: RECORDING_TYPE })];
  };
  let finish!: () => void;
  const done = new Promise<Blob>((resolve) => {
    let finished = false;
    finish = () => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      video.stop();
      compositor.close();
      mixer.close();
      resolve(new Blob(parts, { type: RECORDING_TYPE }));
      parts = [];
    };
  });
  recorder.onstop = () => finish();
  recorder.onerror = (e) => {
    onError((e as Event & { error?: Error }).error?.message || 'the browser stopped it');
    // The recorder stops itself after an error; settle even if it does not say so.
    setTimeout(finish, STOP_TIMEOUT_MS);
  };
  recorder.start(TIMESLICE_MS);

  let stopping: Promise<Blob> | null = null;
  return {
    done,
    stop() {
      if (!stopping) {
        if (recorder.state !== 'inactive') recorder.stop();
        else finish();
        // Never a hang: without the last chunk in time, what was recorded is returned.
        setTimeout(finish, STOP_TIMEOUT_MS);
        stopping = done;
      }
      return stopping;
    },
  };
}
