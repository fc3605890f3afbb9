/**
 * The Socket.IO transport: talks to the reference relay (`server/`) with the
 * protocol of CONTRACT section 6. Works in browsers and in Node.
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { Emitter } from '../emitter.js';
import { VideoCallError, isVideoCallErrorCode, toVideoCallError } from '../errors.js';
import { randomId } from '../random-id.js';
import type { ClientToServerEvents, JoinAck, ServerToClientEvents, SfuAck } from './relay-protocol.js';
import {
  REJOIN_RETRY_MAX_MS,
  REJOIN_RETRY_MS,
  type JoinOptions,
  type JoinResult,
  type PeerInfo,
  type Transport,
  type TransportEvents,
  type TransportState,
} from './transport.js';

/** Options of {@link createSocketIoTransport}. */
export interface SocketIoTransportOptions {
  /** Relay URL; defaults to the page's origin (`location.origin`). */
  server?: string;
  /** Extra Socket.IO client options (e.g. `transports`, `path`, `extraHeaders` in Node). */
  ioOptions?: Partial<ManagerOptions & SocketOptions>;
  /** How long `join` may take, connection included, before failing with `transport` (default 10 s). */
  joinTimeoutMs?: number;
}

type RelaySocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * After a lost connection the transport tries to get it back this many times, waiting
 * 0.5 s, 1 s, 2 s, 4 s, then {@link RECONNECT_DELAY_MAX_MS} between tries (each ±50%; about a
 * minute and a half in all), then stops: it emits `error` (`transport`) and goes to `closed`, and nothing
 * keeps reconnecting in the background. Joining again starts afresh.
 */
export const RECONNECT_ATTEMPTS = 20;
/**
 * Short waits: a network change (the connection closed, the network back a few seconds later)
 * must be over before the peers' heartbeat gives up on us (HEARTBEAT_TIMEOUT_MS, 11.5 s).
 */
export const RECONNECT_DELAY_MS = 500;
export const RECONNECT_DELAY_MAX_MS = 5000;
/** How long a `probe` (see `check()`) may go unanswered before the connection counts as dead. */
export const PROBE_TIMEOUT_MS = 2000;

/** Refusals of an automatic re-join that trying again would not change: signaling for the room ends. */
const FINAL_REFUSALS: ReadonlySet<string> = new Set(['unauthorized', 'room-full', 'bad-request']);
type Buffered =
  { type: 'peer-joined'; peer: PeerInfo } | { type: 'peer-left'; id: string } | { type: 'signal'; from: string; data: unknown };

/**
 * A {@link Transport} over a Socket.IO relay. The socket connects on
 * construction; after an automatic reconnection it re-joins the room on its
 * own and emits `rejoined` with the new id and peers. If the relay refuses that
 * re-join for good (`unauthorized`: the token expired meanwhile; `room-full`;
 * `bad-request`), it emits `error` with the reason, then goes to state `closed`.
 * A re-join that fails otherwise (`transport`, e.g. the relay's Redis is briefly
 * away, or no answer in time) is tried again after 1 s, 2 s, 4 s … (at most 10 s
 * apart) while the connection holds and the room is still wanted, in state
 * `reconnecting` meanwhile. A lost connection that does not come back within
 * {@link RECONNECT_ATTEMPTS} tries ends signaling the same way (`error` `transport`, then
 * `closed`). A join that cannot reach the relay fails at once with a message that names the
 * server, and leaves nothing reconnecting behind it.
 */
export class SocketIoTransport extends Emitter<TransportEvents> implements Transport {
  readonly url: string;
  #socket: RelaySocket;
  #state: TransportState = 'connecting';
  #joinTimeoutMs: number;
  /** The room we are in (or joining), with what we joined it with. */
  #room: { room: string; name: string; token?: string } | undefined;
  /** Room events received while a join is waiting for its ack. */
  #buffer: Buffered[] | undefined;
  #peers = new Set<string>();
  #wasConnected = false;
  /** A `check()` probe is waiting for its answer. */
  #probing = false;
  /** The next automatic re-join attempt, while one failed and waits to be tried again. */
  #rejoinTimer: ReturnType<typeof setTimeout> | undefined;
  /** Wait before the next re-join attempt after a failed one. */
  #rejoinDelay = REJOIN_RETRY_MS;
  /**
   * The secret sent with every join: the relay derives our peer id from it (the ack's
   * `selfId`), so everyone knows us by one id, even across reconnections and relay
   * restarts, and nobody without the key can ever take that id. (A relay without
   * resumable ids ignores it and assigns one.)
   */
  readonly #key = randomId(24);

