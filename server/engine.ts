/**
 * The engine.io layer under Socket.IO, as far as the relay touches it: its
 * connection and transport objects (typed loosely), the WebSocket under a
 * connection, and two things done to every connection: a polling → WebSocket
 * upgrade finished at once, and a closed connection's TCP connection destroyed
 * after a short grace.
 */
import type http from 'node:http';

/** How long a closing connection may take to say goodbye before its TCP connection is destroyed. */
export const CLOSE_GRACE_MS = 250;

/** The parts of an engine.io connection the relay touches (engine.io's `Socket`, typed loosely). */
export interface EngineConnection {
  id: string;
  request: http.IncomingMessage;
  upgrading?: boolean;
  transport?: EngineTransport;
  on(e: 'packet' | 'close' | 'upgrading' | 'upgrade' | 'flush', l: () => void): void;
  on(e: 'packetCreate', l: (packet: { data?: unknown }) => void): void;
  close(discard?: boolean): void;
}
export interface EngineTransport {
  name: string;
  writable: boolean;
  /** The `ws` WebSocket, for the websocket transport. */
  socket?: WebSocketLike;
  send(packets: { type: string }[]): void;
  on(e: 'ready', l: () => void): void;
  off(e: 'ready', l: () => void): void;
}

/** The `ws` library's WebSocket, as far as the relay uses it. */
export interface WebSocketLike {
  readyState: number;
  bufferedAmount: number;
  terminate(): void;
}

export function webSocketOf(raw: EngineConnection): WebSocketLike | undefined {
  const socket = raw.transport?.name === 'websocket' ? raw.transport.socket : undefined;
  return socket && typeof socket.terminate === 'function' ? socket : undefined;
}

/** Bytes the connection's WebSocket has queued but not yet written out (0 for long-polling). */
export function bufferedAmount(raw: EngineConnection): number {
  return webSocketOf(raw)?.bufferedAmount ?? 0;
}

/** Roughly how much memory a packet's payload holds (string length, or binary bytes). */
export function byteSize(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/** The TCP peer's address of a request (IPv4-mapped IPv6 written as IPv4). */
export function addressOf(req: http.IncomingMessage): string {
  const address = req.socket?.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * Finishes a polling → WebSocket upgrade at once instead of within 100 ms.
 *
 * A browser client starts on HTTP long-polling and probes a WebSocket. Once the probe is
 * answered, the client pauses polling, which waits for its pending GET to return, and until
 * the upgrade completes it buffers every emit (a `join`, the first offer and its candidates).
 * engine.io releases that GET with a no-op packet from a 100 ms interval timer, so each new
 * connection stalled up to 100 ms (50 on average) right when a call is being set up (measured
 * by `npm run bench`, connect time). Here the pending GET is released as soon as the probe is
 * answered (or, if it is not pending yet, as soon as it arrives): the same no-op engine.io
 * sends, only without the wait.
 */
export function releasePollOnUpgrade(raw: EngineConnection): void {
  raw.on('upgrading', () => {
    const polling = raw.transport;
    if (!polling || polling.name !== 'polling') return;
    const release = () => {
      if (!raw.upgrading || raw.transport !== polling) return polling.off('ready', release);
      if (!polling.writable) return; // no GET pending: wait for the next one
      polling.off('ready', release);
      polling.send([{ type: 'noop' }]);
    };
    polling.on('ready', release);
    release();
  });
}

/**
 * Once a connection is closed, its WebSocket gets a moment to finish the closing
 * handshake, then its TCP connection is destroyed: one whose client stopped reading
 * never answers, and would keep its buffers for the WebSocket library's 30 s.
 */
export function releaseOnClose(raw: EngineConnection): void {
  let ws = webSocketOf(raw);
  raw.on('upgrade', () => (ws = webSocketOf(raw) ?? ws));
  raw.on('close', () => {
    const socket = ws;
    if (socket && socket.readyState !== 3) setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
  });
}
