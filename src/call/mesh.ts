import type { ChannelMessage } from './channel-protocol.js';
import { PeerSession } from './peer-session.js';
import type { LinkOptions, PeerLink, Topology } from './topology.js';

/** The mesh: one {@link PeerSession} (an RTCPeerConnection with its data channel) per remote peer. */
export class MeshTopology implements Topology {
  #sessions = new Set<PeerSession>();

  /** `iceServers` is read for each new connection (the engine's options may change between calls). */
  constructor(private readonly iceServers: () => RTCIceServer[]) {}

  link(options: LinkOptions): PeerLink {
    const session = new PeerSession({ ...options, iceServers: this.iceServers() });
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
