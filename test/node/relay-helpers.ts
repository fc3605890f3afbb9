/** Shared helpers for the relay tests: a real relay on a random loopback port and real Socket.IO clients. */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { createRelay, type Relay, type RelayOptions } from '../../server/app.js';

export type Client = Socket;

/** A relay listening on 127.0.0.1:<random>, with its log lines captured. */
export interface TestRelay {
  relay: Relay;
  url: string;
  port: number;
  logs: string[];
  close(): Promise<void>;
}

export async function startRelay(options: RelayOptions = {}): Promise<TestRelay> {
  const logs: string[] = [];
  const relay = createRelay({ logger: (line) => logs.push(line), ...options });
  const port = await relay.listen(0, '127.0.0.1');
  return { relay, port, url: `http://127.0.0.1:${port}`, logs, close: () => relay.close() };
}

const open = new Set<Socket>();

/** A connected client (websocket by default). Rejects on connect_error. */
export async function connect(url: string, opts: Partial<ManagerOptions & SocketOptions> = {}): Promise<Client> {
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 3000, ...opts });
  open.add(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (e) => reject(e));
  });
  return socket;
}

/** Disconnects every client made by {@link connect}. */
export function disconnectAll(): void {
  for (const s of open) s.disconnect();
  open.clear();
}

/** The next `event` on `socket`, or a rejection after `ms`. */
export function next<T = unknown>(socket: Client, event: string, ms = 2000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, on);
      reject(new Error(`no "${event}" within ${ms} ms`));
    }, ms);
    const on = (payload: T) => {
      clearTimeout(timer);
      socket.off(event, on);
      resolve(payload);
    };
    socket.on(event, on);
  });
}

/** Records every event a socket receives. */
export function record(socket: Client): { event: string; args: unknown[] }[] {
  const seen: { event: string; args: unknown[] }[] = [];
  socket.onAny((event: string, ...args: unknown[]) => seen.push({ event, args }));
  return seen;
}

/** Emits with an ack and resolves with the answer (rejects after `ms`). */
export function request<T = any>(socket: Client, event: string, ...args: unknown[]): Promise<T> {
  return socket.timeout(3000).emitWithAck(event, ...args) as Promise<T>;
}

/** Joins a relay-protocol room and returns the ack. */
export function join(socket: Client, room: string, name?: string, token?: string): Promise<any> {
  return request(socket, 'join', { room, name, token });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A round trip through the relay: once it returns, everything emitted before has been processed. */
export async function flush(socket: Client): Promise<void> {
  await request(socket, 'leave', { room: '\u0000flush' }).catch(() => undefined);
}

/** GET a path of the relay. */
export async function get(url: string, init?: RequestInit): Promise<Response> {
  return fetch(url, init);
}
