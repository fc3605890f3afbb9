/**
 * What the stories share: the visible `<video-call>` in a frame, remote participants, and
 * story-only transports for states a real relay produces (a join that never answers, a full
 * room, a lost connection). Everything runs in the page: the `local` transport
 * (BroadcastChannel) and synthetic media (./synthetic-media.ts), so no server and no camera.
 *
 * Remote participants are `CallEngine`s on the same page, each with its own synthetic camera,
 * in the same room over their own `LocalTransport`: real WebRTC connections to the element.
 *
 * The frame carries `data-expect-*` attributes saying what the story shows; the Storybook test
 * (test/storybook/stories.test.ts) checks each of them in the rendered element.
 */
import '../../src/video-call.js';
import { CallEngine } from '../../src/call/call-engine.js';
import type { VideoCall } from '../../src/components/video-call/video-call.component.js';
import { Emitter } from '../../src/emitter.js';
import { VideoCallError } from '../../src/errors.js';
import { LocalTransport } from '../../src/transports/local.js';
import type { JoinOptions, JoinResult, Transport, TransportEvents, TransportState } from '../../src/transports/transport.js';
import { setMediaDenied, stopSyntheticMediaSoon, withPersona, type Persona } from './synthetic-media.js';

export type { VideoCall };

const engines = new Set<CallEngine>();
const cleanups = new Set<() => void>();

/** Ends every remote participant and story resource (run between stories by preview.ts). */
export function cleanupStory(): void {
  for (const fn of [...cleanups]) fn();
  cleanups.clear();
  for (const e of [...engines]) void e.destroy();
  engines.clear();
  setMediaDenied(false);
  // The visible element stops its own tracks when Storybook removes it; stop the rest.
  stopSyntheticMediaSoon();
}

export function onCleanup(fn: () => void): void {
  cleanups.add(fn);
}

let roomCounter = 0;
/** A room nobody else uses (stories on other tabs share the BroadcastChannel namespace). */
export const uniqueRoom = (name: string) => `sb-${name}-${Date.now().toString(36)}-${++roomCounter}`;

export interface PeerOptions extends Partial<Persona> {
  name: string;
  /** Start with the mic on (default true). */
  audio?: boolean;
  /** Start with the camera on (default true). */
  video?: boolean;
  /** Share a (synthetic) screen once joined. */
  screen?: boolean;
  /** Ring flow; with `callWhenSomeoneJoins`, rings whoever joins after it. */
  ring?: boolean;
  callWhenSomeoneJoins?: boolean;
}

const hues = [28, 140, 275, 330, 190, 95];
let hueIndex = 0;

/** A remote participant: a CallEngine with its own synthetic media, joined to `room`. */
export async function spawnPeer(room: string, o: PeerOptions): Promise<CallEngine> {
  const engine = new CallEngine({ iceServers: [], ring: o.ring ?? false, audio: o.audio ?? true, video: o.video ?? true });
  engines.add(engine);
  const transport = new LocalTransport();
  onCleanup(() => transport.close());
  if (o.callWhenSomeoneJoins) {
    engine.on('peer-joined', ({ peerId }) => setTimeout(() => engine.call(peerId).catch(() => {}), 200));
  }
  const persona = { name: o.name, hue: o.hue ?? hues[hueIndex++ % hues.length] };
  // With the device settings loaded first, the engine asks for media synchronously inside join(), so the persona applies to it.
  await engine.getDevices().catch(() => {});
  const joined = withPersona(persona, () => engine.join(room, transport, { name: o.name }));
  await joined;
  if (o.screen) await withPersona(persona, () => engine.startScreenShare());
  return engine;
}

/**
 * Spawns `peers` one after the other, then lets `el` join (by setting `autojoin`, as a page
 * script would): participants never enter the room at the same instant, so each story shows
 * the same thing every time.
 */
export async function peersThenJoin(el: VideoCall, room: string, peers: PeerOptions[]): Promise<CallEngine[]> {
  const engines: CallEngine[] = [];
  for (const p of peers) engines.push(await spawnPeer(room, p));
  el.autojoin = true;
  return engines;
}

