/**
 * A peer connection's ICE watch (used by PeerSession): the failure watch (`ice-failed` when the
 * connection is not up in time, `ice-restored` when it is back) and the ICE restarts made while
 * it is down, each with the current ICE servers.
 */

/** How long `disconnected` may last before an ICE restart, and how often one is retried. */
export const ICE_RESTART_AFTER_MS = 2500;
export const ICE_RETRY_MS = 5000;
/**
 * A new connection not up this long after its session starts has failed: the session emits
 * `ice-failed` (the engine's `error` with code `ice-failed`, and the peer's `problem`). ICE
 * restarts go on after it (a later one may get through, e.g. with fresh TURN credentials).
 */
export const ICE_CONNECT_TIMEOUT_MS = 15_000;
/**
 * A connection that was up, then lost (`disconnected` or `failed`), and not restored by ICE
 * restarts this long after, has failed: `ice-failed` as above; restarts go on after it.
 */
export const ICE_RESTORE_TIMEOUT_MS = 20_000;

/**
 * The connection's configuration; the same at every `setConfiguration` (a bundle policy that
 * differs from the connection's throws). One transport for everything (`max-bundle`, as every
 * current browser supports): candidates are gathered, signalled and checked once, not once per
 * media section of the first offer.
 *
 * No candidate pool (`iceCandidatePoolSize` stays 0). With one, Chromium now and then never
 * gathers for an answer set just after the connection was made (the callee of a ring, an SFU
 * subscription): `gathering` for good, not one candidate, ICE restarts no help, the call stuck
 * in `new`. Measured here: 6 of 450 such answers with a pool of 1, none of 250 without; the
 * connect bench's `pool` variant measured no gain from it within this machine's noise
 * (test/browser/peer-session.test.ts has the race).
 */
export function rtcConfiguration(iceServers: RTCIceServer[], iceTransportPolicy: RTCIceTransportPolicy = 'all'): RTCConfiguration {
  return { iceServers, iceTransportPolicy, bundlePolicy: 'max-bundle' };
}

export interface IceWatchOptions {
  pc: RTCPeerConnection;
  /** The impolite side restarts ICE; the polite one waits for its offer. */
  polite: boolean;
  /** The ICE servers the connection was made with. */
  iceServers: RTCIceServer[];
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** The ICE servers to use now, read before each ICE restart (see PeerSessionOptions). */
  currentIceServers?: () => RTCIceServer[];
  /** When a connection that is not up counts as failed; defaults ICE_CONNECT_TIMEOUT_MS, ICE_RESTORE_TIMEOUT_MS. */
  iceTimeouts?: { connectMs?: number; restoreMs?: number };
  /** Whether the session was closed (then nothing more is done). */
  closed: () => boolean;
  /** The connection has failed (`lost`: it was up before), after `ms`. */
  failed: (info: { lost: boolean; ms: number }) => void;
  /** The connection is up again after `failed`. */
  restored: () => void;
}

/**
 * The failure watch and ICE restarts of one connection. When the connection drops
 * (`disconnected` for a while, or `failed`), the impolite side restarts ICE, and retries until
 * it is connected again. A connection not up within the connect timeout of `start()`, or lost
 * and not back within the restore timeout, has failed (`failed`, once per episode; `restored`
 * when it is up again); restarts go on after it.
 */
export class IceWatch {
  #opts: IceWatchOptions;
  #iceTimer: ReturnType<typeof setTimeout> | undefined;
  /** Runs while the connection is not up (not yet, or lost): when it fires, the connection has failed. */
  #failTimer: ReturnType<typeof setTimeout> | undefined;
  /** Whether an `ice-failed` episode holds (reported; ends when the connection is up again). */
  #iceFailed = false;
  #everConnected = false;
  /** The ICE servers the connection uses now (as JSON, to notice fresh ones). */
  #iceServersJson: string;

  constructor(options: IceWatchOptions) {
    this.#opts = options;
    this.#iceServersJson = JSON.stringify(options.iceServers);
  }

  /** Whether the connection has failed and has not come back since. */
  get failed(): boolean {
    return this.#iceFailed;
  }

  /** The connection is being made from now on: the connect timeout runs. */
  start(): void {
    this.#armFailTimer(false);
  }

