/**
 * The relay's own HTTP: `GET /healthz` (200, JSON counts for this process) and the
 * static mounts (`--demo`, `--static`); anything else is 404. Socket.IO handles its
 * own path on the same server.
 */
import http from 'node:http';
import { createStaticHandler, type StaticMount } from './static.js';

/** What `/healthz` reports besides `ok`. */
export interface Health {
  /** Seconds since the relay was built. */
  uptime: number;
  /** Connections of this process. */
  sockets: number;
  /** Rooms with members on this process (both protocols). */
  rooms: number;
  /** Whether rooms are shared through Redis. */
  redis: boolean;
}

/** The HTTP server, its request handler in place. */
export function createHttpServer(opts: { static: StaticMount[]; health: () => Health; log: (line: string) => void }): http.Server {
  const serveStatic = createStaticHandler(opts.static);

  async function handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://relay').pathname;
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (pathname === '/healthz') {
      const body = JSON.stringify({ ok: true, ...opts.health() });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(body);
      return;
    }
    if (await serveStatic(req, res, pathname)) return;
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not Found');
  }

  return http.createServer((req, res) => {
    void handleHttp(req, res).catch((err: unknown) => {
      opts.log(`error http ${(err as Error).message}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
}
