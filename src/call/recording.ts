import { VideoCallError, toVideoCallError } from '../errors.js';
import type { CallEngine } from './call-engine.js';
import type { RecordedTile } from './recorder-compositor.js';
import { startRecorder, type Recorder } from './recorder-media.js';
import type { Topology } from './topology.js';
import type { EngineHost } from './types.js';

/** What recording needs from the engine (passed positionally: property names would stay in the script-tag bundle). */
export interface RecordingHost {
  /** The engine: its state, our id, name, media and peers; its `emit` (protected: the recorder is one of its parts). */
  engine: Omit<CallEngine, never> & Pick<EngineHost, 'emit'>;
  /** The media topology: sends a message to every connected peer. */
  topology: Pick<Topology, 'broadcast'>;
}

/** How a recording is made (`CallEngine.startRecording()`). */
export interface RecordingOptions {
  /** Our own tile's label when we have no name (the element's "You"). */
  you?: string;
  /** A peer's label when they have no name (the element's "Guest"). */
  guest?: string;
  /**
   * Offer the finished recording as a download (however it ended: stopped, the call left),
   * named `call-<download>-<start date and time>.webm` (the element passes its room).
   */
  download?: string;
}

/** A file name for a recording of `room` started now (local time): `call-<room>-<yyyy-mm-dd-hh-mm>.webm`. */
export function recordingFileName(room: string, at = new Date()): string {
  const stamp = new Date(at.getTime() - at.getTimezoneOffset() * 6e4).toISOString().slice(0, 16).replace(/\D/g, '-');
  return `call-${room.replace(/[^\w-]+/g, '').slice(0, 40) || 'room'}-${stamp}.webm`;
}

/** Offers `blob` as a download named `name` (the browser's own download UI takes it from there). */
export function offerDownload(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  // The download holds the data from here; the URL is let go after a while (as FileSaver does).
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}

/** Each engine's recording (an engine records at most once at a time). */
const recordings = new WeakMap<CallEngine, Recording>();

/** `CallEngine.startRecording()`, once the chunk is here. */
export function startRecording(
  engine: CallEngine,
  options: RecordingOptions | undefined,
  topology: RecordingHost['topology'],
): Promise<void> {
  let recording = recordings.get(engine);
  if (!recording) recordings.set(engine, (recording = new Recording({ engine: engine as unknown as RecordingHost['engine'], topology })));
  return recording.start(options);
}

/** `CallEngine.stopRecording()`, once the chunk is here. */
export function stopRecording(engine: CallEngine): Promise<Blob> {
  return (
    recordings.get(engine)?.stop() ?? Promise.reject(new VideoCallError('invalid-state', 'Not recording: call startRecording() first.'))
  );
}

/**
 * Our own recording of the call (in the recorder chunk, made by the engine on the first
 * recording): starts and stops the recorder (recorder-media.ts), tells everyone (channel message
 * `recording`, and our own `recording` event), and offers each finished recording for download
 * when asked to.
 */
export class Recording {
  private _host: RecordingHost;
  private _recorder: Recorder | null = null;
  private _starting: Promise<void> | null = null;
  private _options: RecordingOptions = {};

  constructor(host: RecordingHost) {
    this._host = host;
    // Leaving the call (or losing it) ends the recording; it is offered for download as when stopped.
    host.engine.on('state', (state) => {
      if (state !== 'joined' && this._recorder) this.stop().catch(() => {});
    });
  }

  /** Emits `error` (never fatal). */
  private _fail(err: VideoCallError): void {
    this._host.engine.emit('error', { code: err.code, message: err.message });
  }

  /** We record. */
  get active(): boolean {
    return !!this._recorder;
  }

  /**
   * Starts recording. Rejects with `not-joined` outside a call, `invalid-state` when already
   * recording; with `not-supported` (also an `error` event) when the browser cannot record.
   */
  start(options: RecordingOptions = {}): Promise<void> {
    const host = this._host;
    if (host.engine.state !== 'joined') return Promise.reject(new VideoCallError('not-joined', 'Join the call to record it.'));
    if (this._recorder || this._starting) return Promise.reject(new VideoCallError('invalid-state', 'Already recording.'));
    this._options = options;
    const file = options.download !== undefined ? recordingFileName(options.download) : null;
    return (this._starting = (async () => {
      try {
        const recorder = startRecorder(
          () => this._tiles(),
          (message) => this._fail(new VideoCallError('not-supported', `Recording stopped: ${message}.`)),
        );
        this._recorder = recorder;
        void recorder.done.then((blob) => {
          this._ended(recorder);
          if (file) offerDownload(blob, file);
        });
      } catch (err) {
        const error = toVideoCallError(err, 'not-supported');
        this._fail(error);
        throw error;
      } finally {
        this._starting = null;
      }
      this._told(true);
    })());
  }

  /** Stops recording; resolves with the recording. Rejects with `invalid-state` when not recording. */
  async stop(): Promise<Blob> {
    await this._starting?.catch(() => {});
    const recorder = this._recorder;
    if (!recorder) throw new VideoCallError('invalid-state', 'Not recording: call startRecording() first.');
    this._ended(recorder);
    return recorder.stop();
  }

  /** `recorder` ended (stopped, or the browser stopped it): everyone is told. */
  private _ended(recorder: Recorder): void {
    if (this._recorder !== recorder) return;
    this._recorder = null;
    this._told(false);
  }

  private _told(active: boolean): void {
    const { engine, topology } = this._host;
    engine.recording = active;
    topology.broadcast({ t: 'recording', active });
    engine.emit('recording', { peerId: engine.selfId, active });
    engine.emit('change', undefined);
  }

  /** Everyone as the recording shows them: ours first, then each peer whose media arrives (in the ring flow, the one in the call). */
  private _tiles(): RecordedTile[] {
    const e = this._host.engine;
    const { you = 'You', guest = 'Guest' } = this._options;
    const tiles: RecordedTile[] = [
      { id: e.selfId, name: e.name || you, stream: e.localStream, video: e.cameraOn || e.screenSharing, screen: e.screenSharing },
    ];
    for (const p of e.peers) {
      if (p.stream && (!e.ring || p.ring === 'active'))
        tiles.push({ id: p.id, name: p.name || guest, stream: p.stream, video: p.video, screen: p.screen });
    }
    return tiles;
  }
}
