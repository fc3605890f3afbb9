import type { CallEngine } from '../../call/call-engine.js';
import { VideoCallError, toVideoCallError } from '../../errors.js';
import { getTransportFactory } from '../../transports/registry.js';
import type { Transport } from '../../transports/transport.js';
import type { Config, ConfigSource } from './config.js';

/** What a session reads from its element: the attributes that say where and how to join. */
export interface SessionHost extends ConfigSource {
  readonly isConnected: boolean;
  room: string;
  name: string;
  token: string;
  server: string;
  ring: boolean;
  maxPeers: number;
  autojoin: boolean;
  getAttribute(name: string): string | null;
  join(): Promise<void>;
}

export interface SessionHooks {
  /** The parsed configuration; throws (having reported it) when it is bad or no room is set. */
  checkConfig(): Config;
  /** A join starts: what the last call showed (errors, chat) goes. */
  reset(): void;
  /** The transport could not be made: show and report the error. */
  failed(error: VideoCallError): void;
}

/**
 * Joining and leaving for `<video-call>`: one join at a time, the transport it made (closed when
 * done with; a transport object given by the page is the page's), and moving to the new room
 * when the room or the signaling changes while joining or in a call.
 */
export class CallSession {
  // TypeScript `private`, not `#`: the bundle targets ES2021, where each `#` member costs a WeakMap.
  private _host: SessionHost;
  private _engine: CallEngine;
  private _hooks: SessionHooks;
  private _ownedTransport: Transport | null = null;
  private _joinedKey = '';
  private _joinPromise: Promise<void> | null = null;

  constructor(host: SessionHost, engine: CallEngine, hooks: SessionHooks) {
    this._host = host;
    this._engine = engine;
    this._hooks = hooks;
  }

  /** A join is under way. */
  get joining(): boolean {
    return this._joinPromise !== null;
  }

  /** The room or signaling attributes no longer say where we joined (or are joining). */
  get moved(): boolean {
    return this._joinKey() !== this._joinedKey;
  }

  /**
   * After an update's changes: joins when `autojoin` or `room` arrived after the element was on the
   * page (set by a script), and moves to the new room when the room or signaling changed during a
   * call (`configured`: the attributes are valid).
   */
  follow(arrived: boolean, configured: boolean): void {
    const host = this._host;
    // The join starts once this update is done: started from updated(), what it resets (the error
    // shown…) would schedule another update right after this one (Lit's change-in-update).
    if (arrived && host.autojoin && host.room && host.isConnected) {
      queueMicrotask(() => {
        if (host.autojoin && host.room && host.isConnected && this._engine.state === 'idle' && !this.joining) host.join().catch(() => {});
      });
    }
    const s = this._engine.state;
    if ((s === 'joined' || s === 'joining') && configured && this.moved && host.room) {
      // Room or signaling changed during a call: move to the new room.
      queueMicrotask(() => host.join().catch(() => {}));
    }
  }

  /** Joins the host's room; while a join is under way, returns the same promise. */
  join(): Promise<void> {
    return (this._joinPromise ??= this._join().finally(() => (this._joinPromise = null)));
  }

  private async _join(): Promise<void> {
    const config = this._hooks.checkConfig();
    const host = this._host;
    // Leave with the old transport still open: closing it first would look like a lost relay.
    const e = this._engine;
    if (e.state === 'joined' || e.state === 'joining') await e.leave();
    this._assertOnPage();
    this.release();
    this._hooks.reset();
    e.configure({
      iceServers: config.iceServers,
      iceTransportPolicy: config.iceTransportPolicy,
      maxPeers: host.maxPeers,
      ring: host.ring,
      // Read when joining (null: the default, `auto` and no SFU of our own).
      topology: host.getAttribute('topology') as never,
      sfuUrl: host.getAttribute('sfu-url') as never,
    });
    let transport: Transport;
    try {
      if (typeof config.transport === 'string') {
        transport = this._ownedTransport = await getTransportFactory(config.transport)({
          server: host.server || undefined,
          firebaseConfig: config.firebaseConfig,
        });
      } else {
        transport = config.transport;
      }
    } catch (err) {
      const error = toVideoCallError(err, 'bad-config');
      this._hooks.failed(error);
      throw error;
    }
    this._assertOnPage();
    this._joinedKey = this._joinKey();
    // The room (or signaling) changed while we were joining: go where it now says, whether or
    // not the old room let us in.
    const moved = () => host.isConnected && !!host.room && this.moved;
    try {
      await e.join(host.room, transport, { name: host.name, token: host.token || undefined });
    } catch (err) {
      if (moved()) return this._join();
      // Nothing goes on trying in the background after a failed join: Retry (or the next join) makes a new one.
      if (this._ownedTransport === transport) this.release();
      throw err;
    }
    if (moved()) return this._join();
  }

  /** Leaves the room (the camera turns off until it is turned on or the next join) and closes the transport it made. */
  async leave(): Promise<void> {
    await this._engine.leave(true);
    this.release();
  }

  /** Closes the transport this session made, if any. */
  release(): void {
    const t = this._ownedTransport;
    this._ownedTransport = null;
    t?.close();
  }

  /** A join must not go on for an element taken off the page meanwhile (it would capture and join unseen). */
  private _assertOnPage(): void {
    if (this._host.isConnected) return;
    this.release();
    throw new VideoCallError('invalid-state', 'The element was removed from the page.');
  }

  private _joinKey(): string {
    const { room, transport: t, server, firebaseConfig } = this._host;
    return JSON.stringify([room, typeof t === 'string' ? t : 'object', server, firebaseConfig ?? null]);
  }
}
