// An in-page signaling transport for engine tests (see the class comments).
import { Emitter } from '../../src/emitter.js';
import type { JoinOptions, JoinResult, PeerInfo, Transport, TransportEvents, TransportState } from '../../src/transports/transport.js';

/**
 * An in-page signaling hub, for the one thing a real relay cannot be made to do on cue:
 * a peer whose connection comes back under a NEW id (a relay restarted or a Redis failover
 * lost its session). Like the relay it delivers in order, asynchronously.
 */
export class Hub {
  members = new Map<string, HubTransport>();
  n = 0;
  later(fn: () => void) {
    setTimeout(fn, 0);
  }
}

export class HubTransport extends Emitter<TransportEvents> implements Transport {
  state: TransportState = 'connected';
  id = '';
  name = '';
  constructor(private hub: Hub) {
    super();
  }
  fire<K extends keyof TransportEvents>(type: K, payload: TransportEvents[K]) {
    this.emit(type, payload);
  }
  #others(): PeerInfo[] {
    return [...this.hub.members.values()].filter((t) => t !== this).map((t) => ({ id: t.id, name: t.name }));
  }
  async join(_room: string, options: JoinOptions = {}): Promise<JoinResult> {
    this.id = `p${++this.hub.n}`;
    this.name = options.name ?? '';
    const peers = this.#others();
    this.hub.members.set(this.id, this);
    const me = { id: this.id, name: this.name };
    this.hub.later(() => peers.forEach((p) => this.hub.members.get(p.id)?.fire('peer-joined', me)));
    return { selfId: this.id, peers };
  }
  send(to: string, data: unknown): void {
    const from = this.id;
    const copy = JSON.parse(JSON.stringify(data ?? null));
    this.hub.later(() => this.hub.members.get(to)?.fire('signal', { from, data: copy }));
  }
  async leave(): Promise<void> {
    if (!this.id) return;
    const id = this.id;
    this.hub.members.delete(id);
    this.id = '';
    this.hub.later(() => this.hub.members.forEach((t) => t.fire('peer-left', { id })));
  }
  close(): void {
    void this.leave();
  }
  /** The connection drops and comes back under a new id; the others hear of the new id, then of the old one leaving. */
  reconnect(): void {
    const old = this.id;
    this.hub.members.delete(old);
    this.id = `p${++this.hub.n}`;
    this.hub.members.set(this.id, this);
    this.fire('rejoined', { selfId: this.id, peers: this.#others() });
    const me = { id: this.id, name: this.name };
    this.hub.later(() => this.hub.members.forEach((t) => t !== this && t.fire('peer-joined', me)));
    this.hub.later(() => this.hub.members.forEach((t) => t !== this && t.fire('peer-left', { id: old })));
  }
}
