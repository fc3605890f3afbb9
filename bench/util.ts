/** Small helpers shared by the benchmarks: statistics, process CPU/RSS from /proc, formatting. */
import path from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export const median = (values: number[]) => quantile(values, 0.5);

export function round(n: number, digits = 1): number {
  if (!Number.isFinite(n)) return n;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export const ratio = (value: number, baseline: number) => round(value / baseline, 2);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Rejects after `ms` with `what` in the message; the benchmarks never hang. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    }),
  ]);
}

const TICKS = 100; // USER_HZ on Linux

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, in seconds. */
  cpu: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = raw.lastIndexOf(')');
    const comm = raw.slice(raw.indexOf('(') + 1, close);
    const f = raw.slice(close + 2).split(' ');
    // f[0] is field 3 (state); utime is field 14, stime field 15.
    return { pid, ppid: Number(f[1]), comm, cpu: (Number(f[11]) + Number(f[12])) / TICKS };
  } catch {
    return null;
  }
}

/** Every live process whose ancestry includes `root` (root included). */
export function processTree(root: number): ProcStat[] {
  const all = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) all.set(s.pid, s);
  }
  const out: ProcStat[] = [];
  const want = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of all.values()) {
      if (!want.has(s.pid) && want.has(s.ppid)) {
        want.add(s.pid);
        grew = true;
      }
    }
  }
  for (const pid of want) {
    const s = all.get(pid);
    if (s) out.push(s);
  }
  return out;
}

/** Direct children of this process whose command name matches. */
export function childPids(match: RegExp): number[] {
  return processTree(process.pid)
    .filter((s) => s.ppid === process.pid && match.test(s.comm))
    .map((s) => s.pid);
}

/** Total CPU seconds (user + system) used so far by `root` and its descendants. Exited processes are not counted. */
export function treeCpuSeconds(root: number): number {
  return processTree(root).reduce((sum, s) => sum + s.cpu, 0);
}

/** Load average over the last minute, and the number of CPUs. */
export function loadAverage(): { load1: number; cpus: number } {
  const [l1] = readFileSync('/proc/loadavg', 'utf8').split(' ');
  return { load1: Number(l1), cpus: Number(readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? 1) };
}

export function cpuModel(): string {
  return (
    readFileSync('/proc/cpuinfo', 'utf8')
      .match(/^model name\s*:\s*(.*)$/m)?.[1]
      ?.trim() ?? 'unknown CPU'
  );
}

/** Prints an aligned table. */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r, ri) => {
      const line = r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
      return ri === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');
const STATIC_TYPES: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm' };

/**
 * The project's files over HTTP on a free loopback port (bench pages under /bench/pages/, the
 * build under /dist/), for the benches that open one page in Chromium. `url(p)`: the address of `p`.
 */
export async function serveProject(): Promise<{ url(p: string): string; close(): void }> {
  const server = createServer((req, res) => {
    if (req.url === '/favicon.ico') return void res.writeHead(204).end();
    const file = path.join(PROJECT_ROOT, path.normalize(decodeURIComponent(new URL(req.url!, 'http://x').pathname)));
    if (!file.startsWith(PROJECT_ROOT)) return void res.writeHead(403).end();
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': STATIC_TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: (p) => `http://127.0.0.1:${port}${p}`, close: () => void server.close() };
}
