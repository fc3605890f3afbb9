/**
 * The call as the user sees it — the tiles composited onto a 1280×720 canvas
 * (recorder-compositor.ts) and every voice mixed through Web Audio (recorder-mixer.ts) — recorded
 * by MediaRecorder into WebM. Memory stays bounded however long the call: one frame is drawn per
 * tick of a timer (no frames kept), and MediaRecorder hands over a chunk every
 * {@link TIMESLICE_MS}; every {@link CHUNKS_PER_PART} chunks (a minute) are one part, written to
 * the site's private storage (the origin private file system) where the browser has it, so what
 * the recording holds in memory is the minute under way, not the hour (Blob bytes alone would stay
 * in the browser's memory up to its blob limit: bench/recording.ts measures both).
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

  const store = new RecordingStore();
  recorder.ondataavailable = (e) => store.add(e.data);
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
      resolve(store.finish());
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

/** The folder of the origin private file system that holds recordings' parts. */
const FOLDER = 'video-call-recordings';
/** Web Lock held by the page that made a recording, for as long as it lives: its files are not swept meanwhile. */
const LOCK = 'video-call-recording:';

/**
 * The folder for recording `id`'s parts, or null where there is none (no origin private file
 * system with writable files, or no Web Locks). Takes `id`'s lock for the page's life, then
 * sweeps the parts of recordings whose page is gone (nobody holds their lock): a finished
 * recording's files stay while its page may still read the Blob, and go with a later recording.
 */
async function openFolder(id: string): Promise<FileSystemDirectoryHandle | null> {
  const locks = navigator.locks;
  if (!locks || !navigator.storage?.getDirectory || typeof FileSystemFileHandle === 'undefined') return null;
  if (!('createWritable' in FileSystemFileHandle.prototype)) return null;
  try {
    await new Promise<void>((held) => void locks.request(LOCK + id, () => (held(), new Promise<never>(() => {}))));
    const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle(FOLDER, { create: true });
    for await (const name of (folder as unknown as { keys(): AsyncIterable<string> }).keys()) {
      if (name.startsWith(id)) continue;
      await locks.request(LOCK + name.replace(/-\d+\.webm$/, ''), { ifAvailable: true }, (lock) =>
        lock ? folder.removeEntry(name).catch(() => {}) : undefined,
      );
    }
    return folder;
  } catch {
    return null;
  }
}

/**
 * A recording's bytes: the chunks MediaRecorder hands over, a part of {@link CHUNKS_PER_PART} at a
 * time. Each part is written to a file of its own in the origin private file system (one
 * `createWritable()` each: a part that fails to write, the disk full, stays in memory and so do
 * the parts after it) and its File, whose bytes are on disk, takes the place of the in-memory
 * Blob. `finish()` is every part, and the chunks since the last, as one Blob.
 */
export class RecordingStore {
  private _id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  private _folder: Promise<FileSystemDirectoryHandle | null>;
  private _parts: Blob[] = [];
  private _chunks: Blob[] = [];
  private _writes: Promise<void> = Promise.resolve();

  private _perPart: number;

  constructor(perPart = CHUNKS_PER_PART) {
    this._perPart = perPart;
    this._folder = openFolder(this._id);
  }

  add(chunk: Blob): void {
    if (chunk.size) this._chunks.push(chunk);
    if (this._chunks.length >= this._perPart) this._part(true);
  }

  /** The whole recording, once the parts under way are written. */
  async finish(): Promise<Blob> {
    this._part(false);
    await this._writes;
    return new Blob(this._parts, { type: RECORDING_TYPE });
  }

  /** The chunks so far become a part; `save`d to disk, in the background. */
  private _part(save: boolean): void {
    if (!this._chunks.length) return;
    const slot = this._parts.push(new Blob(this._chunks, { type: RECORDING_TYPE })) - 1;
    this._chunks = [];
    if (!save) return;
    this._writes = this._writes.then(async () => {
      const folder = await this._folder;
      if (!folder) return;
      try {
        const file = await folder.getFileHandle(`${this._id}-${slot}.webm`, { create: true });
        const out = await file.createWritable();
        await out.write(this._parts[slot]);
        await out.close();
        this._parts[slot] = await file.getFile();
      } catch {
        // The disk refused (full, or the storage was cleared): this part and the rest stay in memory.
        this._folder = Promise.resolve(null);
      }
    });
  }
}
