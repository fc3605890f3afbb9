/**
 * A relay under load, in its own process (forked by bench/relay.ts with IPC):
 *   real — the shipped relay, dist/server/app.js (createRelay), every check on, limits raised so the
 *          token buckets still run on every event but never throttle (the relay is measured, not its limiter);
 *   bare — Socket.IO forwarding `signal` to its `to` with no validation, membership or limits at all.
 * Both listen on 127.0.0.1 only. Answers {type:'stats'} with its RSS/heap/CPU (after a GC when asked);
 * exits when the parent goes away, or after 5 minutes whatever happens.
 * Plain JavaScript, run by plain Node: nothing but the relay in the measured process
 * (no TypeScript loader thread, so --cpu-prof profiles the relay's own thread).
 */
import http from 'node:http';
import path from 'node:path';
import { Server } from 'socket.io';

const mode = process.argv[2];
const ROOT = path.resolve(import.meta.dirname, '../..');
setTimeout(() => process.exit(2), 5 * 60_000).unref();
process.on('disconnect', () => process.exit(0));

/** @type {() => Promise<void>} */
let close;
/** @type {number} */
let port;
/** @type {() => number} */
let sockets;
/** @type {{ opts: Record<string, unknown> }} */
let engine;

if (mode === 'real') {
  const { createRelay } = await import(process.env.BENCH_RELAY_APP || path.join(ROOT, 'dist/server/app.js'));
  const relay = createRelay({
    logger: () => {},
    // Every benchmark client connects from loopback: the per-address cap would refuse all but 20.
    maxConnectionsPerIp: 0,
    limits: { eventsPerSecond: 1_000_000, eventBurst: 1_000_000, floodTolerance: 1_000_000 },
  });
  port = await relay.listen(0, '127.0.0.1');
  close = () => relay.close();
  sockets = () => relay.io.engine.clientsCount;
  engine = relay.io.engine;
} else if (mode === 'bare') {
  const httpServer = http.createServer();
  const io = new Server(httpServer, { serveClient: false });
  io.on('connection', (socket) => {
    socket.on('join', (p, ack) => {
      const key = `r:${p.room}`;
      const peers = [...(io.of('/').adapter.rooms.get(key) ?? [])].map((id) => ({ id, name: '' }));
      socket.join(key);
      socket.to(key).emit('peer-joined', { id: socket.id, name: p.name ?? '' });
      ack({ ok: true, selfId: socket.id, peers });
    });
    socket.on('signal', (p) => {
      io.to(p.to).emit('signal', { from: socket.id, data: p.data });
    });
  });
  await new Promise((r) => httpServer.listen(0, '127.0.0.1', r));
  port = httpServer.address().port;
  close = () => new Promise((r) => io.close(() => r()));
  sockets = () => io.engine.clientsCount;
  engine = io.engine;
} else {
  throw new Error(`usage: server.mjs real|bare (got ${mode})`);
}

// Diagnostics: BENCH_PING=<ms> sets both pingInterval and pingTimeout of either relay.
if (process.env.BENCH_PING)
  Object.assign(engine.opts, { pingInterval: Number(process.env.BENCH_PING), pingTimeout: Number(process.env.BENCH_PING) });
process.on('message', (m) => {
  if (m.type === 'stats') {
    if (m.gc && globalThis.gc) {
      globalThis.gc();
      globalThis.gc();
    }
    const mem = process.memoryUsage();
    process.send({
      type: 'stats',
      id: m.id,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      cpu: process.cpuUsage(),
      at: performance.now(),
      sockets: sockets(),
    });
  } else if (m.type === 'close') {
    void close().finally(() => process.exit(0));
  }
});
process.send({ type: 'ready', port });
