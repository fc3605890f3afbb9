/**
 * A real TURN server for tests: Debian's coturn (`apt-get install coturn`), started on
 * loopback with `use-auth-secret` (the TURN REST API's shared secret, as deployments
 * run it) and `allow-loopback-peers`, so Chromium on this machine relays through it.
 * Nothing is mocked: credentials are checked by coturn itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const TURNSERVER = process.env.TURNSERVER_PATH || '/usr/bin/turnserver';

export interface Coturn {
  /** Where it listens (UDP and TCP). */
  host: string;
  port: number;
  /** `turn:` URLs for UDP and TCP. */
  urls: string[];
  secret: string;
  /** Lines coturn printed (its log), e.g. to look for 401s. */
  log: string[];
  close(): Promise<void>;
}

/** A TCP port free now (coturn also takes UDP on it; collisions are retried). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts coturn on `host` (default 127.0.0.1) with a fresh secret; resolves once it listens. */
export async function startCoturn({
  host = '127.0.0.1',
  secret = `turn-secret-${Math.random().toString(36).slice(2)}`,
} = {}): Promise<Coturn> {
  if (!existsSync(TURNSERVER)) throw new Error(`coturn is not installed (${TURNSERVER}); run: apt-get install coturn`);
  for (let attempt = 0; ; attempt++) {
    try {
      return await tryStart(host, secret, await freePort(host));
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

async function tryStart(host: string, secret: string, port: number): Promise<Coturn> {
  const dir = await mkdtemp(path.join(tmpdir(), 'coturn-'));
  const relayBase = 50_000 + Math.floor(Math.random() * 600) * 20;
  const config = [
    `listening-ip=${host}`,
    `relay-ip=${host}`,
    `listening-port=${port}`,
    `min-port=${relayBase}`,
    `max-port=${relayBase + 19}`,
    'use-auth-secret',
    `static-auth-secret=${secret}`,
    'realm=video-call.test',
    'allow-loopback-peers',
    'no-cli',
    'no-tls',
    'no-dtls',
    'fingerprint',
    'no-software-attribute',
    'simple-log',
    'log-file=stdout',
    `userdb=${path.join(dir, 'turndb')}`,
    `pidfile=${path.join(dir, 'turn.pid')}`,
  ].join('\n');
  const file = path.join(dir, 'turnserver.conf');
  await writeFile(file, config);
  const child: ChildProcess = spawn(TURNSERVER, ['-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`coturn did not start on ${host}:${port}:\n${log.join('\n')}`)), 10_000);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        log.push(line);
        if (/Total General servers/.test(line)) {
          clearTimeout(timer);
          resolve();
        }
        if (/Cannot bind|Address already in use/i.test(line)) {
          clearTimeout(timer);
          reject(new Error(`coturn could not bind ${host}:${port}: ${line}`));
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`coturn exited at start:\n${log.join('\n')}`));
    });
  });
  const close = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exit;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await ready;
  } catch (e) {
    await close();
    throw e;
  }
  return {
    host,
    port,
    urls: [`turn:${host}:${port}?transport=udp`, `turn:${host}:${port}?transport=tcp`],
    secret,
    log,
    close,
  };
}