  constructor(options: SocketIoTransportOptions = {}) {
    super();
    const url = options.server || (globalThis as { location?: { origin?: string } }).location?.origin;
    if (!url || url === 'null') {
      throw new VideoCallError('bad-config', 'The socket.io transport needs a relay URL (the `server` attribute)');
    }
    this.url = url;
    this.#joinTimeoutMs = options.joinTimeoutMs ?? 10_000;
    // WebSocket first (joins ~40% sooner than starting on long-polling and upgrading);
    // long-polling stays as the fallback where WebSockets are blocked.
    this.#socket = io(url, {
      timeout: this.#joinTimeoutMs,
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      reconnectionDelay: RECONNECT_DELAY_MS,
      reconnectionDelayMax: RECONNECT_DELAY_MAX_MS,
      reconnectionAttempts: RECONNECT_ATTEMPTS,
      ...options.ioOptions,
      forceNew: true,
    });
    this.#wire();
  }

  get state(): TransportState {
    return this.#state;
  }

  #setState(state: TransportState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.emit('state', state);
  }

  #wire(): void {
    const socket = this.#socket;
    socket.on('connect', () => {
      this.#setState('connected');
      const reconnect = this.#wasConnected;
      this.#wasConnected = true;
      this.#cancelRejoin();
      this.#rejoinDelay = REJOIN_RETRY_MS;
      if (reconnect && this.#room && !this.#buffer) void this.#rejoin();
    });
    socket.on('disconnect', (reason) => {
      // The next connection re-joins afresh.
      this.#cancelRejoin();
      if (this.#state === 'closed') return;
      // The relay cut us off on purpose (e.g. flooding): do not come back.
      if (reason === 'io server disconnect') this.#shutDown();
      else this.#setState('reconnecting');
    });
    socket.io.on('reconnect_attempt', () => {
      if (this.#state !== 'closed') this.#setState('reconnecting');
    });
    // Every reconnection attempt failed: stop (no retrying forever in the background), and say why.
    socket.io.on('reconnect_failed', () => {
      if (this.#state === 'closed') return;
      this.#room = undefined;
      this.#peers.clear();
      this.emit(
        'error',
        new VideoCallError('transport', `Lost the connection to the call server ${this.#serverName()} and could not get it back.`),
      );
      this.#shutDown();
    });

    socket.on('peer-joined', (p) => {
      if (!p || typeof p.id !== 'string') return;
      if (this.#room) this.#onRoomEvent({ type: 'peer-joined', peer: { id: p.id, name: typeof p.name === 'string' ? p.name : '' } });
    });
    socket.on('peer-left', (p) => {
      if (!p || typeof p.id !== 'string') return;
      if (this.#room) this.#onRoomEvent({ type: 'peer-left', id: p.id });
    });
    socket.on('signal', (p) => {
      if (!p || typeof p.from !== 'string') return;
      if (this.#room) this.#onRoomEvent({ type: 'signal', from: p.from, data: p.data });
    });
  }

  #onRoomEvent(e: Buffered): void {
    if (this.#buffer) {
      this.#buffer.push(e);
      return;
    }
    switch (e.type) {
      case 'peer-joined':
        if (this.#peers.has(e.peer.id)) return;
        this.#peers.add(e.peer.id);
        this.emit('peer-joined', e.peer);
        return;
      case 'peer-left':
        if (!this.#peers.delete(e.id)) return;
        this.emit('peer-left', { id: e.id });
        return;
      case 'signal':
        this.emit('signal', { from: e.from, data: e.data });
    }
  }

  async join(room: string, options: JoinOptions = {}): Promise<JoinResult> {
    if (this.#state === 'closed') throw new VideoCallError('invalid-state', 'This transport is closed');
    if (typeof room !== 'string' || room === '') throw new VideoCallError('bad-config', 'A room id is required');
    if (this.#buffer) throw new VideoCallError('invalid-state', 'A join is already in progress');
    if (this.#room) await this.leave();
    this.#room = { room, name: options.name ?? '', token: options.token };
    try {
      return await this.#joinRoom();
    } catch (e) {
      this.#room = undefined;
      // Never connected: stop the client's own reconnection attempts, which would otherwise go
      // on in the background after a failed join. The next join connects afresh.
      if (!this.#socket.connected) this.#socket.disconnect();
      throw e;
    }
  }

  /** The relay as a person reads it: its host (`relay.example.com`, `127.0.0.1:3000`). */
  #serverName(): string {
    try {
      return new URL(this.url).host || this.url;
    } catch {
      return this.url;
    }
  }

  /** Sends `join` for `this.#room` (connecting first if need be) and applies the answer. */
  async #joinRoom(): Promise<JoinResult> {
    const { room, name, token } = this.#room!;
    this.#buffer = [];
    const buffered = this.#buffer;
    try {
      const deadline = Date.now() + this.#joinTimeoutMs;
      await this.#connected(this.#joinTimeoutMs);
      const payload = { room, name, key: this.#key, ...(token === undefined ? {} : { token }) };
      let ack: JoinAck;
      try {
        ack = await this.#socket.timeout(Math.max(1, deadline - Date.now())).emitWithAck('join', payload);
      } catch {
        throw new VideoCallError('transport', `The call server ${this.#serverName()} did not answer. Try again in a moment.`);
      }
      if (!ack || typeof ack !== 'object' || ack.ok !== true) {
        const error = ack && !ack.ok ? ack.error : undefined;
        const code = isVideoCallErrorCode(error?.code) ? error.code : 'transport';
        throw new VideoCallError(code, typeof error?.message === 'string' ? error.message : 'The relay refused to join');
      }
      // Apply room events that raced the ack, then replay the signals once the caller has the result.
      const peers = new Map(ack.peers.map((p) => [p.id, { id: p.id, name: p.name }]));
      const signals: Buffered[] = [];
      for (const e of buffered) {
        if (e.type === 'peer-joined') peers.set(e.peer.id, e.peer);
        else if (e.type === 'peer-left') peers.delete(e.id);
        else signals.push(e);
      }
      this.#peers = new Set(peers.keys());
      this.#buffer = undefined;
      // In the room again after re-joins that failed (see #rejoin).
      if (this.#state === 'reconnecting' && this.#socket.connected) this.#setState('connected');
      if (signals.length) setTimeout(() => signals.forEach((e) => this.#onRoomEvent(e)), 0);
      // TURN credentials the relay minted for us (fresh on every re-join): the engine uses them with its own.
      return {
        selfId: ack.selfId,
        peers: [...peers.values()],
        ...(Array.isArray(ack.iceServers) ? { iceServers: ack.iceServers } : {}),
        ...(ack.sfu ? { sfu: ack.sfu } : {}),
      };
    } finally {
      if (this.#buffer === buffered) this.#buffer = undefined;
    }
  }

  /** The relay's `sfu-refresh` for the room we are in: fresh SFU access, or the relay's error. */
  sfu(): Promise<SfuAck> {
    return this.#socket.emitWithAck('sfu-refresh', { room: this.#room?.room as string });
  }

  /** Resolves once connected; rejects with `transport` on the first connection error or after `ms`. */
  #connected(ms: number): Promise<void> {
    if (this.#socket.connected) return Promise.resolve();
    if (!this.#socket.active) this.#socket.connect();
    return new Promise((resolve, reject) => {
      const done = (error?: VideoCallError) => {
        clearTimeout(timer);
        this.#socket.off('connect', onConnect);
        this.#socket.off('connect_error', onError);
        if (error) reject(error);
        else resolve();
      };
      const onConnect = () => done();
      // Plain words for the person in front of the page; the client's own reason ("xhr poll
      // error", "websocket error") stays in `cause` for developers.
      const unreachable = (cause?: Error) =>
        new VideoCallError(
          'transport',
          `Cannot reach the call server ${this.#serverName()}. Check the internet connection, or try again later.`,
          cause ? { cause } : undefined,
        );
      const onError = (e: Error) => done(unreachable(e));
      const timer = setTimeout(() => done(unreachable()), ms);
      this.#socket.on('connect', onConnect);
      this.#socket.on('connect_error', onError);
    });
  }

  /**
   * After a reconnection: enter the room again and tell the listener. A refusal that will
   * not change ends signaling for the room; any other failure is tried again later.
   */
  async #rejoin(): Promise<void> {
    const wanted = this.#room;
    try {
      const result = await this.#joinRoom();
      this.#rejoinDelay = REJOIN_RETRY_MS;
      this.emit('rejoined', result);
    } catch (e) {
      // Disconnected again meanwhile (the next connection tries again), closed, or the room
      // was left or changed meanwhile: nothing more to do here.
      if (!this.#socket.connected || this.#state === 'closed' || this.#room !== wanted) return;
      const error = toVideoCallError(e, 'transport');
      if (FINAL_REFUSALS.has(error.code)) {
        // Refused for good (room full, token expired during the outage): signaling for the
        // room is over. Say why first, then close.
        this.#room = undefined;
        this.#peers.clear();
        this.emit('error', error);
        this.#shutDown();
        return;
      }
      // Not answered, or the relay could not serve it right now (e.g. its Redis is away):
      // try again in a while, still reconnecting meanwhile.
      this.#setState('reconnecting');
      const delay = this.#rejoinDelay;
      this.#rejoinDelay = Math.min(delay * 2, REJOIN_RETRY_MAX_MS);
      this.#rejoinTimer = setTimeout(() => {
        this.#rejoinTimer = undefined;
        if (this.#socket.connected && this.#state !== 'closed' && this.#room === wanted && !this.#buffer) void this.#rejoin();
      }, delay);
    }
  }

  #cancelRejoin(): void {
    clearTimeout(this.#rejoinTimer);
    this.#rejoinTimer = undefined;
  }

  send(to: string, data: unknown): void {
    // Nothing is queued while disconnected: after reconnecting, peer ids change anyway.
    if (!this.#room || this.#buffer || !this.#socket.connected) return;
    this.#socket.emit('signal', { to, data });
  }

  /**
   * Our media links dropped: asks the relay for an answer (`probe`). None within
   * {@link PROBE_TIMEOUT_MS} means the connection is dead though it looks up (our address
   * changed under it: only the relay's keep-alive, up to 10 s, would notice), so it is closed
   * and the usual reconnection and re-join start now.
   */
  check(): void {
    const socket = this.#socket;
    if (this.#probing || this.#state !== 'connected' || !socket.connected) return;
    this.#probing = true;
    const engine = socket.io.engine;
    socket.timeout(PROBE_TIMEOUT_MS).emit('probe', {}, (err) => {
      this.#probing = false;
      if (err && this.#state === 'connected' && socket.io.engine === engine) engine.close();
    });
  }

  async leave(): Promise<void> {
    const current = this.#room;
    this.#room = undefined;
    this.#cancelRejoin();
    this.#peers.clear();
    if (!current || !this.#socket.connected) return;
    try {
      await this.#socket.timeout(2000).emitWithAck('leave', { room: current.room });
    } catch {
      // Not answered in time: the relay drops us from the room when the socket goes anyway.
    }
  }

  close(): void {
    if (this.#state === 'closed') return;
    if (this.#room && this.#socket.connected) this.#socket.emit('leave', { room: this.#room.room });
    this.#room = undefined;
    this.#shutDown();
    this.removeAllListeners();
  }

  #shutDown(): void {
    this.#cancelRejoin();
    this.#setState('closed');
    this.#socket.disconnect();
  }
}

/** Creates a {@link SocketIoTransport}: the factory behind the `socket.io` transport name. */
export function createSocketIoTransport(options: SocketIoTransportOptions = {}): Transport {
  return new SocketIoTransport(options);
}
