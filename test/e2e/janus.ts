/**
 * A real Janus for tests (issue 13): Debian's `janus` (1.1.x, `apt-get install janus`) with a
 * configuration of our own written to a temp dir (never /etc/janus): the WebSocket transport
 * and the VideoRoom plugin only (their .so files symlinked into private plugin/transport
 * folders, so nothing else loads), signed-token auth (`token_auth = true`,
 * `token_auth_secret`), the VideoRoom's `admin_key` and `string_ids = true`, no
 * preconfigured rooms, logging to stdout.
 *
 * Janus gathers no ICE candidates on loopback, so it runs inside a network namespace of the
 * netns lab (test/e2e/netns.ts), on the namespace's side of a veth pair: its WebSocket and
 * its ICE candidates are on the side's address (10.231.x.2), which the host (Node, the relay)
 * and browsers in the lab's other namespaces reach through the host. Needs root, as the lab
 * does. Nothing is mocked: tokens, pins and admin keys are checked by Janus itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { killGroup, type Side } from './netns.js';

export const JANUS = process.env.JANUS_PATH || '/usr/bin/janus';
/** Where Debian puts Janus's plugins and transports (multiarch). */
const LIB_DIRS = [
  '/usr/lib/x86_64-linux-gnu/janus',
  '/usr/lib/aarch64-linux-gnu/janus',
  '/usr/lib/janus',
  '/usr/local/lib/janus',
  '/opt/janus/lib/janus',
];
const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p)) ?? 'ip';

export interface JanusLabServer {
  /** `ws://<namespace address>:<port>`: the WebSocket API (subprotocol `janus-protocol`). */
  url: string;
  /** The address Janus listens on and gathers ICE candidates on (the namespace side of the veth). */
  host: string;
  port: number;
  /** VideoRoom `admin_key`. */
  adminKey: string;
  /** Core `token_auth_secret`. */
  tokenSecret: string;
  /** What Janus printed (stdout and stderr), for failure messages. */
  log: string[];
  /** Stops Janus (SIGTERM, then SIGKILL) and removes its config dir. Safe to call twice. */
  close(): Promise<void>;
}

export interface StartJanusOptions {
  /** The lab side (namespace) Janus runs in; it listens on `side.addr`. */
  side: Side;
  port?: number;
  adminKey?: string;
  tokenSecret?: string;
  /** RTP/RTCP port range inside the namespace (default 20000-20199). */
  rtpPortRange?: string;
  /** Core debug level 0-7 (default 4). */
  debugLevel?: number;
  /**
   * A Janus for `sfu-url` without the relay (docs/sfu.md): no token_auth and no VideoRoom
   * admin_key, so browsers create rooms and join them themselves.
   */
  open?: boolean;
}

const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

function libDir(): string {
  const dir = LIB_DIRS.find((d) => existsSync(path.join(d, 'plugins', 'libjanus_videoroom.so')));
  if (!dir) throw new Error(`Janus's VideoRoom plugin not found in ${LIB_DIRS.join(', ')}; run: apt-get install janus`);
  return dir;
}

