import { VideoCallError } from '../errors.js';
import { randomId } from '../random-id.js';
import { handleChannelMessage, type ChannelHandlers, type MessageOf } from './channel-protocol.js';
import { hasTurnServer, iceFailedMessage } from './ice.js';
import type { IceSettings } from './mesh.js';
import type { Room } from './room.js';
import type { PeerLink } from './topology.js';
import type { EngineHost, RemotePeer } from './types.js';

/**
 * What the engine does with a remote peer's media link (call-engine.ts): the link's events
 * (connection state, tracks, data channel open and closed, ICE failed and restored) and the
 * data-channel messages that come over it, one handler per type (channel-protocol.ts).
 */
export interface PeerEventsHost extends Pick<EngineHost, 'emit' | 'fail'> {
  /** The room's membership: peers leave, are renamed, hand us their keys. */
  room: Pick<Room, 'removePeer' | 'renamed' | 'keyFromChannel' | 'checkTransport'>;
  /** Our media state as told to peers (sent on every link once its data channel opens). */
  mediaState: () => MessageOf<'media'>;
  /** Whether we record the call (told to peers as their links open, like our media state). */
  recording: () => boolean;
  /** How connections are made now (for the `ice-failed` message). */
  ice: () => IceSettings;
  /** Whether our hand is raised (told on every link once its data channel opens). */
  hand: () => boolean;
}

/** Follows `link`, the media link to `peer`: its events update the peer and become the engine's. */
export function followLink(host: PeerEventsHost, handlers: ChannelHandlers<RemotePeer>, peer: RemotePeer, link: PeerLink): void {
  link.on('connection', (state) => {
    peer.connectionState = state;
    // The line dropped: maybe our network changed, and the signaling connection is dead too.
    if (state === 'disconnected' || state === 'failed') host.room.checkTransport();
    if (state === 'connected' && !peer.connectedOnce) {
      peer.connectedOnce = true;
      host.emit('peer-connected', { peerId: peer.id });
    }
    host.emit('change', undefined);
  });
  link.on('track', (stream) => {
    peer.stream = stream;
    host.emit('change', undefined);
  });
  link.on('open', () => {
    peer.lastHeard = Date.now();
    // A fresh rename secret that only the peer sees (the transport's may have been read on the way).
    peer.ourKey = randomId();
    link.send({ t: 'key', key: peer.ourKey });
    link.send(host.mediaState());
    link.send({ t: 'recording', active: host.recording() });
    if (host.hand()) link.send({ t: 'hand', raised: true });
  });
  link.on('message', (m) => {
    peer.lastHeard = Date.now();
    handleChannelMessage(handlers, peer, m);
  });
  // The remote closed its connection (left, closed the tab): gone now, not after a timeout.
  link.on('closed', () => host.room.removePeer(peer.id));
  link.on('ice-failed', ({ lost, ms }) => {
    peer.problem = 'ice-failed';
    const { iceServers, iceTransportPolicy } = host.ice();
    const who = peer.name || `a participant (${peer.id})`;
    const message = iceFailedMessage(who, {
      lost,
      turn: hasTurnServer(iceServers),
      seconds: Math.round(ms / 100) / 10,
      relayOnly: iceTransportPolicy === 'relay',
    });
    host.fail(new VideoCallError('ice-failed', message), false);
    host.emit('change', undefined);
  });
  link.on('ice-restored', () => {
    delete peer.problem;
    host.emit('change', undefined);
  });
}

/** One handler per data-channel message type (see channel-protocol.ts). */
export function channelHandlers(host: PeerEventsHost): ChannelHandlers<RemotePeer> {
  return {
    media: (peer, m) => {
      if (m.name !== undefined && m.name !== peer.name) {
        peer.name = m.name; // renamed during the call
        host.emit('change', undefined);
      }
      if (peer.audio === m.audio && peer.video === m.video && peer.screen === m.screen) return;
      Object.assign(peer, { audio: m.audio, video: m.video, screen: m.screen });
      host.emit('peer-media', { peerId: peer.id, audio: m.audio, video: m.video, screen: m.screen });
      host.emit('change', undefined);
    },
    chat: (peer, m) => {
      if (!peer.limits.chat()) return;
      host.emit('chat-message', { from: peer.id, name: m.name || peer.name, text: m.text, at: m.at });
    },
    ping: () => {},
    bye: (peer) => host.room.removePeer(peer.id),
    renamed: (peer, m) => host.room.renamed(peer, m.id),
    key: (peer, m) => host.room.keyFromChannel(peer, m.key),
    recording: (peer, m) => {
      if (!!peer.recording === m.active) return;
      peer.recording = m.active;
      host.emit('recording', { peerId: peer.id, active: m.active });
      host.emit('change', undefined);
    },
    hand: (peer, m) => {
      if (peer.hand === m.raised) return;
      peer.hand = m.raised;
      host.emit('hand', { peerId: peer.id, raised: m.raised, say: m.raised && peer.limits.social() });
      host.emit('change', undefined);
    },
    react: (peer, m) => {
      if (peer.limits.social()) host.emit('reaction', { peerId: peer.id, emoji: m.emoji });
    },
  };
}