/** Resolves when `el` fires `type`. */
export function whenEvent(el: EventTarget, type: string): Promise<Event> {
  return new Promise((resolve) => el.addEventListener(type, resolve, { once: true }));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Expect {
  /** Tiles in the call (ours included). */
  tiles?: number;
  /** Remote videos that must be playing (frames advancing). */
  playing?: number;
  /** Our own video must be playing. */
  localPlaying?: boolean;
  /** Text that must appear in the element. */
  text?: string[];
  /** Selectors that must match inside the element's shadow root. */
  selectors?: string[];
  /** Selectors that must NOT match (e.g. markup from a message rendered as markup). */
  absentSelectors?: string[];
  /** Selectors whose element must be scrolled into view (not hidden in a scrolled list). */
  inView?: string[];
  /** The element's `state`. */
  state?: 'idle' | 'joining' | 'joined' | 'error';
  /**
   * A known element bug that keeps this story from showing what it should: the Storybook
   * test then reports the story as a todo (with this text) instead of failing the run.
   */
  knownBug?: string;
}

export interface FrameOptions {
  width?: string;
  height?: string;
  expect: Expect;
  /** Extra CSS for the frame (theming). */
  css?: string;
  caption?: string;
}

/** Creates `<video-call>` with `attrs` inside a sized frame that declares what the story shows. */
export function callFrame(
  attrs: Record<string, string | boolean | number | undefined>,
  o: FrameOptions,
): { frame: HTMLElement; el: VideoCall } {
  const frame = document.createElement('div');
  frame.className = 'vc-story';
  frame.style.cssText = `width:${o.width ?? '100%'}; max-width:100%; height:${o.height ?? '600px'}; display:flex; flex-direction:column; gap:8px`;
  frame.dataset.expect = JSON.stringify(o.expect);
  if (o.css) {
    const style = document.createElement('style');
    style.textContent = o.css;
    frame.append(style);
  }
  if (o.caption) {
    const p = document.createElement('p');
    p.style.cssText = 'margin:0; font:14px/1.4 system-ui, sans-serif; color:#444';
    p.textContent = o.caption;
    frame.append(p);
  }
  const el = document.createElement('video-call');
  el.style.cssText = 'flex:1; min-height:0';
  for (const [k, v] of Object.entries(attrs)) {
    if (v === true) el.setAttribute(k, '');
    else if (v !== false && v !== undefined) el.setAttribute(k, String(v));
  }
  frame.append(el);
  return { frame, el };
}

/** Sends `text` from `peer` until `el` has received it (the data channel may still be opening). */
export async function deliver(el: VideoCall, peer: CallEngine, text: string): Promise<void> {
  let got = false;
  const onMessage = (e: Event) => {
    if ((e as CustomEvent<{ text: string }>).detail.text === text) got = true;
  };
  el.addEventListener('vc-chat-message', onMessage);
  for (let i = 0; i < 50 && !got; i++) {
    peer.sendChat(text);
    await sleep(200);
  }
  el.removeEventListener('vc-chat-message', onMessage);
}

/** Opens the chat panel, as a click on the Chat button does. */
export async function openChat(el: VideoCall): Promise<void> {
  await el.updateComplete;
  (el.shadowRoot!.querySelector('button[aria-label="Chat"]') as HTMLButtonElement | null)?.click();
}

// ------------------------------------------------------------------ story-only transports

/** A transport whose join never answers: the element stays in "Joining…". */
export class NeverAnsweringTransport extends Emitter<TransportEvents> implements Transport {
  state: TransportState = 'connecting';
  join(): Promise<JoinResult> {
    return new Promise(() => {});
  }
  send(): void {}
  async leave(): Promise<void> {}
  close(): void {
    this.state = 'closed';
  }
}

/** A transport that refuses the join as a relay with a full room does. */
export class FullRoomTransport extends Emitter<TransportEvents> implements Transport {
  state: TransportState = 'connected';
  constructor(private readonly capacity = 8) {
    super();
  }
  async join(): Promise<JoinResult> {
    await sleep(100);
    throw new VideoCallError('room-full', `This room is full (${this.capacity} people). Try again later or pick another room.`);
  }
  send(): void {}
  async leave(): Promise<void> {}
  close(): void {
    this.state = 'closed';
  }
}

/**
 * The `local` transport, except that shortly after joining it reports that its connection to
 * the signaling server was lost and it is reconnecting (what the socket.io transport reports
 * when the relay goes away). Calls already connected go on peer to peer.
 */
export class ReconnectingTransport extends Emitter<TransportEvents> implements Transport {
  #inner = new LocalTransport();
  #state: TransportState = 'connected';
  constructor(private readonly afterMs = 1500) {
    super();
    this.#inner.on('peer-joined', (p) => this.emit('peer-joined', p));
    this.#inner.on('peer-left', (p) => this.emit('peer-left', p));
    this.#inner.on('signal', (s) => this.emit('signal', s));
  }
  get state(): TransportState {
    return this.#state;
  }
  async join(room: string, options?: JoinOptions): Promise<JoinResult> {
    const result = await this.#inner.join(room, options);
    setTimeout(() => {
      if (this.#state === 'closed') return;
      this.#state = 'reconnecting';
      this.emit('state', 'reconnecting');
    }, this.afterMs);
    return result;
  }
  send(to: string, data: unknown): void {
    this.#inner.send(to, data);
  }
  leave(): Promise<void> {
    return this.#inner.leave();
  }
  close(): void {
    this.#state = 'closed';
    this.#inner.close();
  }
}
