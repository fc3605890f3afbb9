/**
 * A small browser client of Janus's WebSocket JSON API (subprotocol `janus-protocol`): one
 * connection, one session (created with the core token, kept alive), handles attached to the
 * VideoRoom plugin, requests answered by transaction. Enough for the SFU topology
 * (sfu-topology.ts); our own code, no janus.js.
 *
 * Every request carries a `transaction`; Janus answers it with `success`, `error`, or `ack`
 * followed by an `event` with the same transaction (asynchronous plugin requests: `join`,
 * `configure`, `start`, `subscribe`, …). Events without a transaction (a publisher joined or
 * left, a subscription updated) go to the handle's listener.
 */
export interface JanusMsg {
  janus: string;
  transaction?: string;
  sender?: number;
  data?: { id?: number };
  error?: { code: number; reason: string };
  plugindata?: { data: Record<string, unknown> };
  jsep?: RTCSessionDescriptionInit;
}

/** A refusal from Janus (core, or the plugin's `error_code`). */
export class JanusRefusal extends Error {
  constructor(
    readonly code: number,
    reason: string,
  ) {
    super(`Janus error ${code}: ${reason}`);
  }
}

const TIMEOUT_MS = 10_000;
/** Janus ends a session unheard for `session_timeout` (60 s by default). */
const KEEPALIVE_MS = 20_000;

export class JanusWs {
  #ws: WebSocket;
  #n = 0;
  #pending = new Map<string, { resolve(m: JanusMsg): void; reject(e: Error): void; async: boolean }>();
  #handles = new Map<number, (m: JanusMsg) => void>();
  #session = 0;
  #keepalive: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  /** Called once when the connection ends (Janus went away, or close()). */
  onclose: (() => void) | null = null;

  private constructor(
    ws: WebSocket,
    /** The core token, read for every request (refreshed tokens take over). */
    private readonly token: () => string,
  ) {
    this.#ws = ws;
    ws.onmessage = (e) => this.#onMessage(e.data as string);
    ws.onclose = () => this.close();
  }

  /** Connects and creates a session; rejects when Janus cannot be reached or refuses the token. */
  static async open(url: string, token: () => string): Promise<JanusWs> {
    const ws = new WebSocket(url, 'janus-protocol');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Janus at ${url} did not answer`)), TIMEOUT_MS);
      ws.onopen = () => (clearTimeout(timer), resolve());
      ws.onerror = () => (clearTimeout(timer), reject(new Error(`cannot connect to Janus at ${url}`)));
    });
    const j = new JanusWs(ws, token);
    try {
      j.#session = (await j.#send({ janus: 'create' })).data!.id!;
    } catch (e) {
      j.close();
      throw e;
    }
    // A keepalive unanswered (the network went, and the socket has not noticed): the connection is over.
    j.#keepalive = setInterval(() => j.#send({ janus: 'keepalive' }).catch(() => j.close()), KEEPALIVE_MS);
    return j;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Attaches a VideoRoom handle; `onEvent` gets its events that answer no request of ours. */
  async attach(onEvent: (m: JanusMsg) => void): Promise<JanusHandle> {
    const id = (await this.#send({ janus: 'attach', plugin: 'janus.plugin.videoroom' })).data!.id!;
    this.#handles.set(id, onEvent);
    return new JanusHandle(this, id);
  }

  /** @internal A request; resolves with `success`, or with the `event` after an `ack` when `async`. */
  send(body: Record<string, unknown>, async = false): Promise<JanusMsg> {
    return this.#send(body, async);
  }

  #send(body: Record<string, unknown>, async = false): Promise<JanusMsg> {
    if (this.#closed) return Promise.reject(new Error('Janus connection closed'));
    const transaction = `t${++this.#n}`;
    const token = this.token();
    const full = { ...body, transaction, ...(token ? { token } : {}), ...(this.#session ? { session_id: this.#session } : {}) };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(transaction);
        reject(new Error(`Janus did not answer ${String(body.janus)}`));
      }, TIMEOUT_MS);
      this.#pending.set(transaction, {
        async,
        resolve: (m) => (clearTimeout(timer), resolve(m)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.#ws.send(JSON.stringify(full));
    });
  }

  #onMessage(text: string): void {
    let m: JanusMsg;
    try {
      m = JSON.parse(text) as JanusMsg;
    } catch {
      return;
    }
    const p = m.transaction !== undefined ? this.#pending.get(m.transaction) : undefined;
    if (p && !(m.janus === 'ack' && p.async)) {
      this.#pending.delete(m.transaction!);
      const data = m.plugindata?.data;
      if (m.janus === 'error') p.reject(new JanusRefusal(m.error?.code ?? 0, m.error?.reason ?? ''));
      else if (data && typeof data.error_code === 'number') p.reject(new JanusRefusal(data.error_code, String(data.error ?? '')));
      else p.resolve(m);
      return;
    }
    if (p) return; // the ack of an asynchronous request: its event follows
    if (m.sender !== undefined) this.#handles.get(m.sender)?.(m);
  }

  /** Ends the session and the connection (Janus tells the room we left). */
  close(): void {
    if (this.#closed) return;
    if (this.#session && this.#ws.readyState === WebSocket.OPEN) {
      const token = this.token();
      this.#ws.send(JSON.stringify({ janus: 'destroy', session_id: this.#session, transaction: 'bye', ...(token ? { token } : {}) }));
    }
    this.#closed = true;
    clearInterval(this.#keepalive);
    for (const p of this.#pending.values()) p.reject(new Error('Janus connection closed'));
    this.#pending.clear();
    this.#ws.close();
    this.onclose?.();
  }
}

/** A VideoRoom handle. */
export class JanusHandle {
  constructor(
    private readonly j: JanusWs,
    readonly id: number,
  ) {}

  /** A plugin request; resolves with the answer's (or event's) message. */
  message(body: Record<string, unknown>, jsep?: RTCSessionDescriptionInit | null, async = true): Promise<JanusMsg> {
    return this.j.send({ janus: 'message', handle_id: this.id, body, ...(jsep ? { jsep } : {}) }, async);
  }

  /** Detaches the handle (Janus closes its connection); never rejects. */
  detach(): void {
    this.j.send({ janus: 'detach', handle_id: this.id }, false).catch(() => {});
  }
}