  /** Follows a change of the connection's state (call on `connectionstatechange`). */
  update(): void {
    this.#watchFailure();
    this.#watchConnection();
  }

  /**
   * Signaling is back (we or the peer re-joined the room): a connection that is down restarts
   * ICE now instead of at the next retry, so a peer whose address changed is back sooner.
   */
  nudge(): void {
    if (this.#opts.polite || !this.#needsRestart()) return;
    clearTimeout(this.#iceTimer);
    void this.#restartIce();
  }

  /** Clears every timer (the session is closed). */
  stop(): void {
    clearTimeout(this.#iceTimer);
    clearTimeout(this.#failTimer);
  }

  /**
   * The failure watch: a connection not up within the connect timeout of the session's start,
   * or lost and not back within the restore timeout, has failed (`ice-failed`, once per
   * episode); `ice-restored` once it is up again.
   */
  #watchFailure(): void {
    const state = this.#opts.pc.connectionState;
    if (state === 'connected') {
      this.#everConnected = true;
      clearTimeout(this.#failTimer);
      this.#failTimer = undefined;
      if (this.#iceFailed) {
        this.#iceFailed = false;
        this.#opts.restored();
      }
    } else if ((state === 'disconnected' || state === 'failed') && this.#everConnected) {
      this.#armFailTimer(true);
    }
  }

  #armFailTimer(lost: boolean): void {
    if (this.#failTimer || this.#iceFailed || this.#opts.closed()) return;
    const t = this.#opts.iceTimeouts;
    const ms = lost ? (t?.restoreMs ?? ICE_RESTORE_TIMEOUT_MS) : (t?.connectMs ?? ICE_CONNECT_TIMEOUT_MS);
    this.#failTimer = setTimeout(() => {
      this.#failTimer = undefined;
      if (this.#opts.closed() || this.#opts.pc.connectionState === 'connected') return;
      this.#iceFailed = true;
      this.#opts.failed({ lost, ms });
      this.#watchConnection(); // restarts go on (also from `new` / `connecting`, where a first attempt is stuck)
    }, ms);
  }

  /** Schedules ICE restarts while the connection is down (or has failed); stops once it is back. */
  #watchConnection(): void {
    const state = this.#opts.pc.connectionState;
    if (!this.#needsRestart()) {
      clearTimeout(this.#iceTimer);
      this.#iceTimer = undefined;
      return;
    }
    if (this.#iceTimer || this.#opts.polite) return; // the impolite side restarts
    this.#iceTimer = setTimeout(() => void this.#restartIce(), state === 'failed' || this.#iceFailed ? 0 : ICE_RESTART_AFTER_MS);
  }

  /** Down (`disconnected`, `failed`), or failed to come up in time (an `ice-failed` episode). */
  #needsRestart(): boolean {
    const state = this.#opts.pc.connectionState;
    if (this.#opts.closed() || state === 'connected' || state === 'closed') return false;
    return state === 'disconnected' || state === 'failed' || this.#iceFailed;
  }

  async #restartIce(): Promise<void> {
    this.#iceTimer = undefined;
    if (!this.#needsRestart()) return;
    const pc = this.#opts.pc;
    try {
      // An offer that got no answer (lost while signaling was down) would block the restart.
      if (pc.signalingState === 'have-local-offer') await pc.setLocalDescription({ type: 'rollback' });
      this.useCurrentIceServers();
      pc.restartIce(); // fires negotiationneeded → an offer with new ICE credentials
    } catch (err) {
      console.warn('[video-call] ICE restart failed:', err);
    }
    if (this.#opts.closed()) return;
    clearTimeout(this.#iceTimer);
    this.#iceTimer = setTimeout(() => void this.#restartIce(), ICE_RETRY_MS);
  }

  /** Fresh ICE servers (a re-join's new TURN credentials) are used from this restart on. */
  useCurrentIceServers(): void {
    const servers = this.#opts.currentIceServers?.();
    if (!servers) return;
    const json = JSON.stringify(servers);
    if (json === this.#iceServersJson) return;
    this.#iceServersJson = json;
    try {
      this.#opts.pc.setConfiguration(rtcConfiguration(servers, this.#opts.iceTransportPolicy));
    } catch (err) {
      console.warn('[video-call] new ICE servers not taken:', err);
    }
  }
}
