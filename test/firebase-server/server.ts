/**
 * A small Firebase Realtime Database server for tests. It speaks the Realtime Database
 * websocket protocol (v5) to the real `firebase` JS SDK (v12), which connects to it with
 * `connectDatabaseEmulator(db, '127.0.0.1', port)` or `databaseURL: server.url`. Security
 * rules are evaluated with `targaryen`, a simulator of the Firebase rules language.
 *
 * The same HTTP port also serves the part of the Firebase Auth emulator's REST API that
 * anonymous sign-in uses (see auth.ts): point the SDK at it with
 * `connectAuthEmulator(auth, server.authEmulatorUrl)` (or `authEmulatorUrl` in the transport's
 * `firebase-config`). The database accepts only ID tokens that this server issued and that
 * have not expired, and evaluates the rules with `auth = {uid, provider: 'anonymous', token}`.
 *
 * Written instead of extending the `firebase-server` npm package, which needs the old v8
 * SDK inside and implements neither onDisconnect nor unlisten.
 *
 * What behaves as the real service does:
 * - the handshake, framing of long messages, keep-alives, request/response numbering;
 * - listen (`q`) and unlisten (`n`) on default queries: the current value is sent on listen,
 *   then every change under or above the listened path, until unlisten or disconnect;
 *   a client is sent data only for paths it listens to;
 * - get (`g`), set (`p`), multi-path update (`m`, atomic: all or nothing), server values
 *   (`{".sv": "timestamp"}`), pushes, deletes (null) and the pruning of empty parents;
 * - onDisconnect set / update / remove (`o`, `om`) and cancel (`oc`, which cancels the
 *   operations at that path and below): checked against the rules when they are set up,
 *   kept per connection, and run in order when that connection's websocket closes or drops;
 * - security rules (.read / .write / .validate, `$` variables, `root`, `data`, `newData`,
 *   `now`, `auth`) on listens, gets, writes and onDisconnect set-up; a refused request is
 *   answered `permission_denied`, as the real service does.
 *
 * What differs from the real service:
 * - one database, in memory: the namespace (`?ns=`) is ignored and nothing is persisted;
 * - queries with parameters (orderBy*, limitTo*, startAt, ...) are refused with status
 *   `not_supported` instead of being served; listen hashes are ignored (data always sent);
 * - no long-polling transport, no REST API, no `.info/serverTimeOffset` skew, no priorities,
 *   no transactions' compare-and-set (`h` hashes on writes are ignored), and of the server
 *   values only `timestamp` (`increment` is refused);
 * - auth: `auth` / `gauth` credentials must be ID tokens issued by this server's Auth
 *   emulator (HMAC-signed, unexpired, for a user it signed up); anything else (a forged or
 *   unsigned JWT, a token of another server, the emulator's admin credential `owner`) is
 *   answered `invalid_token` and the connection stays unauthenticated (`auth == null` in the
 *   rules). A token that expires while in use is not revoked mid-connection (the SDK sends a
 *   fresh one before it expires). No custom claims, no `authvar` / `noauth` overrides.
 *   App Check is accepted as is;
 * - rules come from targaryen, whose rule language lags the real one in corners (no
 *   `query.*`, no `.indexOn` checks) and whose error texts differ;
 * - onDisconnect operations are not re-checked against the rules when they run;
 * - none of the service's own limits (key and path lengths, write sizes, rates, connection
 *   counts) are enforced: the SDK checks key and path lengths itself, the rest never matter here;
 * - tests can see and steer it: `data()`, `listeners()`, `connections`, and the
 *   `onRequest` hook, which can drop a connection at a chosen request, or leave a request
 *   unanswered (return `false`), as a server that never replies would;
 * - the real service notices a silently dead client (network gone, no TCP close) after a
 *   timeout of its own (around a minute), and runs its onDisconnect operations only then; here
 *   it never does on its own: a test decides when with `RtdbConnection.drop()`.
 *   `RtdbConnection.freeze()` stands for the time in between, a stalled connection: nothing
 *   is delivered to or read from that client, and what it sends is held, as TCP would, until
 *   `thaw()` (the network is back: everything held arrives, in order) or `drop()` (lost).
 *   `RtdbConnection.latencyMs` delays every message both ways (a slow but working link).
 *   Writes are applied and broadcast at once: there is no server-side batching, so every
 *   client sees every intermediate state.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import targaryen, { type Ruleset } from 'targaryen';
import { WebSocketServer, type WebSocket } from 'ws';
import { AuthEmulator } from './auth.js';

/** A JSON value as stored in the database. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Status {
  s: string;
  d: unknown;
}

interface DisconnectOp {
  merge: boolean;
  path: string;
  data: Json;
}

const OK: Status = { s: 'ok', d: '' };
const DENIED: Status = { s: 'permission_denied', d: 'Permission denied' };
const OPEN_RULES = { rules: { '.read': true, '.write': true } };

/** Options of {@link RtdbTestServer.start}. */
export interface RtdbServerOptions {
  /** TCP port (default 0: any free port). */
  port?: number;
  /** Address to listen on (default 127.0.0.1; 0.0.0.0 for browsers in the netns lab, see {@link RtdbTestServer.urlsAt}). */
  host?: string;
  /** Security rules, as in `database.rules.json` (default: everything readable and writable). */
  rules?: object;
  /** Lifetime of the ID tokens the Auth emulator issues (s, default 3600). */
  tokenTtlSeconds?: number;
}