/** The configuration files, as Janus's libconfig-like jcfg format. */
export function janusConfig(o: {
  dir: string;
  lib: string;
  host: string;
  iface: string;
  port: number;
  adminKey: string;
  tokenSecret: string;
  rtpPortRange: string;
  debugLevel: number;
  open?: boolean;
}): Record<string, string> {
  const q = (s: string) => JSON.stringify(s); // jcfg strings take C-style escapes, as JSON does
  return {
    'janus.jcfg': [
      'general: {',
      `  configs_folder = ${q(o.dir)}`,
      `  plugins_folder = ${q(path.join(o.dir, 'plugins'))}`,
      `  transports_folder = ${q(path.join(o.dir, 'transports'))}`,
      `  events_folder = ${q(path.join(o.dir, 'events'))}`,
      `  loggers_folder = ${q(path.join(o.dir, 'loggers'))}`,
      `  debug_level = ${o.debugLevel}`,
      '  debug_timestamps = true',
      '  debug_colors = false',
      ...(o.open ? [] : ['  token_auth = true', `  token_auth_secret = ${q(o.tokenSecret)}`]),
      '  hide_dependencies = true',
      '  session_timeout = 60',
      '  server_name = "video-call-test-janus"',
      '}',
      'certificates: {}',
      'media: {',
      `  rtp_port_range = ${q(o.rtpPortRange)}`,
      '}',
      'nat: {',
      `  ice_enforce_list = ${q(o.iface)}`,
      '  nice_debug = false',
      '}',
      'plugins: {}',
      'transports: {}',
      'loggers: {}',
      'events: {',
      '  broadcast = false',
      '}',
      '',
    ].join('\n'),
    'janus.transport.websockets.jcfg': [
      'general: {',
      '  json = "compact"',
      '  ws = true',
      `  ws_port = ${o.port}`,
      `  ws_ip = ${q(o.host)}`,
      '  wss = false',
      '}',
      'admin: {',
      '  admin_ws = false',
      '  admin_wss = false',
      '}',
      '',
    ].join('\n'),
    'janus.plugin.videoroom.jcfg': [
      'general: {',
      ...(o.open ? [] : [`  admin_key = ${q(o.adminKey)}`]),
      '  lock_rtp_forward = true',
      '  string_ids = true',
      '  events = false',
      '}',
      '',
    ].join('\n'),
  };
}

/**
 * Starts Janus inside `side`'s namespace; resolves once its WebSocket API answers an `info`
 * request. Throws with Janus's output when it exits or does not answer within 20 s.
 */
export async function startJanus(options: StartJanusOptions): Promise<JanusLabServer> {
  if (!existsSync(JANUS)) throw new Error(`Janus is not installed (${JANUS}); run: apt-get install janus`);
  const { side } = options;
  const port = options.port ?? 8188;
  const adminKey = options.adminKey ?? secret('janus-admin');
  const tokenSecret = options.tokenSecret ?? secret('janus-token');
  const lib = libDir();
  const dir = await mkdtemp(path.join(tmpdir(), 'vc-janus-'));
  // Private module folders: only the two modules we use load (Janus loads every .so it finds).
  for (const sub of ['plugins', 'transports', 'events', 'loggers']) await mkdir(path.join(dir, sub));
  await symlink(path.join(lib, 'plugins', 'libjanus_videoroom.so'), path.join(dir, 'plugins', 'libjanus_videoroom.so'));
  await symlink(path.join(lib, 'transports', 'libjanus_websockets.so'), path.join(dir, 'transports', 'libjanus_websockets.so'));
  const files = janusConfig({
    dir,
    lib,
    host: side.addr,
    iface: side.nsIf,
    port,
    adminKey,
    tokenSecret,
    rtpPortRange: options.rtpPortRange ?? '20000-20199',
    debugLevel: options.debugLevel ?? 4,
    open: options.open,
  });
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);

  // `ip netns exec` execs Janus in the namespace; detached: its own process group, killed as one.
  const child: ChildProcess = spawn(IP, ['netns', 'exec', side.ns, JANUS, '-C', path.join(dir, 'janus.jcfg'), '-F', dir, '-o'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const log: string[] = [];
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line) log.push(line);
    if (log.length > 5000) log.splice(0, log.length - 5000);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (!exited && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      const killer = setTimeout(() => killGroup(child.pid!), 3000);
      await exit;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const url = `ws://${side.addr}:${port}`;
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (exited) throw new Error(`Janus exited at start:\n${log.join('\n')}`);
      if (await answersInfo(url)) break;
      if (Date.now() > deadline) throw new Error(`Janus did not answer on ${url} within 20 s:\n${log.join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { url, host: side.addr, port, adminKey, tokenSecret, log, close };
}

/** True when a Janus answers `info` on `url` (no token needed for `info`). */
function answersInfo(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'janus-protocol');
    const done = (ok: boolean) => {
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1000);
    ws.on('open', () => ws.send(JSON.stringify({ janus: 'info', transaction: 'probe' })));
    ws.on('message', (data) => {
      try {
        done((JSON.parse(String(data)) as { janus?: string }).janus === 'server_info');
      } catch {
        done(false);
      }
    });
    ws.on('error', () => done(false));
  });
}
