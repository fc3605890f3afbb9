import { Emitter } from '../emitter.js';
import { VideoCallError } from '../errors.js';
import { randomId } from '../random-id.js';
import type { JoinOptions, JoinResult, PeerInfo, Transport, TransportEvents, TransportState } from './transport.js';

/**
 * `local`: signaling between tabs and elements of one browser profile over a
 * BroadcastChannel. No server at all, so it suits demos, Storybook and tests.
 *
 * Presence: a joiner says `hello`; members answer `here`; peers heard from
 * within `discoveryMs` form the join result. Members send `ping` every
 * `heartbeatMs` and are dropped after `timeoutMs` of silence (a crashed tab),
 * and say `bye` on leave and on `pagehide` (a closed tab).
 */
type Wire =
  | { t: 'hello'; from: string; name: string }
  | { t: 'here'; from: string; name: string; to: string }
  | { t: 'ping'; from: string }
  | { t: 'bye'; from: string }
  | { t: 'signal'; from: string; to: string; data: unknown };

export interface LocalTransportOptions {
  /** How long `join` listens for members already in the room (ms). */
  discoveryMs?: number;
  heartbeatMs?: number;
  timeoutMs?: number;
}

export class LocalTransport extends Emitter<TransportEvents> implements Transport {
  state: TransportState = 'connected';
  #channel?: BroadcastChannel;
  #selfId = '';
  #name = '';
  #peers = new Map<string, PeerInfo & { seen: number }>();
  #timer?: ReturnType<typeof setInterval>;
  #opts: Required<LocalTransportOptions>;
  #onPageHide = () => this.#post({ t: 'bye', from: this.#selfId });

  constructor(options: LocalTransportOptions = {}) {
    super();
    this.#opts = { discoveryMs: 150, heartbeatMs: 2000, timeoutMs: 7000, ...options };
  }

  async join(room: string, options: JoinOptions = {}): Promise<JoinResult> {
    if (this.state === 'closed') throw new VideoCallError('invalid-state', 'This transport is closed.');
    if (typeof BroadcastChannel === 'undefined') {
      throw new VideoCallError('transport', 'The local transport needs BroadcastChannel, which this browser lacks.');
    }
    await this.leave();
    this.#selfId = randomId();
    this.#name = options.name ?? '';
    const channel = (this.#channel = new BroadcastChannel(`video-call:${room}`));
    channel.onmessage = (e: MessageEvent<Wire>) => this.#receive(e.data);
    this.#post({ t: 'hello', from: this.#selfId, name: this.#name });
    await new Promise((r) => setTimeout(r, this.#opts.discoveryMs));
    if (this.#channel !== channel) throw new VideoCallError('invalid-state', 'Left the room while joining.');
    this.#timer = setInterval(() => this.#heartbeat(), this.#opts.heartbeatMs);
    globalThis.addEventListener?.('pagehide', this.#onPageHide);
    return { selfId: this.#selfId, peers: [...this.#peers.values()].map(({ id, name }) => ({ id, name })) };
  }

  send(to: string, data: unknown): void {
    // JSON round trip: the same semantics as the networked transports.
    this.#post({ t: 'signal', from: this.#selfId, to, data: JSON.parse(JSON.stringify(data ?? null)) });
  }

  async leave(): Promise<void> {
    if (!this.#channel) return;
    this.#post({ t: 'bye', from: this.#selfId });
    this.#channel.close();
    this.#channel = undefined;
    clearInterval(this.#timer);
    globalThis.removeEventListener?.('pagehide', this.#onPageHide);
    this.#peers.clear();
  }

  close(): void {
    void this.leave();
    this.state = 'closed';
    this.emit('state', 'closed');
    this.removeAllListeners();
  }

  #post(message: Wire): void {
    this.#channel?.postMessage(message);
  }

  #receive(msg: Wire): void {
    if (!msg || typeof msg !== 'object' || msg.from === this.#selfId) return;
    switch (msg.t) {
      case 'hello':
        this.#post({ t: 'here', from: this.#selfId, name: this.#name, to: msg.from });
        this.#see(msg.from, msg.name);
        break;
      case 'here':
        if (msg.to === this.#selfId) this.#see(msg.from, msg.name);
        break;
      case 'ping':
        // A ping from an unknown member (e.g. one that joined while we were away) is ignored:
        // membership comes from hello/here only, so ids never appear without a name.
        if (this.#peers.has(msg.from)) this.#peers.get(msg.from)!.seen = Date.now();
        break;
      case 'bye':
        this.#drop(msg.from);
        break;
      case 'signal':
        if (msg.to === this.#selfId && this.#peers.has(msg.from)) {
          this.emit('signal', { from: msg.from, data: msg.data });
        }
        break;
    }
  }

  #see(id: string, name: string): void {
    const known = this.#peers.get(id);
    if (known) {
      known.seen = Date.now();
      return;
    }
    this.#peers.set(id, { id, name: String(name ?? ''), seen: Date.now() });
    // Peers found during discovery are reported in the join result, not as events.
    if (this.#timer) this.emit('peer-joined', { id, name: String(name ?? '') });
  }

  #drop(id: string): void {
    if (this.#peers.delete(id) && this.#timer) this.emit('peer-left', { id });
  }

  #heartbeat(): void {
    this.#post({ t: 'ping', from: this.#selfId });
    const deadline = Date.now() - this.#opts.timeoutMs;
    for (const peer of [...this.#peers.values()]) if (peer.seen < deadline) this.#drop(peer.id);
  }
}

/** Factory for `registerTransport('local', ...)`. */
export function createLocalTransport(options: LocalTransportOptions = {}): Transport {
  return new LocalTransport(options);
}
