/**
 * The load generator, in its own process (forked by bench/relay.ts): N Socket.IO clients
 * (socket.io-client over WebSocket, loopback) in N/2 rooms of two, speaking the relay
 * protocol (join, then signal {to, data} to the room-mate, as the element's transport does).
 * Payloads are shaped like the engine's signals: ICE candidates, and every 10th an SDP of ~3 KB.
 *
 * Phases (each bounded; the process exits by itself, 3 minutes at most):
 *  1. connect + join every socket; report 'joined' and wait for 'go' (the parent samples the relay's RSS);
 *  2. saturation: every socket keeps WINDOW signals in flight to its mate (each received signal is
 *     answered by a new one): signals/s is the relay's throughput;
 *  3. fixed rate: `rate` signals/s in total, spread evenly over sockets and time (open loop):
 *     p50/p99 relay-hop latency (send → the mate's receipt, one clock) at a load both relays carry.
 */
import { io, type Socket } from 'socket.io-client';

setTimeout(() => {
  console.error('loadgen: hard time limit reached');
  process.exit(3);
}, 3 * 60_000).unref();
process.on('disconnect', () => process.exit(0));

interface Params {
  port: number;
  sockets: number;
  window: number;
  warmupMs: number;
  saturateMs: number;
  fixedMs: number;
}

const candidate = (i: number) => ({
  t: 'ice',
  candidate: {
    candidate: `candidate:${842163049 + (i % 1000)} 1 udp 1677729535 192.168.1.${i % 250} ${50000 + (i % 10000)} typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag sXvU network-cost 999`,
    sdpMid: '0',
    sdpMLineIndex: 0,
    usernameFragment: 'sXvU',
  },
});
const SDP =
  `v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2\r\n${'a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 goog-remb\r\na=rtcp-fb:96 transport-cc\r\na=rtcp-fb:96 ccm fir\r\n'.repeat(30)}`.slice(
    0,
    3000,
  );
const sdp = () => ({ t: 'sdp', description: { type: 'offer', sdp: SDP } });

function ask<T>(type: string, payload: object = {}): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type !== `${type}:reply`) return;
      process.off('message', on);
      resolve(m as T);
    };
    process.on('message', on);
    process.send!({ type, ...payload });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

async function main(p: Params) {
  const url = `http://127.0.0.1:${p.port}`;
  const clients: { socket: Socket; id: string; mate: number }[] = [];
  // Connect in batches of 50, so the relay sees a crowd arrive, not a SYN flood.
  for (let i = 0; i < p.sockets; i += 50) {
    const batch = [];
    for (let j = i; j < Math.min(p.sockets, i + 50); j++) {
      const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 20_000 });
      clients[j] = { socket, id: '', mate: j ^ 1 };
      batch.push(
        new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        }),
      );
    }
    await Promise.all(batch);
  }
  for (let i = 0; i < p.sockets; i += 100) {
    await Promise.all(
      clients.slice(i, i + 100).map(async (c, k) => {
        const ack = await c.socket.timeout(20_000).emitWithAck('join', { room: `load-${(i + k) >> 1}`, name: `p${i + k}` });
        if (!ack?.ok) throw new Error(`join refused: ${JSON.stringify(ack)}`);
        c.id = ack.selfId;
      }),
    );
  }

  // Latency samples (ms) and counters, per phase.
  let phase: 'idle' | 'saturate' | 'fixed' = 'idle';
  let measuring = false;
  let received = 0;
  const lat = new Float64Array(4_000_000);
  let nLat = 0;
  let sent = 0;
  let errors = 0;

  const send = (from: number) => {
    const c = clients[from];
    const n = sent++;
    const data = n % 10 === 0 ? sdp() : candidate(n);
    (data as Record<string, unknown>).at = performance.now();
    c.socket.emit('signal', { to: clients[c.mate].id, data });
  };
  clients.forEach((c, i) => {
    c.socket.on('signal', (m: { from: string; data: { at: number } }) => {
      const now = performance.now();
      if (measuring) {
        received++;
        if (nLat < lat.length) lat[nLat++] = now - m.data.at;
      }
      if (phase === 'saturate') send(i);
    });
    c.socket.on('disconnect', () => errors++);
  });

  const stats = () => {
    const s = lat.slice(0, nLat).sort();
    return { received, p50: quantile(s, 0.5), p90: quantile(s, 0.9), p99: quantile(s, 0.99), max: s[s.length - 1] ?? NaN };
  };
  const reset = () => {
    received = 0;
    nLat = 0;
  };

  await ask('joined', { sockets: clients.length });

  // 2. Saturation (closed loop).
  phase = 'saturate';
  for (let w = 0; w < p.window; w++) for (let i = 0; i < clients.length; i++) send(i);
  await sleep(p.warmupMs);
  reset();
  measuring = true;
  process.send!({ type: 'mark', name: 'saturate-start' });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(p.saturateMs);
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  process.send!({ type: 'mark', name: 'saturate-end' });
  const c1 = process.cpuUsage(c0);
  phase = 'idle';
  const sat = { ...stats(), seconds: elapsed, signalsPerSecond: received / elapsed, cpuCores: (c1.user + c1.system) / 1e6 / elapsed };
  await sleep(1500); // in-flight signals drain
  const { rate } = await ask<{ rate: number }>('saturated', { saturate: sat });

  // 3. Fixed rate (open loop): a tick every 5 ms sends rate/200 signals, round robin.
  reset();
  phase = 'fixed';
  measuring = true;
  process.send!({ type: 'mark', name: 'fixed-start' });
  const f0 = performance.now();
  let due = 0;
  let next = 0;
  let fixedSent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const t = performance.now() - f0;
      if (t >= p.fixedMs) {
        clearInterval(timer);
        resolve();
        return;
      }
      due = Math.floor((t / 1000) * rate);
      while (fixedSent < due) {
        send(next);
        next = (next + 1) % clients.length;
        fixedSent++;
      }
    }, 5);
  });
  await sleep(1000); // the last ones arrive
  measuring = false;
  process.send!({ type: 'mark', name: 'fixed-end' });
  const fixed = { ...stats(), sent: fixedSent, rate, seconds: p.fixedMs / 1000, lost: fixedSent - received };

  const disconnects = errors;
  for (const c of clients) c.socket.disconnect();
  process.send!({ type: 'done', saturate: sat, fixed, disconnects, cpu: process.cpuUsage() });
  await sleep(200);
  process.exit(0);
}

process.once('message', (m: { type: string; params: Params }) => {
  if (m.type !== 'start') return;
  main(m.params).catch((e: Error) => {
    process.send!({ type: 'error', message: e.stack ?? e.message });
    setTimeout(() => process.exit(1), 100);
  });
});
