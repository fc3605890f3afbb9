/**
 * `video-call-element/react`: `<VideoCall>` for React, the `<video-call>` element wrapped by
 * `@lit/react`. Its properties are props (`room`, `transport`, `name`, `maxPeers`, `autojoin`…,
 * set as properties on the element), and every `vc-*` event is an `onVc…` callback
 * (`vc-joined` → `onVcJoined`, `vc-peer-left` → `onVcPeerLeft`), generated from the event map.
 *
 * ```tsx
 * import { VideoCall } from 'video-call-element/react';
 * <VideoCall room="1234" transport="local" onVcJoined={(e) => console.log(e.detail.selfId)} />
 * ```
 *
 * React is an optional peer dependency of the package: install it (18 or 19) to use this entry.
 */
import * as React from 'react';
import { createComponent, type EventName } from '@lit/react';
import { VideoCall as VideoCallElement } from './video-call.js';
import { VIDEO_CALL_EVENTS, type VideoCallCustomEvents } from './components/video-call/events.js';

/** `vc-peer-left` → `VcPeerLeft`. */
type Pascal<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Capitalize<Head>}${Pascal<Tail>}` : Capitalize<S>;

/** The event props of `<VideoCall>`: `onVcJoined` for `vc-joined`, and so on for every `vc-*` event. */
export type VideoCallReactEvents = { [K in keyof VideoCallCustomEvents as `on${Pascal<K>}`]: EventName<VideoCallCustomEvents[K]> };

/** `vc-peer-left` → `onVcPeerLeft`. */
export const eventProp = (name: string): string => `on${name.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase())}`;

const events = Object.fromEntries(VIDEO_CALL_EVENTS.map((name) => [eventProp(name), name])) as VideoCallReactEvents;

/** `<video-call>` as a React component. */
export const VideoCall = createComponent({
  react: React,
  tagName: 'video-call',
  elementClass: VideoCallElement,
  events,
  displayName: 'VideoCall',
});

export { VideoCallElement };
export type { VideoCallEventMap, VideoCallCustomEvents } from './components/video-call/events.js';
