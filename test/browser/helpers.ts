import { oneEvent, waitUntil as openWcWaitUntil } from '@open-wc/testing';
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
  // Small and side by side, so every element stays inside the 800×600 viewport:
  // Chromium does not paint offscreen video, and the tests watch frames advance.
  el.style.cssText = 'display:inline-flex; width:390px; height:290px; --vc-min-height:0; vertical-align:top';
  document.body.append(el);
  created.push(el);
  return el;
}

/**
 * Removes every element a test added and waits until their camera/mic tracks have
 * stopped: Chromium's fake capture device can stall a getUserMedia that overlaps
 * another track of it being stopped, so tests do not overlap teardown and setup.
 */
export async function removeAllCalls(): Promise<void> {
  const tracks = created.flatMap((el) => el.localStream.getTracks());
  for (const el of created.splice(0)) el.remove();
  await waitUntil(() => tracks.every((t) => t.readyState === 'ended'), 'tracks of removed elements still live', { timeout: 5000 });
  await sleep(50);
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
  const describe = () => {
    const track = (video.srcObject as MediaStream | null)?.getVideoTracks()[0];
    return `videoWidth=${video.videoWidth} readyState=${video.readyState} paused=${video.paused} frames=${video.getVideoPlaybackQuality().totalVideoFrames} connected=${video.isConnected} track=${track ? `${track.readyState}${track.muted ? ',muted' : ''}` : 'none'}`;
  };
  await waitUntil(() => video.videoWidth > 0 && video.readyState >= 2, 'video has no frames', { timeout: ms }).catch(() => {
    throw new Error(`video has no frames (${describe()})`);
  });
  const first = video.getVideoPlaybackQuality().totalVideoFrames;
  await waitUntil(() => video.getVideoPlaybackQuality().totalVideoFrames > first + 5, '', { timeout: ms }).catch(() => {
    throw new Error(`video frames do not advance (${describe()})`);
  });
}

/**
 * open-wc's waitUntil with a 5 s default instead of 1 s: a slow CI machine can take more than a
 * second to open a fake camera or a data channel, and a test here waits for what a user waits for.
 */
export function waitUntil(predicate: () => unknown, message?: string, options: { interval?: number; timeout?: number } = {}) {
  return openWcWaitUntil(predicate, message, { timeout: 5000, ...options });
}

/** The RGBA pixels of `video`'s current frame drawn at `width`x`height` (whatever its size), top `rows` rows. */
export function framePixels(video: HTMLVideoElement, width: number, height: number, rows = height): Uint8ClampedArray {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d', { willReadFrequently: true })!;
  g.drawImage(video, 0, 0, width, height);
  return g.getImageData(0, 0, width, rows).data;
}

/** Counts offers and answers taken by every RTCPeerConnection on the page from now on (the real methods still run). */
export function countNegotiations(): { n: number; restore(): void } {
  const proto = RTCPeerConnection.prototype;
  const real = proto.setRemoteDescription;
  const counter = { n: 0, restore: () => void (proto.setRemoteDescription = real) };
  proto.setRemoteDescription = function (this: RTCPeerConnection, ...args: Parameters<typeof real>) {
    counter.n++;
    return real.apply(this, args);
  } as typeof real;
  return counter;
}

/**
 * Where the element fetches its on-demand files from (the `data-video-call-base` script): the
 * build's `/dist/` (npm test builds before the browser suites), or a folder that fails on purpose.
 */
export function setBase(base: string): void {
  document.querySelector('script[data-video-call-base]')?.remove();
  const s = document.createElement('script');
  s.dataset.videoCallBase = base;
  document.head.append(s);
}
