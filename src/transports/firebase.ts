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
  serverTimestamp,
  set,
  update,
  type Database,
  type DatabaseReference,
  type DataSnapshot,
} from 'firebase/database';
import { Emitter } from '../emitter.js';
import { VideoCallError } from '../errors.js';
import { REJOIN_RETRY_MAX_MS, REJOIN_RETRY_MS, type JoinOptions, type JoinResult, type PeerInfo, type Transport, type TransportEvents, type TransportState } from './transport.js';

/**
 * `firebase`: signaling through a Firebase Realtime Database.
 *
 * Data layout (see `database.rules.json` and docs/firebase.md):
 *
 * ```
 * video-call-rooms/{room}/peers/{peerId}          = { name, beat }    presence, onDisconnect().remove()
 * video-call-rooms/{room}/inbox/{peerId}/{msgId}  = { from, data }    signals to peerId, deleted once read,
 *                                                                     the whole inbox onDisconnect().remove()
 * ```
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
/** Longest serialised signal, as `database.rules.json` allows. */
export const MAX_SIGNAL_LENGTH = 65536;
/** How often a member rewrites the `beat` of its presence entry (ms). */
export const PRESENCE_BEAT_MS = 2500;
/**
 * A member whose presence entry has not changed for this long (ms, by local receipt time) is
 * taken as gone. With the beat interval and a round trip on top, a silent peer goes within
 * about 13 s; a live one must miss three beats in a row to be taken for gone.
 */
export const PRESENCE_STALE_MS = 10000;
/** Heartbeat writes allowed in flight at once (a slow link keeps beating; a stalled one stops). */
const MAX_BEATS_IN_FLIGHT = 3;

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
  /** Each listed member's entry as last received, and when it was received (local clock). */
  heard: Map<string, { entry: string; at: number }>;
  /** Listed members taken as gone because their entry stopped changing. */
  stale: Set<string>;
  /**
   * Send time (local clock) of the latest of our writes the server acknowledged. The server
   * applied that write after it was sent, and everything it broadcast before applying it
   * reached us before the acknowledgement (one ordered connection): so a member whose entry
   * we last received before `provenAt - PRESENCE_STALE_MS` was silent on the server for that
   * long, whatever our own latency, and however our clock differs from anyone's.
   */
  provenAt: number;
  beatsInFlight: number;
  beatTimer?: ReturnType<typeof setInterval>;
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
      if (member.selfId) this.#withdraw(member);
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
    const done = this.#withdraw(member);
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
        // onDisconnect first: a tab that dies right after the presence write still leaves nothing.
        await onDisconnect(peer).remove();
        await onDisconnect(inbox).remove();
        this.#assertCurrent(member);
        if (member.refused) throw member.refused; // the room cannot be read: do not even write
        const sent = Date.now();
        await set(peer, { name: member.name, beat: serverTimestamp() });
        this.#assertCurrent(member);
        // The peers listener was registered before the write, so its data is at least as new.
        await this.#firstSnapshot(member);
        if (this.#epoch !== epoch) {
          // The connection dropped meanwhile: the server may have run our onDisconnect before the
          // presence was written. Enter again (registering onDisconnect on the new connection).
          continue;
        }
        member.stopInbox = onChildAdded(inbox, (snap) => this.#onMessage(member, snap), () => {});
        // Silence is counted from now: whatever we received before (or did not, while offline)
        // says nothing about who is here now.
        const now = Date.now();
        for (const h of member.heard.values()) h.at = now;
        member.stale.clear();
        member.provenAt = Math.max(member.provenAt, sent);
        member.announced = new Map([...this.#snapshot].filter(([id]) => id !== member.selfId));
        member.live = true;
        member.entered = true;
        member.beatTimer ??= setInterval(() => this.#beat(member), PRESENCE_BEAT_MS);
        return { selfId: member.selfId, peers: [...member.announced].map(([id, name]) => ({ id, name })) };
      }
    } finally {
      member.entering = false;
    }
  }

  /**
   * Removes our presence and inbox and cancels their onDisconnect operations (leaving, or a
   * join that failed). Offline, this waits for the connection; the server's onDisconnect
   * cleans up meanwhile.
   */
  #withdraw(member: Membership): Promise<void> {
    const done = this.#erase(member.roomRef, member.selfId);
    for (const path of Object.values(this.#paths(member))) void onDisconnect(path).cancel().catch(() => {});
    return done;
  }

  /** Removes a presence and its inbox (best effort: the server's onDisconnect is the fallback). */
  #erase(roomRef: DatabaseReference, id: string): Promise<void> {
    return update(roomRef, { [`peers/${id}`]: null, [`inbox/${id}`]: null }).catch(() => {});
  }

  /** Rewrites our `beat`; each acknowledged beat proves our connection works, so stale members can be told. */
  #beat(member: Membership): void {
    if (this.#member !== member || !member.live || !this.#connected || member.beatsInFlight >= MAX_BEATS_IN_FLIGHT) return;
    member.beatsInFlight++;
    const sent = Date.now();
    // Refused when our entry is gone (the rules want a name): `#onPeers` writes it again.
    set(child(this.#paths(member).peer, 'beat'), serverTimestamp()).then(
      () => {
        member.beatsInFlight--;
        member.provenAt = Math.max(member.provenAt, sent);
        this.#sweep(member);
      },
      () => {
        member.beatsInFlight--;
      },
    );
  }

  /**
   * Members whose entry has not changed for PRESENCE_STALE_MS before our latest acknowledged
   * write (see `provenAt`) are gone without a word (frozen or killed tab, network cut): the
   * server would run their onDisconnect only after its own timeout. They leave our view, and
   * their presence and unread signals are removed, so nothing is left behind. Never while our
   * own connection is down: then the silence is ours.
   */
  #sweep(member: Membership): void {
    if (this.#member !== member || !member.live || !this.#connected) return;
    let changed = false;
    for (const [id, h] of member.heard) {
      if (id === member.selfId || member.stale.has(id) || member.provenAt - h.at < PRESENCE_STALE_MS) continue;
      member.stale.add(id);
      changed = true;
      void this.#erase(member.roomRef, id);
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

  #paths(member: Membership): { peer: DatabaseReference; inbox: DatabaseReference } {
    return {
      peer: child(member.roomRef, `peers/${member.selfId}`),
      inbox: child(member.roomRef, `inbox/${member.selfId}`),
    };
  }

  #onPeers(member: Membership, snap: DataSnapshot): void {
    if (this.#member !== member) return;
    const now = new Map<string, string>();
    const at = Date.now();
    snap.forEach((child) => {
      const id = child.key!;
      const name = child.child('name').val();
      now.set(id, typeof name === 'string' ? name : '');
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
      if (this.#member === member && member.live) await set(peer, { name: member.name, beat: serverTimestamp() });
    } catch {
      // Offline again: the reconnection re-enters the room.
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
