/**
 * A small client of Janus's WebSocket JSON API (subprotocol `janus-protocol`), enough for the
 * relay's orchestration of VideoRoom rooms (server/janus-rooms.ts) and for tests: one
 * connection, sessions created with a token, handles attached to a plugin, plugin requests.
 *
 * Every request carries a `transaction`; Janus answers it with `success` (synchronous plugin
 * requests, `create`, `attach`, …), `error`, or `ack` followed later by an `event` with the same
 * transaction (asynchronous plugin requests such as VideoRoom's `join`). Errors become a
 * {@link JanusError} with Janus's code: the core's (403 unauthorized, 405 unauthorized plugin,
 * 458 no such session, …) or the plugin's (`error_code` in its data: VideoRoom's 426 no such
 * room, 427 room exists, 433 unauthorized, …).
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';

/** Janus core error codes (apierror.h) the relay tells apart. */
export const JANUS_ERROR = { UNAUTHORIZED: 403, UNAUTHORIZED_PLUGIN: 405, SESSION_NOT_FOUND: 458 } as const;
/** VideoRoom error codes (janus_videoroom.c). */
export const VIDEOROOM_ERROR = { NO_SUCH_ROOM: 426, ROOM_EXISTS: 427, PUBLISHERS_FULL: 432, UNAUTHORIZED: 433 } as const;

export class JanusError extends Error {
  constructor(
    readonly code: number,
    reason: string,
    /** `core`: refused by Janus itself; `plugin`: by the plugin (its `error_code`). */
    readonly source: 'core' | 'plugin',
  ) {
    super(`Janus ${source} error ${code}: ${reason}`);
    this.name = 'JanusError';
  }
}

/** A Janus message as received. */
export interface JanusMessage {
  janus: string;
  transaction?: string;
  session_id?: number;
  sender?: number;
  data?: { id?: number };
  error?: { code: number; reason: string };
  plugindata?: { plugin: string; data: Record<string, unknown> };
  jsep?: { type: string; sdp: string };
  [k: string]: unknown;
}

const DEFAULT_TIMEOUT_MS = 10_000;

interface Pending {
  resolve(m: JanusMessage): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** One WebSocket connection to a Janus. */
export class JanusConnection extends EventEmitter {
  private readonly pending = new Map<string, Pending>();
  private closedError: Error | undefined;

  private constructor(
    private readonly ws: WebSocket,
    readonly url: string,
    private readonly timeoutMs: number,
  ) {
    super();
    ws.on('message', (data) => this.onMessage(String(data)));
    ws.on('close', () => this.fail(new Error(`connection to Janus at ${url} closed`)));
    ws.on('error', (e) => this.fail(new Error(`connection to Janus at ${url} failed: ${e.message}`)));
  }

  /** Opens a connection; rejects when it cannot within `timeoutMs` (default 10 s). */
  static open(url: string, { timeoutMs = DEFAULT_TIMEOUT_MS } = {}): Promise<JanusConnection> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'janus-protocol', { handshakeTimeout: timeoutMs });
      const onError = (e: Error) => {
        ws.terminate();
        reject(new Error(`cannot connect to Janus at ${url}: ${e.message}`));
      };
      ws.once('error', onError);
      ws.once('open', () => {
        ws.off('error', onError);
        resolve(new JanusConnection(ws, url, timeoutMs));
      });
    });
  }

  /**
   * Sends `body` (a `janus` request) and resolves with Janus's answer to it: `success`, or the
   * `event` that follows an `ack` (when `async`). Rejects with a {@link JanusError} on `error`
   * or when a plugin answers with an `error_code`.
   */
  request(body: Record<string, unknown>, { async = false } = {}): Promise<JanusMessage> {
    if (this.closedError) return Promise.reject(this.closedError);
    const transaction = randomBytes(9).toString('base64url');
    return new Promise<JanusMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        reject(new Error(`Janus at ${this.url} did not answer ${String(body.janus)} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(transaction, {
        timer,
        reject,
        resolve: (m) => {
          if (m.janus === 'ack' && async) return; // keep waiting for the event
          clearTimeout(timer);
          this.pending.delete(transaction);
          if (m.janus === 'error') return reject(new JanusError(m.error?.code ?? 0, m.error?.reason ?? 'unknown', 'core'));
          const data = m.plugindata?.data;
          if (data && typeof data.error_code === 'number')
            return reject(new JanusError(data.error_code, String(data.error ?? ''), 'plugin'));
          resolve(m);
        },
      });
      this.ws.send(JSON.stringify({ ...body, transaction }));
    });
  }

  /** Creates a session (with `token` when Janus has token auth). */
  async createSession(token?: string): Promise<JanusSession> {
    const m = await this.request({ janus: 'create', ...(token !== undefined ? { token } : {}) });
    return new JanusSession(this, m.data!.id!, token);
  }

  /** Closes the connection (Janus drops its sessions after their timeout; destroy them first to be tidy). */
  close(): void {
    this.fail(new Error('connection closed'));
    this.ws.close();
    setTimeout(() => this.ws.terminate(), 1000).unref();
  }

  private fail(e: Error): void {
    if (this.closedError) return;
    this.closedError = e;
    for (const [t, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(t);
      p.reject(e);
    }
    this.emit('closed', e);
  }

  private onMessage(text: string): void {
    let m: JanusMessage;
    try {
      m = JSON.parse(text) as JanusMessage;
    } catch {
      return;
    }
    const p = m.transaction !== undefined ? this.pending.get(m.transaction) : undefined;
    if (p) p.resolve(m);
    else this.emit('message', m);
  }
}

/** A Janus session; every request in it carries its token. */
export class JanusSession {
  constructor(
    readonly connection: JanusConnection,
    readonly id: number,
    private readonly token?: string,
  ) {}

  private withToken(body: Record<string, unknown>): Record<string, unknown> {
    return { ...body, session_id: this.id, ...(this.token !== undefined ? { token: this.token } : {}) };
  }

  /** Attaches a handle to `plugin` (e.g. `janus.plugin.videoroom`). */
  async attach(plugin: string): Promise<JanusHandle> {
    const m = await this.connection.request(this.withToken({ janus: 'attach', plugin }));
    return new JanusHandle(this, m.data!.id!);
  }

  /** Keeps the session alive (Janus's `session_timeout`); refused once the token expired. */
  async keepalive(): Promise<void> {
    await this.connection.request(this.withToken({ janus: 'keepalive' }));
  }

  async destroy(): Promise<void> {
    await this.connection.request(this.withToken({ janus: 'destroy' }));
  }

  /** @internal */
  send(body: Record<string, unknown>, async: boolean): Promise<JanusMessage> {
    return this.connection.request(this.withToken(body), { async });
  }
}

/** A handle attached to a plugin. */
export class JanusHandle {
  constructor(
    readonly session: JanusSession,
    readonly id: number,
  ) {}

  /**
   * A synchronous plugin request (VideoRoom's `create`, `destroy`, `listparticipants`, `exists`):
   * resolves with the plugin's data.
   */
  async request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const m = await this.session.send({ janus: 'message', handle_id: this.id, body }, false);
    return m.plugindata?.data ?? {};
  }

  /** An asynchronous plugin request (VideoRoom's `join`, `configure`, …): resolves with the event's message (data and jsep). */
  message(body: Record<string, unknown>, jsep?: { type: string; sdp: string }): Promise<JanusMessage> {
    return this.session.send({ janus: 'message', handle_id: this.id, body, ...(jsep ? { jsep } : {}) }, true);
  }
}
