import type { SfuAccess } from '../transports/relay-protocol.js';
import type { Transport } from '../transports/transport.js';
import type { LocalMedia } from './local-media.js';
import type { PeerEventsHost } from './peer-events.js';
import type { Room } from './room.js';
import type { Topology } from './topology.js';
import type { CallEngineEvents, CallEngineOptions, MediaTopology, RemotePeer } from './types.js';

/**
 * What the call engine hands the SFU chunk (src/call/sfu/, fetched only when a room is offered an
 * SFU): the room as it is, and the switches it may pull: `use` puts a topology in place (null: a
 * fresh mesh), `connect` links a peer on it. Positional, so the script-tag bundle stays small.
 * The chunk emits the engine's `topology` event. Types only.
 */
export type StartSfu = (
  engine: {
    room: string;
    topology: MediaTopology;
    on<K extends keyof CallEngineEvents>(type: K, fn: (payload: CallEngineEvents[K]) => void): () => void;
  },
  options: Required<CallEngineOptions>,
  room: Pick<Room, 'selfId' | 'peers'>,
  host: Pick<PeerEventsHost, 'emit' | 'fail' | 'ice'>,
  media: Pick<LocalMedia, 'trackFor' | 'screenSharing'>,
  transport: Transport,
  /** What the transport's join gave (the relay's `sfu`), else null (then `options.sfuUrl`). */
  access: SfuAccess | null,
  use: (topology: Topology | null) => void,
  connect: (peer: RemotePeer) => unknown,
) => { close(): void };
