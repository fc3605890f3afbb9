import type { Emitter } from '../emitter.js';
import type { ChannelMessage } from './channel-protocol.js';
import type { SessionSignal } from './peer-session.js';
import type { PeerStats } from './stats.js';

/**
 * How media flows between us and the others. The room (who is there, under which id) and local
 * media (which tracks we send) know only this interface: the mesh (`mesh.ts`, one
 * RTCPeerConnection per remote peer) is its first implementation; an SFU topology (one
 * connection to a server, with a link per remote peer on top of it) can be a second one without
 * touching either.
 */
export interface Topology {
  /** Opens a media link to one remote peer. */
  link(options: LinkOptions): PeerLink;
  /** Sends `track` as our outgoing `kind` on every open link (null: send nothing). */
  setTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): void;
  /** Sends a data-channel message to every open link. */
  broadcast(message: ChannelMessage): void;
}

export interface LinkOptions {
  /** The remote peer's public id (as the element shows it). */
  peerId: string;
  /** Polite links give way on negotiation glare; decided from the transport ids. */
  polite: boolean;
  /** Whether we make the first offer. */
  initiator: boolean;
  /** Sends a media signal to the remote peer through the transport. */
  signal: (message: SessionSignal) => void;
  /** The tracks we send now (see LocalMedia.trackFor). */
  tracks: () => { audio: MediaStreamTrack | null; video: MediaStreamTrack | null };
  /** The stream our tracks are sent in. */
  stream: MediaStream;
  /** Called for each incoming data-channel message before it is parsed: false drops it (rate limits). */
  admit?: () => boolean;
}

export type LinkEvents = {
  /** A remote track arrived or ended; the stream holds the remote tracks. */
  track: MediaStream;
  /** The connection's state changed. */
  connection: RTCPeerConnectionState;
  /** A valid message arrived on the data channel. */
  message: ChannelMessage;
  /** The data channel opened (time to tell our media state). */
  open: void;
  /** The remote side closed the link. */
  closed: void;
  /**
   * The connection could not be made (`lost` false) or was lost and not restored (`lost` true)
   * within `ms`; once per episode. Restarts go on.
   */
  'ice-failed': { lost: boolean; ms: number };
  /** The connection is up again after `ice-failed`. */
  'ice-restored': void;
};

/** Our media link to one remote peer. */
export interface PeerLink extends Pick<Emitter<LinkEvents>, 'on'> {
  readonly connectionState: RTCPeerConnectionState;
  /** Handles a media signal (sdp, ice) from the remote peer, in order. */
  handleSignal(signal: SessionSignal): Promise<void>;
  /** Makes the first offer from our side, unless negotiation is already under way (a link made ahead of the remote offer that did not come). */
  offer(): void;
  /** Optional: signaling with the peer is back; a link that is down tries to reconnect now. */
  retry?(): void;
  /** Sends `track` as our outgoing `kind` on this link. */
  setTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void>;
  /** Sends a data-channel message; false when it cannot be sent. */
  send(message: ChannelMessage): boolean;
  /** Call quality of this link. */
  getStats(): Promise<PeerStats>;
  /** The link's statistics now, as the browser reports them (the line's quality is read from them, quality.ts). */
  report(): Promise<RTCStatsReport>;
  /** Where their voice arrives and ours leaves on this link, for reading how loud each is (presence.ts). */
  audio(): [receiver: RTCRtpReceiver | undefined, sender: RTCRtpSender | undefined];
  close(): void;
}
