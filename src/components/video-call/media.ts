import type { CallEngine } from '../../call/call-engine.js';

/**
 * Remote videos carry sound, and browsers refuse unmuted autoplay on a page nobody has
 * clicked yet (an `autojoin` embed). Then they play muted and a button offers the sound:
 * `onSoundBlocked` is called.
 */
export function playRemoteVideos(root: ParentNode, onSoundBlocked: () => void): void {
  for (const v of root.querySelectorAll<HTMLVideoElement>('video[part="remote-video"]')) {
    if (!v.paused || !v.srcObject) continue;
    v.play().catch((err: DOMException) => {
      if (err?.name === 'NotAllowedError' && !v.muted) onSoundBlocked();
    });
  }
}

/**
 * `audio` / `video` set after the element is on the page: before media is acquired this sets how
 * it starts; after, a changed value (`toggle`) turns the device on or off like its button.
 */
export function applyStartMedia(engine: CallEngine, audio: boolean, video: boolean, toggle: { audio: boolean; video: boolean }): void {
  engine.configure({ audio, video });
  if (toggle.audio && audio !== engine.micOn) engine.toggleMic(audio);
  if (toggle.video && video !== engine.cameraOn) engine.toggleCamera(video);
}
