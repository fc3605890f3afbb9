import { toVideoCallError, type VideoCallError } from '../errors.js';
import { getScreenTrack, getUserTracks } from './media.js';

export type MediaKind = 'audio' | 'video';

/**
 * Turns a captured mic or camera track into the track that is shown and sent: where background
 * noise processing plugs in. When the device is released both the returned track and the captured
 * one are stopped. Default: the captured track itself. (The background effect, which starts
 * asynchronously, swaps its track in later with {@link LocalMedia.swapCamera}.)
 */
export type TrackProcessor = (kind: MediaKind, track: MediaStreamTrack) => MediaStreamTrack;

/** What local media tells the engine. */
export interface LocalMediaHooks {
  /** The track sent as `kind` is now `track` (null: none): every link follows. */
  sendTrack(kind: MediaKind, track: MediaStreamTrack | null): void;
  /** The mic, camera or screen changed (on, off, arrived): peers are told, the UI redraws. */
  changed(): void;
  /** Our screen share started or stopped. */
  screenShare(active: boolean): void;
  /** Something could not be started (camera/mic refused or missing, screen picker cancelled). */
  failed(err: VideoCallError): void;
  /** Changes whenever a call is joined or left: a screen picked across a change is not shared. */
  callSeq(): number;
}

/** Asks for mic and/or camera tracks (see media.ts `getUserTracks`, the default). */
export type Capture = typeof getUserTracks;

/**
 * The local user's media: mic, camera and screen tracks, the races of asking for them (a prompt
 * left open while the user toggles, or leaves), the toggles, and which track each kind sends now
 * ({@link trackFor}). Two seams: device choice plugs in where tracks are asked for
 * ({@link capture}), background processing where they are installed ({@link process}).
 */
export class LocalMedia {
  /** Our camera (or screen) and mic, for the local preview and for peers. */
  readonly stream = new MediaStream();
  /** The last camera/mic error (permission-denied, no-device), shown by the UI until resolved. */
  error: VideoCallError | null = null;
  /** How mic and camera are asked for: a device picker swaps in one with `deviceId` constraints. */
  capture: Capture = getUserTracks;
  /** Told when the captured camera changes (null: off): the background effect follows it. */
  onRawCamera?: (track: MediaStreamTrack | null) => void;
  /** See {@link TrackProcessor}. */
  process: TrackProcessor = (_kind, track) => track;

  #hooks: LocalMediaHooks;
  #mic: MediaStreamTrack | null = null;
  #camera: MediaStreamTrack | null = null;
  /** The captured camera the camera shown and sent comes from (itself, or a track the background made of it). Read-only. */
  declare rawCamera: MediaStreamTrack | null | undefined;
  #screen: MediaStreamTrack | null = null;
  #micOn: boolean;
  #cameraOn: boolean;
  #acquiring: Promise<void> | null = null;
  /** getUserMedia requests out for each kind (a permission prompt may be open). */
  #pending = { audio: 0, video: 0 };
  /**
   * Bumped by abandon(): media asked for before it (a prompt left open while the element was
   * removed) is stopped the moment it arrives, never installed, and nothing is reported.
   */
  #epoch = 0;

  constructor(hooks: LocalMediaHooks, start: { audio: boolean; video: boolean }) {
    this.#hooks = hooks;
    this.#micOn = start.audio;
    this.#cameraOn = start.video;
  }

