/**
 * Relay load: the shipped relay and a bare Socket.IO forwarder, each in its own process,
 * driven in turn by the same load generator (another process): 1,000 sockets in 500 rooms.
 * bench/run.ts alternates them (bare first) and runs the fixed-rate phase of all at one rate.
 * BENCH_CPU_PROF=1 writes a V8 CPU profile of each relay to bench/profiles/.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { round, withTimeout } from './util.js';

const HERE = import.meta.dirname;

export interface RelayLoadResult {
  relay: 'real' | 'bare';
  sockets: number;
  rooms: number;
  signalsPerSecond: number;
  saturated: { p50: number; p99: number };
  fixed: { rate: number; p50: number; p90: number; p99: number; max: number; lost: number };
  rssPerSocketKiB: number;
  heapPerSocketKiB: number;
  rssMiB: number;
  /** Relay process CPU use during the saturation phase, in cores (1 = one core busy). */
  relayCpuCores: number;
  /** Relay CPU time per relayed signal during the saturation phase (µs). */
  relayCpuPerSignalUs: number;
  /** Relay CPU time per relayed signal during the fixed-rate phase (µs): the same rate for both relays, so the same batching. */
  fixedCpuPerSignalUs: number;
  loadgenCpuCores: number;
  disconnects: number;
}

interface Stats {
  rss: number;
  heapUsed: number;
  cpu: NodeJS.CpuUsage;
  at: number;
  sockets: number;
}

function child(script: string, args: string[], execArgv: string[]): ChildProcess {
  return fork(path.join(HERE, 'relay', script), args, {
    execArgv: script.endsWith('.ts') ? ['--import', 'tsx', ...execArgv] : execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function once<T>(cp: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string; message?: string }) => {
      if (m.type === type) {
        cleanup();
        resolve(m as T);
      } else if (m.type === 'error') {
        cleanup();
        reject(new Error(m.message));
      }
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`${type}: child exited (${code}) first`));
    };
    const cleanup = () => {
      cp.off('message', onMessage);
      cp.off('exit', onExit);
    };
    cp.on('message', onMessage);
    cp.on('exit', onExit);
  });
}

let statsId = 0;
async function serverStats(server: ChildProcess, gc = false): Promise<Stats> {
  const id = ++statsId;
  const reply = new Promise<Stats>((resolve) => {
    const on = (m: Stats & { type: string; id: number }) => {
      if (m.type === 'stats' && m.id === id) {
        server.off('message', on);
        resolve(m);
      }
    };
    server.on('message', on);
  });
  server.send({ type: 'stats', id, gc });
  return withTimeout(reply, 10_000, 'relay stats');
}

function stop(cp: ChildProcess): Promise<void> {
  if (cp.exitCode !== null || cp.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => cp.kill('SIGKILL'), 5000);
    cp.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (cp.connected) cp.send({ type: 'close' });
    else cp.kill('SIGTERM');
  });
}

const cpuSeconds = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => (b.user - a.user + b.system - a.system) / 1e6;

export async function runRelayLoad(
  relay: 'real' | 'bare',
  opts: { sockets: number; fixedRate?: number; window?: number },
): Promise<RelayLoadResult> {
  const prof = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(HERE, 'profiles')}`, `--cpu-prof-name=relay-${relay}-${Date.now()}.cpuprofile`]
    : [];
  if (prof.length) mkdirSync(path.join(HERE, 'profiles'), { recursive: true });
  const server = child('server.mjs', [relay], ['--expose-gc', ...prof]);
  let gen: ChildProcess | undefined;
  try {
    const { port } = await withTimeout(once<{ port: number }>(server, 'ready'), 30_000, `${relay} relay start`);
    const before = await serverStats(server, true);
    gen = child('loadgen.ts', [], []);
    const marks = new Map<string, Promise<Stats>>();
    gen.on('message', (m: { type: string; name?: string }) => {
      if (m.type === 'mark') marks.set(m.name!, serverStats(server));
    });
    const joined = once<{ sockets: number }>(gen, 'joined');
    gen.send({
      type: 'start',
      params: { port, sockets: opts.sockets, window: opts.window ?? 2, warmupMs: 1000, saturateMs: 5000, fixedMs: 5000 },
    });
    await withTimeout(joined, 60_000, `${relay}: connecting ${opts.sockets} sockets`);
    const loaded = await serverStats(server, true);
    if (loaded.sockets !== opts.sockets) throw new Error(`${relay}: ${loaded.sockets} sockets connected, expected ${opts.sockets}`);
    const saturated = once<{ saturate: { signalsPerSecond: number } }>(gen, 'saturated');
    gen.send({ type: 'joined:reply' });
    const sat = await withTimeout(saturated, 60_000, `${relay}: saturation phase`);
    const rate = Math.round(opts.fixedRate ?? sat.saturate.signalsPerSecond / 2);
    const done = once<{
      saturate: { signalsPerSecond: number; p50: number; p99: number; cpuCores: number };
      fixed: RelayLoadResult['fixed'] & { sent: number };
      disconnects: number;
      cpu: NodeJS.CpuUsage;
    }>(gen, 'done');
    gen.send({ type: 'saturated:reply', rate });
    const result = await withTimeout(done, 60_000, `${relay}: fixed-rate phase`);
    const [s0, s1, f0, f1] = await Promise.all(['saturate-start', 'saturate-end', 'fixed-start', 'fixed-end'].map((k) => marks.get(k)!));
    const seconds = (s1.at - s0.at) / 1000;
    return {
      relay,
      sockets: opts.sockets,
      rooms: opts.sockets / 2,
      signalsPerSecond: Math.round(result.saturate.signalsPerSecond),
      saturated: { p50: round(result.saturate.p50, 2), p99: round(result.saturate.p99, 2) },
      fixed: {
        rate: result.fixed.rate,
        p50: round(result.fixed.p50, 2),
        p90: round(result.fixed.p90, 2),
        p99: round(result.fixed.p99, 2),
        max: round(result.fixed.max, 2),
        lost: result.fixed.lost,
      },
      rssPerSocketKiB: round((loaded.rss - before.rss) / opts.sockets / 1024, 1),
      heapPerSocketKiB: round((loaded.heapUsed - before.heapUsed) / opts.sockets / 1024, 1),
      rssMiB: round(loaded.rss / 2 ** 20, 1),
      relayCpuCores: round(cpuSeconds(s0.cpu, s1.cpu) / seconds, 2),
      relayCpuPerSignalUs: round((cpuSeconds(s0.cpu, s1.cpu) / seconds / result.saturate.signalsPerSecond) * 1e6, 1),
      fixedCpuPerSignalUs: round((cpuSeconds(f0.cpu, f1.cpu) / (result.fixed.sent - result.fixed.lost)) * 1e6, 1),
      loadgenCpuCores: round(result.saturate.cpuCores, 2),
      disconnects: result.disconnects,
    };
  } finally {
    if (gen) await stop(gen);
    await stop(server);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sockets = Number(process.env.SOCKETS ?? 1000);
  const bare = await runRelayLoad('bare', { sockets });
  console.log(bare);
  const real = await runRelayLoad('real', { sockets, fixedRate: bare.signalsPerSecond / 2 });
  console.log(real);
}
