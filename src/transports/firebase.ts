import type { FirebaseApp } from 'firebase/app';
import type { Auth } from 'firebase/auth';
import { child, onValue, ref, serverTimestamp, set, update, type Database, type DataSnapshot } from 'firebase/database';
import { Emitter } from '../emitter.js';
import { VideoCallError } from '../errors.js';
import { releaseApp, resolveIdentity, signIn, type FirebaseIdentityOptions } from './firebase-auth.js';
import { MAX_SIGNAL_LENGTH, messageKey, readInbox } from './firebase-inbox.js';
import {
  erase,
  isPermissionDenied,
  paths,
  PRESENCE_BEAT_MS,
  PRESENCE_STALE_MS,
  takeSeat,
  withdraw,
  type Membership,
} from './firebase-presence.js';
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

/**
 * `firebase`: signaling through a Firebase Realtime Database.
 *
 * Data layout (see `database.rules.json` and docs/firebase.md):
 *
 * ```
 * video-call-rooms/{room}/peers/{uid}                = { name, beat, slot }  presence, onDisconnect().remove()
 * video-call-rooms/{room}/slots/{slot}               = uid                   one of MAX_ROOM_PEERS seats, onDisconnect().remove()
 * video-call-rooms/{room}/inbox/{uid}/{from}/m{n}    = { from, seq, data }   signals to uid (see firebase-inbox.ts),
 *                                                                            deleted once read, the whole inbox onDisconnect().remove()
 * ```
 *
 * A peer's id is its Firebase Auth uid (anonymous sign-in, firebase-auth.ts), and the rules let
 * it write only its own presence, its own seat and signals from itself. A presence names its
 * seat and the seat names it back: with {@link MAX_ROOM_PEERS} seats, no more peers than that
 * can be in a room (the rules cannot count, but they can check that pairing).
 *
 * `data` is the signal serialised as a JSON string, so any JSON value arrives intact and its
 * size can be bounded by the rules. `beat` is the server time of the member's last heartbeat:
 * each member rewrites it every {@link PRESENCE_BEAT_MS}, and the others take a member whose
 * entry has not changed for {@link PRESENCE_STALE_MS} as gone (see `#sweep`), since the
 * server runs a silently dead client's onDisconnect only after a timeout of its own (about a
 * minute). A transport that loses its connection keeps its peer id: when it comes back it
 * writes its presence again under the same id (the server ran its onDisconnect removals
 * meanwhile, so the others saw it leave and now see it join) and emits `rejoined`.
 */

/** Root of the data this transport reads and writes. */
export const FIREBASE_ROOT = 'video-call-rooms';
/** Longest display name stored (longer ones are cut), as `database.rules.json` allows. */
export const MAX_NAME_LENGTH = 64;
/** Longest room id: the longest path written under it then stays within the database's 768 bytes. */
export const MAX_ROOM_LENGTH = 200;
export { MAX_SIGNAL_LENGTH, MAX_UNREAD_PER_SENDER } from './firebase-inbox.js';
export { MAX_ROOM_PEERS, PRESENCE_BEAT_MS, PRESENCE_STALE_MS } from './firebase-presence.js';
/** Heartbeat writes allowed in flight at once (a slow link keeps beating; a stalled one stops). */
const MAX_BEATS_IN_FLIGHT = 3;

/** Options of {@link createFirebaseTransport}: one of `database`, `app` or `firebaseConfig` (see firebase-auth.ts). */
export interface FirebaseTransportOptions extends FirebaseIdentityOptions {
  /** How long `join` waits for sign-in and the database connection before failing with `transport` (ms, default 10000). */
  connectTimeoutMs?: number;
}

function badConfig(message: string): VideoCallError {
  return new VideoCallError('bad-config', message);
}

/**
 * The database key of a room: room ids are free text, but keys may not contain `.#$[]/` nor
 * control characters, so those (and `%`) are written `%XX`, as in a URL.
 */
