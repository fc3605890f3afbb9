/**
 * Graceful shutdown: every room hears that this process's peers are gone
 * (`peer-left`, while the Redis adapter still reaches the other processes), the
 * presence store removes this process's members, the connections are dropped
 * (clients reconnect, behind a load balancer to another process), and the Redis
 * connections close. It never waits on a client: a connection still open after a
 * short grace (a client that stopped reading never completes the WebSocket closing
 * handshake) is destroyed, so shutdown takes well under a second.
 */
import type http from 'node:http';
import type { Socket } from 'node:net';
import { ROOM, type RelayContext } from './context.js';
import { CLOSE_GRACE_MS } from './engine.js';
import { quote } from './log.js';

/** Tracks every TCP connection of the HTTP server (WebSockets included), for {@link shutdown}. */
export function trackConnections(httpServer: http.Server): Set<Socket> {
  const connections = new Set<Socket>();
  httpServer.on('connection', (conn: Socket) => {
    connections.add(conn);
    conn.once('close', () => connections.delete(conn));
  });
  return connections;
}

export async function shutdown(ctx: RelayContext, httpServer: http.Server, connections: Set<Socket>): Promise<void> {
  const { io, log } = ctx;
  // Tell every room this process's peers are gone, while the adapter still reaches other processes.
  for (const [sid, state] of ctx.states) {
    const id = state.peerId;
    if (id === undefined) continue;
    for (const room of state.rooms.keys()) {
      io.to(ROOM(room)).except(sid).emit('peer-left', { id });
      log(`leave room=${quote(room)} id=${id} reason=relay-shutdown`);
    }
    state.rooms.clear();
  }
  await ctx.presence.close();
  const closed = io.close();
  httpServer.closeAllConnections();
  // Connections still open after a moment are cut, so shutdown never waits on a client.
  const cut = setTimeout(() => {
    for (const conn of connections) conn.destroy();
  }, CLOSE_GRACE_MS);
  await closed;
  clearTimeout(cut);
  // Redis down at shutdown must not hang it: drop what is not connected.
  await Promise.allSettled(ctx.redisClients.map((c) => (c.isReady ? c.close() : c.isOpen ? c.destroy() : undefined)));
}
