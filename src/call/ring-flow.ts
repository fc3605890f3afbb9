import { VideoCallError } from '../errors.js';
import type { EngineSignal } from './signals.js';
import type { EngineHost, RemotePeer, RingState } from './types.js';

type RingSignal = Extract<EngineSignal, { t: 'ring' | 'accept' | 'decline' }>;

/** What the ring flow needs from the engine. */
export interface RingHost extends EngineHost {
  /** The remote peers, in the order they were added. */
  peers(): Iterable<RemotePeer>;
  peer(id: string): RemotePeer | undefined;
  /** Our display name, told to the one we ring. */
  name(): string;
  /** Sends a signal to a peer through the transport. */
  send(tid: string, signal: EngineSignal): void;
  /** Opens the media link to `peer`. */
  connect(peer: RemotePeer, initiator: boolean): void;
}

/**
 * The `ring` (1:1) flow: whoever was there first rings the newcomer ("Start call"), who accepts
 * or declines; nothing connects before accept. Off (the meeting flow), every method here but the
 * public three is a no-op, and those throw `invalid-state`.
 */
export class RingFlow {
  #host: RingHost;

  constructor(host: RingHost) {
    this.#host = host;
  }

  get enabled(): boolean {
    return this.#host.options.ring;
  }

  /** A peer the transport lists after us: in the ring flow we may call them. True when taken care of. */
  newcomer(peer: RemotePeer): boolean {
    if (!this.enabled) return false;
    peer.ring = 'ready';
    return true;
  }

  /** A peer that was there before us: in the ring flow we wait for their call. True when taken care of. */
  existing(peer: RemotePeer): boolean {
    if (!this.enabled) return false;
    peer.ring = 'waiting';
    return true;
  }

  /** Whether media signals from `peer` may connect: in the ring flow, only once the call is accepted. */
  connects(peer: RemotePeer): boolean {
    return !this.enabled || peer.ring === 'active';
  }

  /** A ring, accept or decline from `peer` (undefined: a sender we do not know). */
  onSignal(peer: RemotePeer | undefined, signal: RingSignal): void {
    const host = this.#host;
    if (!peer) return;
    if (signal.t === 'ring') {
      if (!this.enabled) return;
      if (signal.name) peer.name = signal.name;
      peer.ring = 'incoming';
      // The public id (peers[], accept(peerId)), not the transport's: they differ after the peer's transport reconnects.
      host.emit('incoming-call', { peerId: peer.id, name: peer.name });
    } else if (peer.ring !== 'calling') {
      return;
    } else if (signal.t === 'accept') {
      peer.ring = 'active';
      host.connect(peer, true);
    } else {
      peer.ring = 'declined';
      host.emit('call-declined', { peerId: peer.id });
    }
    host.emit('change', undefined);
  }

  #ringPeer(peerId: string | undefined, states: RingState[]): RemotePeer {
    if (!this.enabled)
      throw new VideoCallError('invalid-state', 'call(), accept() and decline() belong to the ring flow (the `ring` attribute).');
    const peer = peerId ? this.#host.peer(peerId) : [...this.#host.peers()].find((p) => states.includes(p.ring!));
    if (!peer || !states.includes(peer.ring!)) {
      throw new VideoCallError(
        'invalid-state',
        states.includes('incoming') ? 'There is no incoming call to answer.' : 'There is nobody to call yet.',
      );
    }
    return peer;
  }

  /** Rings the peer who joined after us. */
  call(peerId?: string): void {
    const peer = this.#ringPeer(peerId, ['ready', 'declined']);
    peer.ring = 'calling';
    this.#host.send(peer.tid, { t: 'ring', name: this.#host.name() });
    this.#host.emit('change', undefined);
  }

  /** Accepts the incoming call; the caller then connects to us. */
  accept(peerId?: string): void {
    const peer = this.#ringPeer(peerId, ['incoming']);
    peer.ring = 'active';
    this.#host.send(peer.tid, { t: 'accept' });
    this.#host.emit('change', undefined);
  }

  /** Declines the incoming call. */
  decline(peerId?: string): void {
    const peer = this.#ringPeer(peerId, ['incoming']);
    peer.ring = 'waiting';
    this.#host.send(peer.tid, { t: 'decline' });
    this.#host.emit('change', undefined);
  }
}