export function firebaseRoomKey(room: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
  return room.replace(/[.#$[\]/%\u0000-\u001f\u007f]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

/** A lone UTF-16 surrogate cannot be sent as UTF-8. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A peer id (an Auth uid) as the rules allow as a key. */
// eslint-disable-next-line no-control-regex -- control characters are what a key may not hold
const PEER_ID = /^[^./#$[\]\u0000-\u001f\u007f]{1,40}$/;

/**
 * The `firebase` transport (see the file's comment for the data layout). Build it with
 * {@link createFirebaseTransport}. Each instance is one Auth user: give each its own app.
 */
export class FirebaseTransport extends Emitter<TransportEvents> implements Transport {
  state: TransportState = 'connecting';
  readonly #db: Database;
  readonly #auth: Auth;
  readonly #ownApp?: FirebaseApp;
  readonly #connectTimeoutMs: number;
  /** Our Auth uid (our peer id in every room), once signed in; the failure if sign-in failed. */
  #uid = '';
  #signInError?: Error;
  /** Signals sent so far to each peer of each room (`{room key}/{peer}` → count): their `seq`. */
  #sent = new Map<string, number>();
  #member?: Membership;
  /** The room's peers as the database last said: id → name (ourselves included). */
  #snapshot = new Map<string, string>();
  #snapshotSeen = false;
  #stopConnected: () => void = () => {};
  #connected = false;
  /** Counts connections: changes when the connection dropped and came back. */
  #epoch = 0;
  #waiters = new Set<() => void>();

  constructor(options: FirebaseTransportOptions = {}) {
    super();
    const { db, auth, ownApp } = resolveIdentity(options);
    this.#db = db;
    this.#auth = auth;
    this.#ownApp = ownApp;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10000;
    // Nothing touches the database before we are signed in: its connection then opens with our
    // ID token, so no request of ours is ever seen unauthenticated.
    signIn(auth).then(
      (uid) => {
        this.#uid = uid;
        if (this.state === 'closed') return;
        this.#stopConnected = onValue(ref(db, '.info/connected'), (snap) => this.#onConnected(snap.val() === true));
        for (const wake of this.#waiters) wake();
      },
      (err: Error) => {
        this.#signInError = err;
        for (const wake of this.#waiters) wake();
      },
    );
  }

  async join(room: string, options: JoinOptions = {}): Promise<JoinResult> {
    if (this.state === 'closed') throw new VideoCallError('invalid-state', 'This transport is closed.');
    if (typeof room !== 'string' || !room || room.length > MAX_ROOM_LENGTH || LONE_SURROGATE.test(room)) {
      throw badConfig(`The room id must be a text of 1 to ${MAX_ROOM_LENGTH} characters.`);
    }
    const key = firebaseRoomKey(room);
    await this.leave();
    await this.#signedIn();
    const roomRef = ref(this.#db, `${FIREBASE_ROOT}/${key}`);
    const member: Membership = {
      room,
      roomRef,
      name: String(options.name ?? '').slice(0, MAX_NAME_LENGTH),
      selfId: this.#uid,
      seats: new Map(),
      seen: new Map(),
      announced: new Map(),
      live: false,
      entered: false,
      entering: false,
      stopPeers: () => {},
      heard: new Map(),
      stale: new Set(),
      provenAt: 0,
      beatsInFlight: 0,
    };
    this.#member = member;
    this.#snapshot = new Map();
    this.#snapshotSeen = false;
    // Listening opens the connection; the peers listener stays for the whole stay in the room.
    member.stopPeers = onValue(
      child(roomRef, 'peers'),
      (snap) => this.#onPeers(member, snap),
      (err) => {
        // The database refused to let us read the room (rules): joining fails with that.
        member.refused = err;
        for (const wake of this.#waiters) wake();
      },
    );
    try {
      await this.#waitConnected();
      this.#assertCurrent(member);
      return await this.#enter(member);
    } catch (err) {
      if (this.#member === member) this.#drop(member);
      // The presence may have been written (refused read, no snapshot in time, left meanwhile):
      // remove it and its inbox, and the onDisconnect operations, so no ghost stays behind.
      void withdraw(member);
      if (err instanceof VideoCallError) throw err;
      if (isPermissionDenied(err)) {
        throw new VideoCallError(
          'unauthorized',
          `The Firebase database refused access to ${FIREBASE_ROOT}/: deploy the rules in database.rules.json (${(err as Error).message}).`,
          { cause: err },
        );
      }
      throw new VideoCallError('transport', `Firebase: ${(err as Error)?.message ?? err}`, { cause: err });
    }
  }

  send(to: string, data: unknown): void {
    const member = this.#member;
    if (!member?.live || typeof to !== 'string' || !PEER_ID.test(to)) return;
    const payload = JSON.stringify(data ?? null);
    if (payload.length > MAX_SIGNAL_LENGTH) {
      console.warn(`video-call firebase transport: a signal of ${payload.length} characters is over the limit and was dropped.`);
      return;
    }
    const count = `${member.roomRef.key}/${to}`;
    const seq = this.#sent.get(count) ?? 0;
    this.#sent.set(count, seq + 1);
    const message = child(member.roomRef, `inbox/${to}/${member.selfId}/${messageKey(seq)}`);
    // Refused when `to` has left (the rules want the recipient present), or has not read our
    // last MAX_UNREAD_PER_SENDER signals (a stalled tab, soon taken for gone): dropped then.
    set(message, { from: member.selfId, seq, data: payload }).catch(() => {});
  }

  async leave(): Promise<void> {
    const member = this.#member;
    if (!member) return;
    this.#drop(member);
    const done = withdraw(member);
    // Offline, the write waits for the connection; the server's onDisconnect cleans up meanwhile.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([done.catch(() => {}), new Promise((r) => (timer = setTimeout(r, 3000)))]);
    clearTimeout(timer);
  }

  close(): void {
    if (this.state === 'closed') return;
    const leaving = this.leave();
    this.#stopConnected();
    this.#setState('closed');
    this.removeAllListeners();
    for (const wake of this.#waiters) wake();
    const app = this.#ownApp;
    if (app) void leaving.finally(() => releaseApp(app, this.#auth));
  }

  /**
   * Takes a seat, registers presence and the inbox, and reports the room as it is. The id is
   * our Auth uid, so it stays the same when re-entering after a reconnection: peers know us by
   * one id.
   */
  async #enter(member: Membership): Promise<JoinResult> {
    member.entering = true;
    try {
      for (;;) {
        member.live = false;
        member.stopInbox?.();
        member.stopInbox = undefined;
        const epoch = this.#epoch;
        // The seat is chosen from the room as it is: wait for the peers listener's first answer.
        await this.#firstSnapshot(member);
        const sent = Date.now();
        await takeSeat(member, () => this.#assertCurrent(member));
        this.#assertCurrent(member);
        if (this.#epoch !== epoch) {
          // The connection dropped meanwhile: the server may have run our onDisconnect before the
          // presence was written. Enter again (registering onDisconnect on the new connection).
          continue;
        }
        // Silence is counted from now: whatever we received before (or did not, while offline)
        // says nothing about who is here now.
        const now = Date.now();
        for (const h of member.heard.values()) h.at = now;
        member.stale.clear();
        member.provenAt = Math.max(member.provenAt, sent);
        member.announced = new Map([...this.#snapshot].filter(([id]) => id !== member.selfId));
        member.live = true;
        member.entered = true;
        member.seen.clear();
        member.stopInbox = onValue(
          paths(member).inbox,
          (snap) => this.#onInbox(member, snap),
          () => {},
        );
        member.beatTimer ??= setInterval(() => this.#beat(member), PRESENCE_BEAT_MS);
        return { selfId: member.selfId, peers: [...member.announced].map(([id, name]) => ({ id, name })) };
      }
    } finally {
      member.entering = false;
    }
  }

  /** Rewrites our `beat`; each acknowledged beat proves our connection works, so stale members can be told. */
  #beat(member: Membership): void {
    if (this.#member !== member || !member.live || !this.#connected || member.beatsInFlight >= MAX_BEATS_IN_FLIGHT) return;
    member.beatsInFlight++;
    const sent = Date.now();
    set(child(paths(member).peer, 'beat'), serverTimestamp()).then(
      () => {
        member.beatsInFlight--;
        member.provenAt = Math.max(member.provenAt, sent);
        this.#sweep(member);
      },
      (err) => {
        member.beatsInFlight--;
        // Refused when our entry is gone (`#onPeers` writes it again) or our seat is no longer
        // ours (freed by a late onDisconnect of a connection that held it before): sit again.
        if (isPermissionDenied(err) && this.#member === member && member.live && this.#connected && !member.entering)
          void this.#reassert(member);
      },
    );
  }

  /**
   * Members whose entry has not changed for PRESENCE_STALE_MS before our latest acknowledged
   * write (see `provenAt`) are gone without a word (frozen or killed tab, network cut): the
   * server would run their onDisconnect only after its own timeout. They leave our view, and
   * their presence, seat and unread signals are removed (the rules allow it once their beat is
   * that old), so nothing is left behind. Never while our own connection is down: then the
   * silence is ours.
   */
  #sweep(member: Membership): void {
    if (this.#member !== member || !member.live || !this.#connected) return;
    let changed = false;
    for (const [id, h] of member.heard) {
      if (id === member.selfId || member.stale.has(id) || member.provenAt - h.at < PRESENCE_STALE_MS) continue;
      member.stale.add(id);
      changed = true;
      erase(member, id);
    }
    if (changed) this.#announce(member);
  }

  /** Tells the user of this transport who joined and left since the last time. */
  #announce(member: Membership): void {
    const here = (id: string) => this.#snapshot.has(id) && id !== member.selfId && !member.stale.has(id);
    for (const id of [...member.announced.keys()]) {
      if (!here(id)) {
        member.announced.delete(id);
        this.emit('peer-left', { id });
      }
    }
    for (const [id, name] of this.#snapshot) {
      if (here(id) && !member.announced.has(id)) {
        member.announced.set(id, name);
        this.emit('peer-joined', { id, name } satisfies PeerInfo);
      }
    }
  }

  #onPeers(member: Membership, snap: DataSnapshot): void {
    if (this.#member !== member) return;
    const now = new Map<string, string>();
    const at = Date.now();
    member.seats.clear();
    snap.forEach((child) => {
      const id = child.key!;
      const name = child.child('name').val();
      const seat = child.child('slot').val();
      now.set(id, typeof name === 'string' ? name : '');
      if (typeof seat === 'string') member.seats.set(id, seat);
      // A changed entry (a new beat) is a sign of life: a member taken as gone is back.
      const entry = JSON.stringify(child.val());
      if (member.heard.get(id)?.entry !== entry) {
        member.heard.set(id, { entry, at });
        member.stale.delete(id);
      }
    });
    for (const id of member.heard.keys()) {
      if (!now.has(id)) {
        member.heard.delete(id);
        member.stale.delete(id);
      }
    }
    this.#snapshot = now;
    this.#snapshotSeen = true;
    for (const wake of this.#waiters) wake();
    if (!member.live) return;
    // Our own presence went while we are here: the old connection's onDisconnect ran late
    // (after we came back under the same id), or others took us for gone. Write it again.
    if (!now.has(member.selfId) && this.#connected && !member.entering) void this.#reassert(member);
    this.#announce(member);
  }

  /** Emits the inbox's new signals and deletes them (read: the sender may use their keys again). */
  #onInbox(member: Membership, snap: DataSnapshot): void {
    if (this.#member !== member || !member.live) return;
    const { signals, read } = readInbox(snap, member.seen);
    if (read.length) void update(snap.ref, Object.fromEntries(read.map((path) => [path, null]))).catch(() => {});
    for (const signal of signals) {
      if (this.#member !== member) return;
      this.emit('signal', signal);
    }
  }

  #onConnected(connected: boolean): void {
    if (this.state === 'closed') return;
    const wasConnected = this.#connected;
    this.#connected = connected;
    for (const wake of this.#waiters) wake();
    if (connected) {
      if (!wasConnected) this.#epoch++;
      this.#setState('connected');
      const member = this.#member;
      // Back after a drop: the server removed our presence and inbox (onDisconnect); re-enter.
      if (!wasConnected && member?.entered && !member.entering) void this.#rejoin(member);
    } else if (wasConnected) {
      this.#setState('reconnecting');
    }
  }

  /** Our presence (or our seat) went while we are here: sit again, under the same id. */
  async #reassert(member: Membership): Promise<void> {
    if (member.reasserting) return;
    member.reasserting = true;
    try {
      if (this.#member === member && member.live) await takeSeat(member, () => this.#assertCurrent(member));
    } catch {
      // Offline again (the reconnection re-enters the room), or the room filled up meanwhile.
    } finally {
      member.reasserting = false;
    }
  }

  async #rejoin(member: Membership, attempt = 0): Promise<void> {
    try {
      const result = await this.#enter(member);
      if (this.#member === member) this.emit('rejoined', result);
    } catch (err) {
      if (this.#member !== member || this.state === 'closed') return; // left or closed meanwhile
      if (isPermissionDenied(err) || member.refused) {
        // The rules refuse us now (redeployed mid-call): signaling for this room has ended.
        this.emit('error', {
          code: 'unauthorized',
          message: `The Firebase database no longer lets this tab into the room (${(err as Error)?.message ?? err})`,
        });
        this.close();
        return;
      }
      // A passing failure (no snapshot in time): try again while connected; after a new drop,
      // the reconnection re-enters on its own.
      const retry = () => {
        if (this.#member === member && this.#connected && !member.entering && !member.live) void this.#rejoin(member, attempt + 1);
      };
      setTimeout(retry, Math.min(REJOIN_RETRY_MS * 2 ** attempt, REJOIN_RETRY_MAX_MS));
    }
  }

  #setState(state: TransportState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }

  #drop(member: Membership): void {
    member.live = false;
    member.stopPeers();
    member.stopInbox?.();
    clearInterval(member.beatTimer);
    if (this.#member === member) this.#member = undefined;
    for (const wake of this.#waiters) wake();
  }

  #assertCurrent(member: Membership): void {
    if (this.#member !== member) throw new VideoCallError('invalid-state', 'Left the room while joining.');
  }

  /** Resolves once `ready()` holds; re-checked whenever anything changes. */
  #until(ready: () => boolean, timeoutMs: number, onTimeout: () => Error): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (ready()) finish();
      };
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => finish(onTimeout()), timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  /** Resolves once signed in (our uid known); rejects with the sign-in's failure or a timeout. */
  async #signedIn(): Promise<void> {
    await this.#until(
      () => !!this.#uid || !!this.#signInError || this.state === 'closed',
      this.#connectTimeoutMs,
      () => new VideoCallError('transport', `Could not sign in to Firebase within ${Math.round(this.#connectTimeoutMs / 1000)} s.`),
    );
    if (this.#signInError) throw this.#signInError;
    if (this.state === 'closed') throw new VideoCallError('invalid-state', 'This transport is closed.');
  }

  #waitConnected(): Promise<void> {
    const member = this.#member;
    return this.#until(
      () => this.#connected || this.#member !== member,
      this.#connectTimeoutMs,
      () =>
        new VideoCallError(
          'transport',
          `Could not reach the Firebase Realtime Database at ${this.#db.app.options.databaseURL ?? '(unknown URL)'} within ${Math.round(this.#connectTimeoutMs / 1000)} s.`,
        ),
    );
  }

  #firstSnapshot(member: Membership): Promise<void> {
    return this.#until(
      () => this.#snapshotSeen || this.#member !== member || !!member.refused,
      this.#connectTimeoutMs,
      () => new VideoCallError('transport', 'The Firebase database did not answer with the room’s peers in time.'),
    ).then(() => {
      this.#assertCurrent(member);
      if (member.refused) throw member.refused;
    });
  }
}

/**
 * Factory of the `firebase` transport (what `transport="firebase"` loads on demand).
 *
 * @throws VideoCallError `bad-config` when the config has no usable `databaseURL`.
 * `join` rejects with `transport` when the database cannot be reached in time, and with
 * `unauthorized` when its rules refuse the layout (deploy `database.rules.json`).
 */
export function createFirebaseTransport(options: FirebaseTransportOptions = {}): Transport {
  return new FirebaseTransport(options);
}
