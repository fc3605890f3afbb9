import type { CallEngine, DeviceChange } from '../../call/call-engine.js';
import type { VideoCallErrorCode } from '../../errors.js';

/** `detail` of each event `<video-call>` fires. */
export interface VideoCallEventMap {
  /** `topology`: how media flows now, `mesh` or `sfu` (CONTRACT section 10). */
  'vc-joined': { room: string; selfId: string; topology: 'mesh' | 'sfu' };
  'vc-left': { room: string };
  'vc-peer-joined': { peerId: string; name: string };
  'vc-peer-connected': { peerId: string };
  'vc-peer-left': { peerId: string };
  'vc-incoming-call': { peerId: string; name: string };
  'vc-peer-media': { peerId: string; audio: boolean; video: boolean; screen: boolean };
  'vc-chat-message': { from: string; name: string; text: string; at: number };
  'vc-screen-share': { active: boolean };
  /** The camera, microphone or speaker in use changed: chosen (`user`), fell back from one `unplugged`, or `restored`. */
  'vc-device-change': DeviceChange;
  'vc-active-speaker': { peerId: string | null };
  'vc-recording': { peerId: string; active: boolean };
  'vc-error': { code: VideoCallErrorCode; message: string };
  'vc-hand': { peerId: string; raised: boolean };
  'vc-reaction': { peerId: string; emoji: string };
  /** Media moved from the mesh to the SFU, or back. */
  'vc-topology': { topology: 'mesh' | 'sfu' };
}

/** Each `vc-*` event as a listener receives it: a `CustomEvent` with that event's `detail`. */
export type VideoCallCustomEvents = { [K in keyof VideoCallEventMap]: CustomEvent<VideoCallEventMap[K]> };

/** The names of every event `<video-call>` fires, in the order of `VideoCallEventMap` (for wrappers such as `video-call-element/react`). */
export const VIDEO_CALL_EVENTS = [
  'vc-joined',
  'vc-left',
  'vc-peer-joined',
  'vc-peer-connected',
  'vc-peer-left',
  'vc-incoming-call',
  'vc-peer-media',
  'vc-chat-message',
  'vc-screen-share',
  'vc-device-change',
  'vc-active-speaker',
  'vc-recording',
  'vc-error',
  'vc-hand',
  'vc-reaction',
  'vc-topology',
] as const satisfies readonly (keyof VideoCallEventMap)[];

// Every key of the map is listed above: a missing one is a compile error here, naming it.
type Unlisted = Exclude<keyof VideoCallEventMap, (typeof VIDEO_CALL_EVENTS)[number]>;
export type AllEventsListed = [Unlisted] extends [never] ? true : { missing: Unlisted };
true satisfies AllEventsListed;

declare global {
  // `addEventListener('vc-joined', (e) => e.detail.selfId)` is typed on any element, so also on
  // `document.querySelector('video-call')` and on ancestors the events bubble to.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an interface, to merge with the DOM's HTMLElementEventMap
  interface HTMLElementEventMap extends VideoCallCustomEvents {}
}

/** Fires a `vc-*` event from `target`: a `CustomEvent` that bubbles and is composed, typed by its name. */
export function emit<K extends keyof VideoCallEventMap>(target: EventTarget, type: K, detail: VideoCallEventMap[K]): void {
  target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

/** What the element itself does with some engine events (before firing them on, for errors and chat). */
export interface EngineHandlers {
  /** Ring flow: the peer declined our call. */
  declined(peerId: string): void;
  /** Shown (unless `quiet`: the element says it otherwise) until `over`, if given; fired on as `vc-error` right after. */
  error(detail: VideoCallEventMap['vc-error'] & { quiet?: boolean; over?: Promise<void> }): void;
  /** Taken into the chat; fired on as `vc-chat-message` right after. */
  chat(detail: VideoCallEventMap['vc-chat-message']): void;
  /** A hand raised or lowered (`say`: tell a screen reader); fired on as `vc-hand` right after. */
  hand(detail: { peerId: string; raised: boolean; say?: boolean }): void;
  /** Floated over the tile; fired on as `vc-reaction` right after. */
  reaction(detail: VideoCallEventMap['vc-reaction']): void;
}

/**
 * Engine events fired on as `vc-*` events from `target`, with the same detail: each `vc-<name>`
 * is the engine's `<name>` (errors, chat, hands and reactions go through `on` first).
 */
export function forwardEngineEvents(engine: CallEngine, target: EventTarget, on: EngineHandlers): void {
  for (const type of VIDEO_CALL_EVENTS) {
    engine.on(type.slice(3) as 'joined', (d) => {
      if (type === 'vc-error') on.error(d as never);
      if (type === 'vc-chat-message') on.chat(d as never);
      if (type === 'vc-reaction') on.reaction(d as never);
      if (type === 'vc-hand') on.hand(d as never);
      // `say`, `quiet` and `over` are for the element only.
      const { say: _say, quiet: _quiet, over: _over, ...detail } = d as Record<string, unknown>;
      emit(target, type, detail as never);
    });
  }
  engine.on('call-declined', ({ peerId }) => on.declined(peerId));
}
