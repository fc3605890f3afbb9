import { oneEvent, waitUntil } from '@open-wc/testing';
import '../../src/video-call.js';
import type { VideoCall } from '../../src/video-call.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let counter = 0;
/** A unique room per test, so tests never see each other. */
export const uniqueRoom = (prefix = 'room') => `${prefix}-${Date.now().toString(36)}-${++counter}`;

const created: VideoCall[] = [];

/** Creates a `<video-call>` with `attrs` and adds it to the page (removed after each test). */
export function addCall(attrs: Record<string, string | boolean>): VideoCall {
  const el = document.createElement('video-call');
  for (const [k, v] of Object.entries(attrs)) {
    if (v === true) el.setAttribute(k, '');
    else if (v !== false) el.setAttribute(k, v);
  }
  el.style.width = '640px';
  document.body.append(el);
  created.push(el);
  return el;
}

export function removeAllCalls(): void {
  for (const el of created.splice(0)) el.remove();
}

/** Waits for an event, failing with a clear message after `ms`. */
export async function eventWithin<T = unknown>(el: EventTarget, type: string, ms = 15000): Promise<CustomEvent<T>> {
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${type} within ${ms} ms`)), ms);
  });
  try {
    return (await Promise.race([oneEvent(el, type), timeout])) as CustomEvent<T>;
  } finally {
    clearTimeout(timer!);
  }
}

export const shadow = (el: VideoCall) => el.shadowRoot!;

/** The remote <video> showing `peerId` inside `el`. */
export function remoteVideo(el: VideoCall, peerId?: string): HTMLVideoElement | null {
  const sel = peerId ? `video[part="remote-video"][data-peer-id="${peerId}"]` : 'video[part="remote-video"]';
  return shadow(el).querySelector(sel);
}

/** Resolves once `video` shows frames that keep advancing (live video, not a still). */
export async function videoIsLive(video: HTMLVideoElement, ms = 15000): Promise<void> {
  await waitUntil(() => video.videoWidth > 0 && video.readyState >= 2, 'video has no frames', { timeout: ms });
  const first = video.getVideoPlaybackQuality().totalVideoFrames;
  await waitUntil(() => video.getVideoPlaybackQuality().totalVideoFrames > first + 5, 'video frames do not advance', { timeout: ms });
}

export { waitUntil };