/** `/a/b` form of a path the SDK sends (`a/b`, `/a/b/`, `/`). */
export function normalizePath(path: unknown): string {
  return (
    '/' +
    String(path ?? '')
      .split('/')
      .filter(Boolean)
      .join('/')
  );
}

/** True when `path` is `base` or lies below it. */
function isAtOrUnder(path: string, base: string): boolean {
  return base === '/' || path === base || path.startsWith(base + '/');
}

function join(base: string, rel: string): string {
  return normalizePath(`${base}/${rel}`);
}

function relative(base: string, path: string): string {
  return base === '/' ? path.slice(1) : path.slice(base.length + 1);
}

function commonAncestor(paths: string[]): string {
  const parts = paths.map((p) => p.split('/').filter(Boolean));
  const out: string[] = [];
  for (let i = 0; parts.every((p) => i < p.length && p[i] === parts[0][i]); i++) out.push(parts[0][i]);
  return '/' + out.join('/');
}

/** One client's websocket, as a test can see and control it. */
export class RtdbConnection {
  /** Paths this client listens to (default queries only). */
  readonly listens = new Set<string>();
  /** onDisconnect operations waiting for this connection to close, in order. */
  readonly onDisconnect: DisconnectOp[] = [];
  /** What the rules see as `auth` for this connection (null: not signed in). */
  auth: unknown = null;
  /** While frozen nothing is sent to or read from the client: a half-open connection. */
  frozen = false;
  /** Delay of every message, each way (ms): a slow link. Order is kept. */
  latencyMs = 0;
  #frames: string[] = [];
  #framesLeft = 0;
  /** Messages held while frozen, to the client and from it. */
  #heldOut: string[] = [];
  #heldIn: string[] = [];

  constructor(
    readonly id: number,
    readonly socket: WebSocket,
    /** Handles a raw message from the client (set by the server). */
    readonly receive: (raw: string) => void,
  ) {}

  /**
   * Simulates a client whose network stalled without a TCP close: it hears nothing more and
   * the server hears nothing from it, until `thaw()` or `drop()`.
   */
  freeze(): void {
    this.frozen = true;
  }

  /** The network is back: what was held both ways is delivered, in order. */
  thaw(): void {
    this.frozen = false;
    for (const text of this.#heldOut.splice(0)) this.#write(text);
    for (const raw of this.#heldIn.splice(0)) if (!this.frozen) this.receive(raw);
  }

  /** Ends the websocket abruptly, as when the server notices a dead client: onDisconnect runs. */
  drop(): void {
    this.#heldOut = [];
    this.#heldIn = [];
    this.socket.terminate();
  }

  send(message: unknown): void {
    const text = JSON.stringify(message);
    if (this.latencyMs > 0) setTimeout(() => this.#out(text), this.latencyMs);
    else this.#out(text);
  }

  /** A raw message arrived from the client's socket. */
  incoming(raw: string): void {
    if (this.latencyMs > 0) setTimeout(() => this.#in(raw), this.latencyMs);
    else this.#in(raw);
  }

  #out(text: string): void {
    if (this.frozen) this.#heldOut.push(text);
    else this.#write(text);
  }

  #in(raw: string): void {
    if (this.frozen) this.#heldIn.push(raw);
    else this.receive(raw);
  }

  #write(text: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(text);
  }

  /** Reassembles messages the SDK splits into frames (a count, then that many parts). */
  unframe(raw: string): string | null {
    if (this.#framesLeft > 0) {
      this.#frames.push(raw);
      if (--this.#framesLeft > 0) return null;
      const whole = this.#frames.join('');
      this.#frames = [];
      return whole;
    }
    if (raw.length <= 6 && /^\d+$/.test(raw)) {
      this.#framesLeft = Number(raw); // '0' is the SDK's keep-alive: nothing follows.
      return null;
    }
    return raw;
  }
}

/** The test server. Start with {@link RtdbTestServer.start}; read its data with {@link RtdbTestServer.data}. */
export class RtdbTestServer {
  readonly connections = new Set<RtdbConnection>();
  /**
   * Test hook, called with each request before it is handled. Dropping the connection in it
   * (`conn.drop()`) loses the request, as a connection that fails mid-flight does; returning
   * `false` leaves the request unhandled and unanswered.
   */
  onRequest?: (conn: RtdbConnection, action: string, body: Record<string, unknown>) => void | boolean;
  /** The Auth emulator on the same port (its users, the requests it served). */
  readonly auth: AuthEmulator;
  #root: unknown = null;
  #rules: Ruleset;
  #open: Ruleset = targaryen.ruleset(OPEN_RULES);
  #http: Server;
  #wss: WebSocketServer;
  #nextId = 1;

  private constructor(rules: object, tokenTtlSeconds?: number) {
    this.#rules = targaryen.ruleset(rules);
    this.auth = new AuthEmulator('test', tokenTtlSeconds);
    this.#http = createServer((req, res) => {
      if (!this.auth.handle(req, res)) res.writeHead(404, { 'content-type': 'text/plain' }).end('websocket and Auth emulator only\n');
    });
    this.#wss = new WebSocketServer({ server: this.#http, path: '/.ws' });
    this.#wss.on('connection', (socket, req) => this.#accept(socket, req.headers.host ?? '127.0.0.1'));
  }

