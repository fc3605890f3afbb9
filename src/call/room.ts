import { VideoCallError, toVideoCallError, type VideoCallErrorCode } from '../errors.js';
import { randomId } from '../random-id.js';
import type { JoinResult, PeerInfo, Transport } from '../transports/transport.js';
import { ReceiveLimits } from './rate-limit.js';
import { parseEngineSignal, type EngineSignal } from './signals.js';
import type { CallState, EngineHost, RemotePeer } from './types.js';

/** Each connected peer is pinged over its data channel this often… */
export const HEARTBEAT_MS = 1000;
/**
 * …and counts as unheard after this long without any message from it. Between two bounds:
 * a network outage of up to ~10 s heals (ICE restart) without anyone leaving, and a peer
 * that is really gone (crash, cable pulled for good) goes within 15 s.
 */
export const HEARTBEAT_TIMEOUT_MS = 11500;
/** How long a newly listed id waits for a rename from a peer we lost track of. */
const RENAME_GRACE_MS = 1500;

type MediaSignal = Extract<EngineSignal, { t: 'sdp' | 'ice' }>;
type RingSignal = Extract<EngineSignal, { t: 'ring' | 'accept' | 'decline' }>;

/** What the room needs from the engine: how to connect peers, and where signals that are not the room's go. */
export interface RoomHost extends EngineHost {
  /** The engine's state (room events wait while joining, and are dropped when not in a call). */
  state(): CallState;
  /** An SFU is offered: the room may grow past maxPeers (the media moves there). */
  wide(): boolean;
  /** A peer the transport lists after us. */
  newcomer(peer: RemotePeer): void;
  /** A peer that was in the room before us. */
  existing(peer: RemotePeer): void;
  /** An offer, answer or candidate from `peer`. */
  mediaSignal(peer: RemotePeer, signal: MediaSignal): void;
  /** A ring-flow signal (undefined: from a sender we do not know). */
  ringSignal(peer: RemotePeer | undefined, signal: RingSignal): void;
  /** The transport re-entered the room on its own (before the room takes in `result`'s peers). */
  rejoined(result: JoinResult): void;
}

/**
 * The room: who is in it, from the transport's membership; each peer's identity across its
 * transport reconnecting (renames, proven by a secret it gave us); presence and the heartbeat
 * that tells a peer gone from one whose signaling merely blipped. It owns the peer records and
 * closes their links; it does not know how links are made (the topology) or what we send.
 */
export class Room {
  readonly peers = new Map<string, RemotePeer>();
  selfId = '';
  transportState: Transport['state'] | null = null;
  /** Bumped by every join and leave: work begun for an earlier call does nothing. */
  seq = 0;

  #host: RoomHost;
  #transport: Transport | null = null;
  #unsubscribe: (() => void)[] = [];
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  /**
   * Every id we have had in this room. A relay may still list an id of ours whose old
   * connection it has not noticed is dead: that is us, never a peer.
   */
  #ownIds = new Set<string>();
  /** Names of the peers the transport has listed, for peers whose first signal beats their admission. */
  #listedNames = new Map<string, string>();
  /** Rename secrets from ids the transport has not listed yet (their signal beat their admission). */
  #listedKeys = new Map<string, string>();
  #onPageHide = () => this.sayBye();

  constructor(host: RoomHost) {
    this.#host = host;
  }

  peerByTid(tid: string): RemotePeer | undefined {
    for (const p of this.peers.values()) if (p.tid === tid) return p;
    return undefined;
  }

  // ------------------------------------------------------------ the transport

