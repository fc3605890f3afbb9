import { deleteApp, getApps, initializeApp, type FirebaseApp, type FirebaseOptions } from 'firebase/app';
import {
  child,
  getDatabase,
  onChildAdded,
  onDisconnect,
  onValue,
  push,
  ref,
  remove,
  set,
  update,
  type Database,
  type DatabaseReference,
  type DataSnapshot,
} from 'firebase/database';
import { Emitter } from '../emitter.js';
import { VideoCallError } from '../errors.js';
import type { JoinOptions, JoinResult, PeerInfo, Transport, TransportEvents, TransportState } from './transport.js';

/**
 * `firebase`: signaling through a Firebase Realtime Database.
 *
 * Data layout (see `database.rules.json` and docs/firebase.md):
 *
 * ```
 * video-call-rooms/{room}/peers/{peerId}          = { name }          presence, onDisconnect().remove()
 * video-call-rooms/{room}/inbox/{peerId}/{msgId}  = { from, data }    signals to peerId, deleted once read,
 *                                                                     the whole inbox onDisconnect().remove()
 * ```
 *
 * `data` is the signal serialised as a JSON string, so any JSON value arrives intact and its
 * size can be bounded by the rules. A transport that loses its connection gets a new peer id
 * when it comes back (the server ran its onDisconnect removals for the old one) and emits
 * `rejoined`.
 */

/** Root of the data this transport reads and writes. */
export const FIREBASE_ROOT = 'video-call-rooms';
/** Longest display name stored (longer ones are cut), as `database.rules.json` allows. */
export const MAX_NAME_LENGTH = 64;
/** Longest room id: the longest path written under it then stays within the database's 768 bytes. */
export const MAX_ROOM_LENGTH = 200;
/** Longest serialised signal, as `database.rules.json` allows. */
export const MAX_SIGNAL_LENGTH = 65536;

/** Options of {@link createFirebaseTransport}: one of `database`, `app` or `firebaseConfig`. */
export interface FirebaseTransportOptions {
  /** The Firebase web config; `databaseURL` is required. An app already initialised with it is reused. */
  firebaseConfig?: Record<string, unknown>;
  /** An initialised Firebase app whose default database to use. */
  app?: FirebaseApp;
  /** The database to use (e.g. one connected to an emulator). */
  database?: Database;
  /** How long `join` waits for the database connection before failing with `transport` (ms, default 10000). */
  connectTimeoutMs?: number;
}

/** Apps this module initialised itself, with how many transports use each: deleted when none do. */
const ownApps = new Map<FirebaseApp, number>();

function badConfig(message: string): VideoCallError {
  return new VideoCallError('bad-config', message);
}

/**
 * The database key of a room: room ids are free text, but keys may not contain `.#$[]/` nor
 * control characters, so those (and `%`) are written `%XX`, as in a URL.
 */