  /** The starting mic/camera state applies until media has been acquired. */
  configure(start: { audio?: boolean; video?: boolean }): void {
    if (start.audio !== undefined && !this.#mic) this.#micOn = start.audio;
    if (start.video !== undefined && !this.#camera) this.#cameraOn = start.video;
  }

  get micOn(): boolean {
    return this.#micOn && !!this.#mic;
  }
  get cameraOn(): boolean {
    return this.#cameraOn && !!this.#camera;
  }
  get screenSharing(): boolean {
    return !!this.#screen;
  }

  /** The track sent now as `kind`: the mic; the screen while it is shared, else the camera. */
  trackFor(kind: MediaKind): MediaStreamTrack | null {
    return kind === 'audio' ? this.#mic : (this.#screen ?? this.#camera);
  }

  /** Starts the camera/mic (for the pre-join preview). Never rejects: failures go to `error` and `failed`. */
  start(): Promise<void> {
    if (this.#mic || this.#camera || this.#acquiring) return this.#acquiring ?? Promise.resolve();
    // The mic is acquired even when starting muted, so unmuting is instant; the camera only when wanted (its light).
    // A kind a toggle is already asking for is not asked twice (one prompt).
    const want = { audio: !this.#pending.audio, video: this.#cameraOn && !this.#pending.video };
    if (!want.audio && !want.video) return Promise.resolve();
    const acquiring: Promise<void> = this.#acquire(want).finally(() => {
      if (this.#acquiring === acquiring) this.#acquiring = null;
    });
    return (this.#acquiring = acquiring);
  }

  async #acquire(want: { audio: boolean; video: boolean }): Promise<void> {
    const epoch = this.#epoch;
    if (want.audio) this.#pending.audio++;
    if (want.video) this.#pending.video++;
    let got: Awaited<ReturnType<typeof getUserTracks>>;
    try {
      got = await this.capture(want);
    } finally {
      if (epoch === this.#epoch) {
        if (want.audio) this.#pending.audio--;
        if (want.video) this.#pending.video--;
      }
    }
    if (epoch !== this.#epoch) {
      // Abandoned while the prompt was open: nobody will show, send or stop these.
      got.audio?.stop();
      got.video?.stop();
      return;
    }
    // The mic is installed even when muted meanwhile (#setMic keeps it disabled): unmuting stays instant.
    if (got.audio) {
      if (this.#mic) got.audio.stop();
      else this.#setMic(this.process('audio', got.audio));
    }
    // The camera only if still wanted: turned off while the prompt was open, its light goes out now.
    if (got.video) {
      if (this.#cameraOn && !this.#camera) this.#setCamera(this.process('video', got.video), got.video);
      else got.video.stop();
    }
    if (got.error) {
      this.error = got.error;
      this.#hooks.failed(got.error);
    } else if (got.audio || got.video) this.error = null;
    this.#hooks.changed();
  }

  #setMic(track: MediaStreamTrack): void {
    this.#mic?.stop();
    if (this.#mic) this.stream.removeTrack(this.#mic);
    this.#mic = track;
    track.enabled = this.#micOn;
    this.stream.addTrack(track);
    this.#hooks.sendTrack('audio', track);
  }

  #setCamera(track: MediaStreamTrack | null, raw = track): void {
    if (this.#camera) {
      this.#camera.stop();
      this.rawCamera!.stop();
      this.stream.removeTrack(this.#camera);
    }
    this.#camera = track;
    this.rawCamera = raw;
    this.onRawCamera?.(raw);
    if (!this.#screen) {
      if (track) this.stream.addTrack(track);
      this.#hooks.sendTrack('video', track);
    }
  }

  /**
   * Shows and sends `track` (made from the captured camera {@link rawCamera}, or that itself) as
   * the camera; no renegotiation (replaceTrack). The camera track it replaces is stopped unless it
   * is the captured one. Only while the camera is on.
   */
  swapCamera(track: MediaStreamTrack): void {
    const old = this.#camera!;
    if (old !== this.rawCamera) old.stop();
    this.#camera = track;
    if (!this.#screen) {
      this.stream.removeTrack(old);
      this.stream.addTrack(track);
      this.#hooks.sendTrack('video', track);
    }
  }

  /**
   * Puts `track`, just captured from another device, in place of the mic or camera, live: every
   * link replaces its sender's track (no renegotiation) and the old device is released. A camera
   * that is off stays off (the track is stopped). `null`: that device is gone (the kind turns off).
   */
  replace(kind: MediaKind, track: MediaStreamTrack | null): void {
    if (kind === 'audio') {
      if (track) this.#setMic(this.process('audio', track));
      else if (this.#mic) {
        this.#mic.stop();
        this.stream.removeTrack(this.#mic);
        this.#mic = null;
        this.#hooks.sendTrack('audio', null);
      }
    } else if (track && !this.#camera) track.stop();
    else {
      if (!track) this.#cameraOn = false;
      this.#setCamera(track && this.process('video', track), track);
    }
    this.#hooks.changed();
  }

  /** Mic on/off; without an argument, the opposite of what `micOn` shows (a refused mic is asked for again). */
  toggleMic(on?: boolean): boolean {
    this.#micOn = on ?? !this.micOn;
    if (this.#mic) this.#mic.enabled = this.#micOn;
    else if (this.#micOn && !this.#pending.audio) void this.#acquire({ audio: true, video: false });
    this.#hooks.changed();
    return this.#micOn;
  }

  /** Camera on/off; without an argument, the opposite of what `cameraOn` shows. Off releases the camera. */
  toggleCamera(on?: boolean): boolean {
    this.#cameraOn = on ?? !this.cameraOn;
    if (!this.#cameraOn) this.#setCamera(null);
    else if (!this.#camera && !this.#pending.video) {
      const epoch = this.#epoch;
      void this.#acquire({ audio: false, video: true }).then(() => {
        if (epoch !== this.#epoch) return;
        if (!this.#camera) this.#cameraOn = false;
        this.#hooks.changed();
      });
    }
    this.#hooks.changed();
    return this.#cameraOn;
  }

  /** Shares a screen, window or tab in place of the camera. */
  async startScreenShare(): Promise<void> {
    if (this.#screen) return;
    const epoch = this.#epoch;
    const callSeq = this.#hooks.callSeq();
    let track: MediaStreamTrack;
    try {
      track = await getScreenTrack();
    } catch (err) {
      // Not a camera/mic problem: `error` (the camera/mic message) stays as it is.
      if (epoch === this.#epoch) this.#hooks.failed(toVideoCallError(err, 'no-device'));
      throw err;
    }
    // Abandoned or the call ended while the picker was open, or already sharing (a second picker): not installed.
    if (epoch !== this.#epoch || callSeq !== this.#hooks.callSeq() || this.#screen) {
      track.stop();
      return;
    }
    this.#screen = track;
    // The browser's own "Stop sharing" button ends the track.
    track.addEventListener('ended', () => this.stopScreenShare());
    if (this.#camera) this.stream.removeTrack(this.#camera);
    this.stream.addTrack(track);
    this.#hooks.sendTrack('video', track);
    this.#hooks.screenShare(true);
    this.#hooks.changed();
  }

  /** Stops sharing and goes back to the camera (if it is on). */
  stopScreenShare(): void {
    const track = this.#screen;
    if (!track) return;
    this.#screen = null;
    track.stop();
    this.stream.removeTrack(track);
    if (this.#camera) this.stream.addTrack(this.#camera);
    this.#hooks.sendTrack('video', this.#camera);
    this.#hooks.screenShare(false);
    this.#hooks.changed();
  }

  /** Nothing asked for so far will be installed (the engine is being destroyed). */
  abandon(): void {
    this.#epoch++;
    this.#pending = { audio: 0, video: 0 };
    this.#acquiring = null;
  }

  /** Stops the camera and mic. */
  release(): void {
    this.#setCamera(null);
    this.#mic?.stop();
    if (this.#mic) this.stream.removeTrack(this.#mic);
    this.#mic = null;
  }
}