  /** Replaces the security rules, as a deploy does on the real service (existing listens are not re-checked). */
  setRules(rules: object): void {
    this.#rules = targaryen.ruleset(rules);
  }

  /** Starts a server on 127.0.0.1 (or `host`). */
  static async start(options: RtdbServerOptions = {}): Promise<RtdbTestServer> {
    const server = new RtdbTestServer(options.rules ?? OPEN_RULES, options.tokenTtlSeconds);
    await new Promise<void>((resolve, reject) => {
      server.#http.once('error', reject);
      server.#http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    return server;
  }

  /** {@link url} and {@link authEmulatorUrl} for a client that reaches this server at `address`. */
  urlsAt(address: string): { databaseURL: string; authEmulatorUrl: string } {
    return { databaseURL: `http://${address}:${this.port}?ns=test`, authEmulatorUrl: `http://${address}:${this.port}` };
  }

  get port(): number {
    return (this.#http.address() as AddressInfo).port;
  }

  /** A `databaseURL` the SDK accepts for this server. */
  get url(): string {
    return this.urlsAt('127.0.0.1').databaseURL;
  }

  /** The URL to give `connectAuthEmulator` (or `authEmulatorUrl` in a `firebase-config`). */
  get authEmulatorUrl(): string {
    return this.urlsAt('127.0.0.1').authEmulatorUrl;
  }

  /** The data at `path` now (null when there is none), as the real service would return it. */
  data(path = '/'): Json {
    return targaryen.database(this.#open, this.#root).snapshot(normalizePath(path)).val() as Json;
  }

  /** The connections listening at `path` or at a path below it. */
  listeners(path: string): RtdbConnection[] {
    const p = normalizePath(path);
    return [...this.connections].filter((c) => [...c.listens].some((l) => isAtOrUnder(l, p)));
  }

  /** Stops listening and ends every connection. */
  async close(): Promise<void> {
    for (const c of this.connections) c.socket.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }

  #accept(socket: WebSocket, host: string): void {
    const conn: RtdbConnection = new RtdbConnection(this.#nextId++, socket, (raw) => {
      const text = conn.unframe(raw);
      if (text !== null) this.#receive(conn, text);
    });
    this.connections.add(conn);
    conn.send({ t: 'c', d: { t: 'h', d: { ts: Date.now(), v: '5', h: host, s: `session-${conn.id}` } } });
    socket.on('message', (raw) => conn.incoming(raw.toString()));
    socket.on('close', () => this.#disconnected(conn));
    socket.on('error', () => socket.terminate());
  }

  #receive(conn: RtdbConnection, text: string): void {
    if (!this.connections.has(conn)) return; // arrived late (latency) on a connection now closed
    let msg: { t?: string; d?: { t?: string; r?: number; a?: string; b?: Record<string, unknown> } };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg.t === 'c') {
      if (msg.d?.t === 'p') conn.send({ t: 'c', d: { t: 'o', d: {} } });
      return;
    }
    if (msg.t !== 'd' || !msg.d) return;
    const { r, a, b } = msg.d;
    if (this.onRequest?.(conn, String(a), b ?? {}) === false) return;
    if (conn.socket.readyState !== conn.socket.OPEN) return;
    let status: Status;
    try {
      status = this.#handle(conn, String(a), b ?? {});
    } catch (err) {
      status = { s: 'invalid_request', d: err instanceof Error ? err.message : String(err) };
    }
    if (r !== undefined) conn.send({ t: 'd', d: { r, b: status } });
  }

  #handle(conn: RtdbConnection, action: string, body: Record<string, unknown>): Status {
    const path = normalizePath(body.p);
    const hasQuery = body.q !== undefined && Object.keys(body.q as object).length > 0;
    switch (action) {
      case 's': // stats
      case 'appcheck':
      case 'unappeck':
        return OK;
      case 'auth':
      case 'gauth':
        return this.#auth(conn, String(body.cred ?? ''));
      case 'unauth':
        conn.auth = null;
        return OK;
      case 'q': {
        if (hasQuery) return { s: 'not_supported', d: 'The test server serves default queries only.' };
        if (!this.#canRead(conn, path)) return DENIED;
        conn.listens.add(path);
        conn.send({ t: 'd', d: { a: 'd', b: { p: path, d: this.data(path) } } });
        return { s: 'ok', d: {} };
      }
      case 'n':
        conn.listens.delete(path);
        return OK;
      case 'g':
        if (hasQuery) return { s: 'not_supported', d: 'The test server serves default queries only.' };
        return this.#canRead(conn, path) ? { s: 'ok', d: this.data(path) } : DENIED;
      case 'p':
      case 'm':
        return this.#write(conn, path, body.d as Json, action === 'm') ? OK : DENIED;
      case 'o':
      case 'om': {
        const op = { merge: action === 'om', path, data: body.d as Json };
        if (!this.#check(conn, op).allowed) return DENIED;
        conn.onDisconnect.push(op);
        return OK;
      }
      case 'oc': {
        const keep = conn.onDisconnect.filter((op) => !isAtOrUnder(op.path, path));
        conn.onDisconnect.splice(0, conn.onDisconnect.length, ...keep);
        return OK;
      }
      default:
        return { s: 'invalid_action', d: `Unknown action ${action}` };
    }
  }

  /** Takes an ID token only if this server's Auth emulator issued it (signed, unexpired). */
  #auth(conn: RtdbConnection, token: string): Status {
    conn.auth = null;
    const claims = this.auth.verify(token);
    if (!claims) return { s: 'invalid_token', d: 'Invalid token: not an unexpired ID token of this server.' };
    conn.auth = AuthEmulator.rulesAuth(claims);
    return { s: 'ok', d: { auth: conn.auth, expires: claims.exp } };
  }

  #db(conn: RtdbConnection | null) {
    const rules = conn === null ? this.#open : this.#rules;
    return targaryen.database(rules, this.#root).as(conn?.auth ?? null);
  }

  #canRead(conn: RtdbConnection, path: string): boolean {
    return this.#db(conn).read(path).allowed;
  }

