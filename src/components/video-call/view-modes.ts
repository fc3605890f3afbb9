import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { needsStream } from './needs-stream.js';

/** Document Picture-in-Picture (Chromium 116+): a small always-on-top window the page fills itself. */
interface DocumentPip {
  requestWindow(options?: { width?: number; height?: number }): Promise<Window>;
}

export interface ViewModesHost extends ReactiveControllerHost, HTMLElement {
  readonly renderRoot: HTMLElement | DocumentFragment;
}

/**
 * Full screen for the element and picture-in-picture for one participant's video. Full screen is
 * the browser's (Escape leaves it); the state is read back from `document.fullscreenElement`.
 * Picture-in-picture uses Document Picture-in-Picture where the browser has it (the window then
 * follows whoever `target()` names as it changes), else the `<video>`'s own `requestPictureInPicture()`.
 */
export class ViewModes implements ReactiveController {
  /** The `<video>` picture-in-picture shows now (the active speaker's), set by the element after each update. */
  target: HTMLVideoElement | null = null;
  // TypeScript `private`, not `#`: the bundle targets ES2021, where each `#` member costs a WeakMap.
  private _host: ViewModesHost;
  private _pipVideo: HTMLVideoElement | null = null;
  private _update = () => this._host.requestUpdate();

  constructor(host: ViewModesHost) {
    this._host = host;
    host.addController(this);
  }

  hostConnected(): void {
    document.addEventListener('fullscreenchange', this._update);
  }

  hostDisconnected(): void {
    document.removeEventListener('fullscreenchange', this._update);
    this.closePip();
  }

  /** Whether the browser lets the element go full screen (not in an iframe without `allow="fullscreen"`). */
  get canFullscreen(): boolean {
    return !!document.fullscreenEnabled;
  }

  get fullscreen(): boolean {
    return document.fullscreenElement === this._host;
  }

  toggleFullscreen(): void {
    (this.fullscreen ? document.exitFullscreen() : this._host.requestFullscreen()).catch((e) => console.warn('[video-call]', e));
  }

  get canPip(): boolean {
    return 'documentPictureInPicture' in window || !!document.pictureInPictureEnabled;
  }

  /** Picture-in-picture is open (either kind). */
  get pip(): boolean {
    return !!this._pipVideo || (!!document.pictureInPictureElement && this._host.renderRoot.contains(document.pictureInPictureElement));
  }

  async togglePip(): Promise<void> {
    if (this.pip) return this.closePip();
    const dpip = (window as { documentPictureInPicture?: DocumentPip }).documentPictureInPicture;
    try {
      if (dpip) {
        const win = await dpip.requestWindow({ width: 480, height: 270 });
        const video = (this._pipVideo = win.document.createElement('video'));
        video.autoplay = video.muted = video.playsInline = true; // the sound stays in the call
        video.style.cssText = 'position:fixed;inset:0;width:100%;height:100%;object-fit:contain;background:#000';
        win.document.body.append(video);
        win.addEventListener('pagehide', () => {
          this._pipVideo = null;
          this._update();
        });
        this.follow();
      } else {
        const video = this.target;
        if (!video) return;
        await video.requestPictureInPicture();
        video.addEventListener('leavepictureinpicture', this._update, { once: true });
      }
    } catch (e) {
      console.warn('[video-call]', e);
    }
    this._update();
  }

  /** The Document Picture-in-Picture window shows the current target's stream. */
  follow(): void {
    const v = this._pipVideo;
    const stream = (this.target?.srcObject as MediaStream | null | undefined) ?? null;
    if (v && needsStream(v, stream)) v.srcObject = stream; // again when its tracks changed (a screen share on the SFU)
  }

  closePip(): void {
    const v = this._pipVideo;
    this._pipVideo = null;
    v?.ownerDocument.defaultView?.close();
    if (document.pictureInPictureElement && this._host.renderRoot.contains(document.pictureInPictureElement)) {
      document.exitPictureInPicture().catch(() => {});
    }
  }
}