export function firebaseRoomKey(room: string): string {
  return room.replace(/[.#$[\]/%\u0000-\u001f\u007f]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

/** A lone UTF-16 surrogate cannot be sent as UTF-8. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function resolveDatabase(options: FirebaseTransportOptions): { db: Database; ownApp?: FirebaseApp } {
  if (options.database) return { db: options.database };
  if (options.app) return { db: getDatabase(options.app) };
  const config = options.firebaseConfig;
  if (!config || typeof config !== 'object' || Array.isArray(config)) {
    throw badConfig('The firebase transport needs a Firebase web config (the firebase-config attribute), with a databaseURL.');
  }
  const url = config.databaseURL;
  if (typeof url !== 'string' || !url) {
    throw badConfig('The Firebase config has no databaseURL: copy it from your Firebase project settings (Realtime Database).');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badConfig(`The Firebase databaseURL "${url}" is not a URL.`);
  }
  if (!/^(https?|wss?):$/.test(parsed.protocol)) {
    throw badConfig(`The Firebase databaseURL "${url}" must start with https://.`);
  }
  const existing = getApps().find((a) => a.options.databaseURL === url);
  if (existing && !ownApps.has(existing)) return { db: getDatabase(existing) };
  try {
    const app = existing ?? initializeApp(config as FirebaseOptions, `video-call ${url}`);
    const db = getDatabase(app);
    ownApps.set(app, (ownApps.get(app) ?? 0) + 1);
    return { db, ownApp: app };
  } catch (err) {
    throw new VideoCallError('bad-config', `The Firebase config was refused: ${(err as Error).message}`, { cause: err });
  }
}

function releaseApp(app: FirebaseApp): void {
  const users = (ownApps.get(app) ?? 1) - 1;
  if (users > 0) {
    ownApps.set(app, users);
    return;
  }
  ownApps.delete(app);
  void deleteApp(app).catch(() => {});
}

/** A peer id as this transport makes them (push ids), and as the rules allow as a key. */
const PEER_ID = /^[^./#$[\]\u0000-\u001f\u007f]{1,40}$/;

function isPermissionDenied(err: unknown): boolean {
  return /permission/i.test(String((err as { code?: string })?.code ?? '') + String((err as Error)?.message ?? ''));
}

/** State of one stay in a room: ends with `leave`, or is replaced after a reconnection. */
interface Membership {
  room: string;
  roomRef: DatabaseReference;
  name: string;
  selfId: string;
  /** Peers the user of this transport has been told about. */
  announced: Map<string, string>;
  /** False while joining or re-joining: changes are reported by the join result instead. */
  live: boolean;
  /** True once a join went through: a reconnection then re-enters the room. */
  entered: boolean;
  /** True while presence is being (re-)established. */
  entering: boolean;
  /** True while a vanished presence is being written again. */
  reasserting?: boolean;
  stopPeers: () => void;
  stopInbox?: () => void;
  /** Why the database cancelled the peers listener, if it did. */
  refused?: Error;
}

/**
 * The `firebase` transport (see the file's comment for the data layout). Build it with
 * {@link createFirebaseTransport}. Several instances may share one app and one connection.
 */
export class FirebaseTransport extends Emitter<TransportEvents> implements Transport {
  state: TransportState = 'connecting';
  readonly #db: Database;
  readonly #ownApp?: FirebaseApp;
  readonly #connectTimeoutMs: number;
  #member?: Membership;
  /** The room's peers as the database last said: id → name (ourselves included). */
  #snapshot = new Map<string, string>();
  #snapshotSeen = false;
  #stopConnected: () => void;
  #connected = false;
  /** Counts connections: changes when the connection dropped and came back. */
  #epoch = 0;
  #waiters = new Set<() => void>();

  constructor(options: FirebaseTransportOptions = {}) {
    super();
    const { db, ownApp } = resolveDatabase(options);
    this.#db = db;
    this.#ownApp = ownApp;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10000;
    this.#stopConnected = onValue(ref(db, '.info/connected'), (snap) => this.#onConnected(snap.val() === true));
  }

  async join(room: string, options: JoinOptions = {}): Promise<JoinResult> {
    if (this.state === 'closed') throw new VideoCallError('invalid-state', 'This transport is closed.');
    if (typeof room !== 'string' || !room || room.length > MAX_ROOM_LENGTH || LONE_SURROGATE.test(room)) {
      throw badConfig(`The room id must be a text of 1 to ${MAX_ROOM_LENGTH} characters.`);
    }
    const key = firebaseRoomKey(room);
    await this.leave();
    const roomRef = ref(this.#db, `${FIREBASE_ROOT}/${key}`);
    const member: Membership = {
      room,
      roomRef,
      name: String(options.name ?? '').slice(0, MAX_NAME_LENGTH),
      selfId: '',
      announced: new Map(),
      live: false,
      entered: false,
      entering: false,
      stopPeers: () => {},
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
    const message = push(child(member.roomRef, `inbox/${to}`));
    // Refused when `to` has left (the rules want the recipient present): nothing to deliver then.
    set(message, { from: member.selfId, data: payload }).catch(() => {});
  }

  async leave(): Promise<void> {
    const member = this.#member;
    if (!member) return;
    this.#drop(member);
    if (!member.selfId) return;
    const mine = this.#paths(member);
    const done = update(member.roomRef, { [`peers/${member.selfId}`]: null, [`inbox/${member.selfId}`]: null });
    for (const path of Object.values(mine)) void onDisconnect(path).cancel().catch(() => {});
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
    if (app) void leaving.finally(() => releaseApp(app));
  }

  /**
   * Registers presence and the inbox, and reports the room as it is. The id is chosen at the
   * first entry and kept when re-entering after a reconnection, so peers know us by one id.
   */
  async #enter(member: Membership): Promise<JoinResult> {
    member.entering = true;
    try {
      for (;;) {
        member.live = false;
        member.stopInbox?.();
        member.stopInbox = undefined;
        const epoch = this.#epoch;
        member.selfId ||= push(member.roomRef).key!;
        const { peer, inbox } = this.#paths(member);
        try {
          // onDisconnect first: a tab that dies right after the presence write still leaves nothing.
          await onDisconnect(peer).remove();
          await onDisconnect(inbox).remove();
          this.#assertCurrent(member);
          await set(peer, { name: member.name });
          this.#assertCurrent(member);
          // The peers listener was registered before the write, so its data is at least as new.
          await this.#firstSnapshot(member);
        } catch (err) {
          // Left meanwhile: `leave` may have run before our presence write landed.
          if (this.#member !== member) this.#erase(member.roomRef, member.selfId);
          throw err;
        }
        if (this.#epoch !== epoch) {
          // The connection dropped meanwhile: the server may have run our onDisconnect before the
          // presence was written. Enter again (registering onDisconnect on the new connection).
          continue;
        }
        member.stopInbox = onChildAdded(inbox, (snap) => this.#onMessage(member, snap), () => {});
        member.announced = new Map([...this.#snapshot].filter(([id]) => id !== member.selfId));
        member.live = true;
        member.entered = true;
        return { selfId: member.selfId, peers: [...member.announced].map(([id, name]) => ({ id, name })) };
      }
    } finally {
      member.entering = false;
    }
  }

  /** Removes a presence and its inbox (best effort: the server's onDisconnect is the fallback). */
  #erase(roomRef: DatabaseReference, id: string): void {
    void update(roomRef, { [`peers/${id}`]: null, [`inbox/${id}`]: null }).catch(() => {});
  }

  #paths(member: Membership): { peer: DatabaseReference; inbox: DatabaseReference } {
    return {
      peer: child(member.roomRef, `peers/${member.selfId}`),
      inbox: child(member.roomRef, `inbox/${member.selfId}`),
    };
  }

  #onPeers(member: Membership, snap: DataSnapshot): void {
    if (this.#member !== member) return;
    const now = new Map<string, string>();
    snap.forEach((child) => {
      const name = child.child('name').val();
      now.set(child.key!, typeof name === 'string' ? name : '');
    });
    this.#snapshot = now;
    this.#snapshotSeen = true;
    for (const wake of this.#waiters) wake();
    if (!member.live) return;
    // Our own presence went while we are here: the old connection's onDisconnect ran late
    // (after we came back under the same id). Write it again.
    if (!now.has(member.selfId) && this.#connected && !member.entering) void this.#reassert(member);
    for (const id of [...member.announced.keys()]) {
      if (!now.has(id)) {
        member.announced.delete(id);
        this.emit('peer-left', { id });
      }
    }
    for (const [id, name] of now) {
      if (id !== member.selfId && !member.announced.has(id)) {
        member.announced.set(id, name);
        this.emit('peer-joined', { id, name } satisfies PeerInfo);
      }
    }
  }

  #onMessage(member: Membership, snap: DataSnapshot): void {
    if (this.#member !== member || !member.live) return;
    void remove(snap.ref).catch(() => {});
    const message = snap.val() as { from?: unknown; data?: unknown } | null;
    if (!message || typeof message.from !== 'string' || typeof message.data !== 'string') return;
    let data: unknown;
    try {
      data = JSON.parse(message.data);
    } catch {
      return;
    }
    this.emit('signal', { from: message.from, data });
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

  async #reassert(member: Membership): Promise<void> {
    if (member.reasserting) return;
    member.reasserting = true;
    try {
      const { peer, inbox } = this.#paths(member);
      await onDisconnect(peer).remove();
      await onDisconnect(inbox).remove();
      if (this.#member === member && member.live) await set(peer, { name: member.name });
    } catch {
      // Offline again: the reconnection re-enters the room.
    } finally {
      member.reasserting = false;
    }
  }

  async #rejoin(member: Membership): Promise<void> {
    try {
      const result = await this.#enter(member);
      if (this.#member === member) this.emit('rejoined', result);
    } catch {
      // Left, closed, or refused meanwhile: the next reconnection (if any) tries again.
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