  /**
   * Listens to `transport` for the call `seq`. Room events can arrive before our own join
   * resolves (the others may hear of us, and ring us, first): they wait, and the returned
   * function replays them once we are in.
   */
  attach(transport: Transport, seq: number): () => void {
    const host = this.#host;
    this.#transport = transport;
    const early: (() => void)[] = [];
    let ended = false;
    const inRoom =
      <T>(fn: (payload: T) => void) =>
      (payload: T) => {
        if (host.state() === 'joined') fn(payload);
        else if (host.state() === 'joining' && seq === this.seq) early.push(() => fn(payload));
      };
    this.#unsubscribe = [
      transport.on(
        'peer-joined',
        inRoom((p) => this.#onPeerJoined(p)),
      ),
      transport.on(
        'peer-left',
        inRoom(({ id }) => this.#onPeerLeft(id)),
      ),
      transport.on(
        'signal',
        inRoom(({ from, data }) => this.#onSignal(from, data)),
      ),
      // Why signaling for the room ended (e.g. the token expired before an automatic rejoin):
      // reported with its own code, in place of the generic "closed" message that follows.
      transport.on('error', (e) => {
        if (host.state() !== 'joined' || seq !== this.seq) return;
        ended = true;
        const reason = e.message.trim();
        this.#signalingEnded(e.code, /[.!?]$/.test(reason) ? reason : `${reason}.`);
      }),
      transport.on('state', (s) => {
        this.transportState = s;
        if (s === 'closed' && host.state() === 'joined' && !ended) {
          this.#signalingEnded('transport', 'The connection to the signaling server was closed.');
        }
        host.emit('change', undefined);
      }),
      transport.on('rejoined', (result) => {
        if (host.state() !== 'joined') return;
        host.rejoined(result);
        this.#onRejoined(result.selfId, result.peers);
      }),
    ];
    return () => {
      for (const replay of early.splice(0)) replay();
    };
  }

  /** We are in: `result` is what the transport's join resolved with. */
  entered(result: JoinResult): void {
    this.selfId = result.selfId;
    this.#ownIds = new Set([result.selfId]);
    this.#listedNames = new Map(result.peers.map((p) => [p.id, p.name]));
    this.#listedKeys.clear();
    this.transportState = this.#transport?.state ?? null;
  }

  /** Starts the heartbeat and connects to the peers already there. */
  start(peers: PeerInfo[]): void {
    this.#heartbeat = setInterval(() => this.#beat(), HEARTBEAT_MS);
    globalThis.addEventListener?.('pagehide', this.#onPageHide);
    this.#connectTo(peers);
  }

  /** Stops listening to the transport; returns it (to leave it). */
  /** Our links dropped: the transport checks that its own connection is still alive (see `Transport.check`). */
  checkTransport(): void {
    this.#transport?.check?.();
  }

  detach(): Transport | null {
    const transport = this.#transport;
    clearInterval(this.#heartbeat);
    globalThis.removeEventListener?.('pagehide', this.#onPageHide);
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    this.#transport = null;
    this.transportState = null;
    return transport;
  }

  /** Sends a signal to the peer that is `to` on the transport. */
  send(to: string, signal: EngineSignal): void {
    try {
      this.#transport?.send(to, signal);
    } catch (err) {
      this.#host.fail(toVideoCallError(err, 'transport'), false);
    }
  }

  /** Signaling for the room has ended for `reason`; the peer connections stay up. */
  #signalingEnded(code: VideoCallErrorCode, reason: string): void {
    this.#host.fail(
      new VideoCallError(code, `${reason} Calls in progress go on, but nobody new can join; leave and join again to reconnect.`),
      false,
    );
  }

  // ------------------------------------------------------------ peers

  #slots(): number {
    return this.#host.options.ring ? 1 : this.#host.wide() ? 100 : this.#host.options.maxPeers;
  }

  addPeer(id: string, name: string): RemotePeer {
    const peer: RemotePeer = {
      id,
      tid: id,
      present: true,
      lastHeard: 0,
      name,
      connectionState: 'new',
      // Assumed on until the peer's first media state arrives over the data channel;
      // `peer-media` fires only when that state differs.
      audio: true,
      video: true,
      screen: false,
      hand: false,
      stream: null,
      link: null,
      connectedOnce: false,
      ourKey: randomId(),
      theirKey: this.#listedKeys.get(id) ?? null,
      keyFromChannel: false,
      limits: new ReceiveLimits(() =>
        this.#host.fail(
          new VideoCallError('rate-limited', `${peer.name || 'A participant'} is sending too many messages; some were not shown.`),
          false,
        ),
      ),
    };
    this.#listedKeys.delete(id);
    this.peers.set(id, peer);
    // Our rename secret, for renames before a data channel exists (the ring flow before accept).
    this.send(id, { t: 'key', key: peer.ourKey });
    this.#host.emit('peer-joined', { peerId: id, name });
    return peer;
  }

  removePeer(id: string, announce = true): void {
    const peer = this.peers.get(id);
    if (!peer) return;
    peer.link?.close();
    this.peers.delete(id);
    // A recorder that leaves or drops has stopped recording, as far as we can tell.
    if (peer.recording) this.#host.emit('recording', { peerId: id, active: false });
    if (announce) this.#host.emit('peer-left', { peerId: id });
    this.#host.emit('change', undefined);
  }

  /** Tells every connected peer we are going (leave, closing the tab), so they need not wait. */
  sayBye(): void {
    for (const p of this.peers.values()) p.link?.send({ t: 'bye' });
  }

  #connectTo(all: PeerInfo[]): void {
    const peers = all.filter((p) => !this.#ownIds.has(p.id));
    const accepted = peers.slice(0, Math.max(0, this.#slots() - this.peers.size));
    for (const p of accepted) this.#host.existing(this.addPeer(p.id, p.name));
    const refused = peers.length - accepted.length;
    if (refused > 0 && !this.#host.options.ring) {
      const max = this.#host.options.maxPeers;
      const message = `This room has more people than this call can connect to (${max}); you are connected to the first ${accepted.length}.`;
      this.#host.fail(new VideoCallError('room-full', message), false);
    }
  }

  // ------------------------------------------------------------ presence

  /** Connected and heard from recently: the peer is there, whatever the transport says. */
  #alive(p: RemotePeer): boolean {
    return !!p.link && p.connectedOnce && Date.now() - p.lastHeard < HEARTBEAT_TIMEOUT_MS;
  }

  /**
   * Peers we were connected to that the transport no longer lists, or that went silent:
   * they may come back under a new id (transports that do not keep ids).
   */
  #hasOrphans(): boolean {
    return [...this.peers.values()].some((p) => p.connectedOnce && (!p.present || !this.#alive(p)));
  }

  /** Runs `fn` now, or, while a lost peer may still announce its new id, a little later. */
  #afterRenames(fn: () => void): void {
    if (!this.#hasOrphans()) return fn();
    const seq = this.seq;
    setTimeout(() => seq === this.seq && this.#host.state() === 'joined' && fn(), RENAME_GRACE_MS);
  }

  #onPeerJoined({ id: tid, name }: PeerInfo): void {
    if (this.#ownIds.has(tid)) return;
    this.#listedNames.set(tid, name);
    const known = this.peerByTid(tid);
    if (known) {
      known.present = true;
      if (name) known.name = name;
      known.link?.retry?.(); // back on signaling: reconnect a dropped link now
      this.#host.emit('change', undefined);
      return;
    }
    this.#afterRenames(() => {
      if (this.peerByTid(tid)) return; // a peer we knew, under its new id
      if (this.peers.size >= this.#slots()) {
        this.send(tid, { t: 'full' });
        return;
      }
      this.#host.newcomer(this.addPeer(tid, name));
      this.#host.emit('change', undefined);
    });
  }

  /**
   * The transport says a peer left. A peer still connected and heard from over its data
   * channel stays (its signaling blipped; media goes on); the heartbeat decides later.
   */
  #onPeerLeft(tid: string): void {
    const peer = this.peerByTid(tid);
    if (!peer) return;
    if (this.#alive(peer)) peer.present = false;
    else this.removePeer(peer.id);
  }

  /** Pings every connected peer; drops peers unheard for too long that the transport does not vouch for. */
  #beat(): void {
    for (const p of [...this.peers.values()]) {
      p.link?.send({ t: 'ping' });
      const unheard = !!p.link && p.connectedOnce && !this.#alive(p);
      if (unheard && (!p.present || this.transportState !== 'connected')) this.removePeer(p.id);
    }
  }

  // ------------------------------------------------------------ identity

  /**
   * The transport reconnected and re-entered the room on its own. Calls in progress go
   * on over their own connections. If our id changed we tell each peer, over the data
   * channel (works while the relay is down) and over the transport (works while the peer
   * connection is down; with the secret we gave that peer, as proof), so they know us under
   * the new id. Peers the transport lists that we do not know are connected to, after a
   * moment for their own renames.
   */
  #onRejoined(selfId: string, peers: PeerInfo[]): void {
    if (this.#host.state() !== 'joined') return;
    const previous = this.selfId;
    this.selfId = selfId;
    this.#ownIds.add(selfId);
    if (previous !== selfId) {
      for (const p of this.peers.values()) {
        p.link?.send({ t: 'renamed', id: selfId });
        this.send(p.tid, { t: 'renamed', previous, key: p.ourKey });
      }
    }
    for (const p of peers) {
      this.#listedNames.set(p.id, p.name);
      const known = this.peerByTid(p.id);
      if (known && !known.name && p.name) known.name = p.name;
    }
    const listed = new Set(peers.map((p) => p.id));
    for (const p of [...this.peers.values()]) {
      p.present = listed.has(p.tid);
      if (!p.present && !this.#alive(p)) this.removePeer(p.id);
      else if (p.present) p.link?.retry?.(); // signaling is back: reconnect a dropped link now
    }
    this.#afterRenames(() => this.#connectTo(peers.filter((p) => !this.peerByTid(p.id))));
    this.#host.emit('change', undefined);
  }

  /**
   * A peer we know now goes by `tid` on the transport (its rename was proven). The id may already
   * stand for a peer listed before the rename arrived, which is then dropped; never for one we are
   * connected to, nor for us: nobody takes over another's id.
   */
  renamed(peer: RemotePeer, tid: string): void {
    const other = this.peerByTid(tid);
    if (this.#ownIds.has(tid) || other?.connectedOnce) return;
    if (other && other !== peer) this.removePeer(other.id);
    peer.tid = tid;
    peer.present = true;
    this.#host.emit('change', undefined);
  }

  /** The peer's rename secret arrived over its data channel: from now on only that one counts. */
  keyFromChannel(peer: RemotePeer, key: string): void {
    peer.theirKey = key;
    peer.keyFromChannel = true;
  }

  // ------------------------------------------------------------ signals

  #onSignal(from: string, data: unknown): void {
    const signal = parseEngineSignal(data);
    if (!signal || this.#ownIds.has(from)) return;
    const peer = this.peerByTid(from);
    switch (signal.t) {
      case 'renamed': {
        // Only with the secret `previous` gave us: any room member can claim to have been anyone.
        const known = this.peerByTid(signal.previous);
        if (known && known !== peer && known.theirKey !== null && known.theirKey === signal.key) this.renamed(known, from);
        return;
      }
      case 'key':
        if (!peer) this.#listedKeys.set(from, signal.key);
        else if (!peer.keyFromChannel) peer.theirKey = signal.key;
        return;
      case 'sdp':
      case 'ice':
        return this.#onMediaSignal(from, peer, signal);
      case 'ring':
      case 'accept':
      case 'decline':
        return this.#host.ringSignal(peer, signal);
      case 'full':
        if (!peer) return;
        this.removePeer(peer.id, true);
        this.#host.fail(
          new VideoCallError('room-full', `${peer.name || 'A participant'} cannot take more connections (their call is full).`),
          false,
        );
        return;
    }
  }

  #onMediaSignal(from: string, known: RemotePeer | undefined, signal: MediaSignal): void {
    let peer = known;
    if (!peer) {
      // Their signal overtook their presence (possible on some transports).
      if (this.#host.options.ring || this.peers.size >= this.#slots()) {
        this.send(from, { t: 'full' });
        return;
      }
      peer = this.addPeer(from, this.#listedNames.get(from) ?? '');
    }
    this.#host.mediaSignal(peer, signal);
  }
}
