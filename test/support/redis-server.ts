import { spawn, type ChildProcess } from 'node:child_process';
import { createClient } from 'redis';
import { freePort } from './net.js';

/** A real redis-server of a test's own (no persistence), on 127.0.0.1 or `bind`. */
export interface TestRedis {
  url: string;
  port: number;
  child: ChildProcess;
  /** Kills it (SIGKILL) and waits for it to exit. */
  kill(): Promise<void>;
}

/** Starts /usr/bin/redis-server on a free port (or `port`), resolving once it accepts connections. */
export async function startRedisServer({ port, bind = '127.0.0.1' }: { port?: number; bind?: string } = {}): Promise<TestRedis> {
  port ??= await freePort(bind);
  const child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', bind, '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${text}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      text += d;
      if (/Ready to accept connections/.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited ${code}:\n${text}`)));
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    url: `redis://${bind}:${port}`,
    port,
    child,
    kill() {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      return gone;
    },
  };
}

/**
 * A client of a test's Redis like the relay's presence connection: fails fast while Redis is away
 * (no offline queue), reconnecting every `reconnectMs`.
 */
export async function failFastClient(url: string, reconnectMs: number) {
  const c = createClient({ url, disableOfflineQueue: true, socket: { reconnectStrategy: () => reconnectMs } });
  c.on('error', () => {});
  await c.connect();
  return c;
}