  /** Evaluates a write without applying it. */
  #check(conn: RtdbConnection | null, op: DisconnectOp) {
    const db = this.#db(conn);
    const now = Date.now();
    if (op.merge) return db.update(op.path, (op.data ?? {}) as Record<string, unknown>, now);
    return db.write(op.path, op.data, undefined, now);
  }

  /** Applies a write if the rules allow it, then tells the listeners. */
  #write(conn: RtdbConnection | null, path: string, data: Json, merge: boolean): boolean {
    const result = this.#check(conn, { merge, path, data });
    if (!result.allowed) return false;
    this.#root = result.newDatabase.root;
    const changed = merge ? Object.keys((data ?? {}) as object).map((k) => join(path, k)) : [path];
    this.#broadcast(changed);
    return true;
  }

  /** Sends each client the new data for the changed paths that overlap what it listens to. */
  #broadcast(changed: string[]): void {
    for (const conn of this.connections) {
      const hit = new Set<string>();
      for (const c of changed) {
        for (const l of conn.listens) {
          if (isAtOrUnder(c, l)) hit.add(c);
          else if (isAtOrUnder(l, c)) hit.add(l);
        }
      }
      // A path inside another one that is sent anyway needs no message of its own.
      const paths = [...hit].filter((p) => ![...hit].some((q) => q !== p && isAtOrUnder(p, q)));
      if (paths.length === 1) {
        conn.send({ t: 'd', d: { a: 'd', b: { p: paths[0], d: this.data(paths[0]) } } });
      } else if (paths.length > 1) {
        // One merge keeps a multi-path update atomic for the client, as the real service does.
        const base = commonAncestor(paths);
        const d = Object.fromEntries(paths.map((p) => [relative(base, p), this.data(p)]));
        conn.send({ t: 'd', d: { a: 'm', b: { p: base, d } } });
      }
    }
  }

  #disconnected(conn: RtdbConnection): void {
    if (!this.connections.delete(conn)) return;
    conn.listens.clear();
    for (const op of conn.onDisconnect.splice(0)) this.#write(null, op.path, op.data, op.merge);
  }
}
