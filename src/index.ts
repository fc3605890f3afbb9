/** Public API for npm users (the element class and everything for writing transports). */
export {
  VideoCall,
  VIDEO_CALL_EVENTS,
  type VideoCallEventMap,
  type VideoCallCustomEvents,
  type VideoCallPeer,
  type PeerStats,
} from './components/video-call/video-call.component.js';
export { CallEngine, type CallState, type PeerState, type CallEngineOptions } from './call/call-engine.js';
export { registerTransport, getTransportFactory, transportNames } from './transports/registry.js';
export type {
  Transport,
  TransportEvents,
  TransportFactory,
  TransportOptions,
  TransportState,
  PeerInfo,
  JoinOptions,
  JoinResult,
} from './transports/transport.js';
export { Emitter } from './emitter.js';
export { VideoCallError, type VideoCallErrorCode } from './errors.js';
/** The element's `strings` overrides: string ids (docs/i18n.md) and their values. */
export type { Strings, StringId, Plural } from './i18n/en.js';
