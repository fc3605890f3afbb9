import type { ChannelMessage } from './channel-protocol.js';
import { PeerSession } from './peer-session.js';
import type { LinkOptions, PeerLink, Topology } from './topology.js';
import type { IceTimeouts } from './types.js';

/** How connections are made now: read for each new connection, and the servers again at each ICE restart. */
export interface IceSettings {
  /** The engine's own ICE servers together with the transport's (minted TURN credentials). */
  iceServers: RTCIceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
  iceTimeouts: IceTimeouts;
}

/** The mesh: one {@link PeerSession} (an RTCPeerConnection with its data channel) per remote peer. */
export class MeshTopology implements Topology {
  #sessions = new Set<PeerSession>();

  /** `ice` is read for each new connection (the engine's options and the transport's servers may change between calls). */
  constructor(private readonly ice: () => IceSettings) {}

  link(options: LinkOptions): PeerLink {
    const { iceServers, iceTransportPolicy, iceTimeouts } = this.ice();
    const session = new PeerSession({
      ...options,
      iceServers,
      iceTransportPolicy,
      iceTimeouts,
      currentIceServers: () => this.ice().iceServers,
    });
    this.#sessions.add(session);
    return session;
  }

  setTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): void {
    this.#each((s) => s.setTrack(kind, track));
  }

  broadcast(message: ChannelMessage): void {
    this.#each((s) => s.send(message));
  }

  #each(fn: (s: PeerSession) => unknown): void {
    for (const s of this.#sessions) {
      if (s.closed) this.#sessions.delete(s);
      else Promise.resolve(fn(s)).catch((err) => console.warn('[video-call]', err));
    }
  }
}
