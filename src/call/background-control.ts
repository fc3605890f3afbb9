import { basePath } from '../base-path.js';
import type { VideoCallError } from '../errors.js';
import { startBackground, type BackgroundOptions } from './background-effect.js';
import type { LocalMedia } from './local-media.js';

/**
 * The `background` setting applied to the captured camera, whatever it is at the moment (part of
 * the chunk loaded on first use: the engine makes one the first time a background is set). The
 * effect (background-effect.ts and its worker) starts on each new camera, its
 * track is swapped in once ready (the raw camera is shown and sent meanwhile), a change of effect
 * keeps the old one showing until the new one is ready, `none` or a failure puts the raw camera back.
 */
export class BackgroundControl {
  #background = 'none';
  #options: BackgroundOptions = {};
  #raw: MediaStreamTrack | null | undefined;
  /** Stops the effect in use and any still starting. */
  #stop: (() => void) | undefined;

  constructor(
    private _media: LocalMedia,
    private _failed: (err: VideoCallError) => void,
  ) {
    this.#raw = _media.rawCamera;
    _media.onRawCamera = (raw) => {
      this.#raw = raw;
      this.#apply();
    };
  }

  set(background: string, options: BackgroundOptions = {}): void {
    this.#background = background || 'none';
    this.#options = options;
    this.#apply();
  }

  #apply(): void {
    const { _media: media } = this;
    const raw = this.#raw;
    const bg = this.#background;
    const prev = this.#stop;
    this.#stop = undefined;
    /** Shows and sends `track` if `raw` is still the camera; else stops it. */
    const swap = (track: MediaStreamTrack) => (raw && media.rawCamera === raw ? media.swapCamera(track) : track !== raw && track.stop());
    const plain = () => {
      if (raw) swap(raw);
      prev?.();
    };
    if (!raw || bg === 'none') return plain();
    const failed = (err: VideoCallError) => {
      plain();
      this._failed(err);
    };
    const hooks = {
      ready: (track: MediaStreamTrack) => {
        swap(track);
        prev?.();
      },
      failed,
    };
    // The worker, runtime and model: the folder beside the bundle (or where data-video-call-base says).
    const base = new URL('video-call-background/', basePath()).href;
    const stopEffect = startBackground(raw, bg, base, hooks, this.#options);
    this.#stop = () => {
      stopEffect();
      prev?.();
    };
  }
}
