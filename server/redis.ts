/**
 * Redis wiring (`REDIS_URL`): three connections (publish, subscribe, presence), the
 * Socket.IO Redis adapter so rooms span every relay process, the record of each room's
 * Janus (with `JANUS_URLS`: server/janus-assign.ts), and the presence store in Redis,
 * whose sweep of a dead process announces its peers gone. While Redis is unreachable
 * nothing piles up: publishing and presence fail fast (the client gets `transport`), a
 * room's Janus is picked by hashing, and the failures are logged once per outage.
 */
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { ROOM, type RelayContext } from './context.js';
import { quote } from './log.js';
import { RedisJanusAssignment } from './janus-assign.js';
import { DEFAULT_JANUS_TOKEN_TTL_SECONDS } from './janus-tokens.js';
import { describeError, RedisPresence, type RedisCommands } from './presence-redis.js';
import { releaseSfu } from './relay-handlers.js';

/** How long a presence command may wait for Redis's answer before the request fails with `transport`. */
const REDIS_COMMAND_TIMEOUT_MS = 2000;
/** Commands a Redis connection of the relay's may have waiting (unsent or unanswered) before new ones fail. */
const MAX_REDIS_QUEUE = 10_000;

export interface RedisSettings {
  url: string;
  /** Prefix of the keys and channels (default `video-call:`). */
  prefix?: string;
  /** Presence heartbeat (default 2000 ms). */
  heartbeatMs?: number;
}

/** Connects to Redis (throws, with the reason, if it cannot at start-up), then puts the adapter and the Redis presence in place. */
export async function connectRedis(ctx: RelayContext, settings: RedisSettings): Promise<void> {
  const prefix = settings.prefix ?? 'video-call:';
  const { pub, sub, store } = await openClients(ctx, settings.url);
  handlePublishFailures(ctx, pub);
  ctx.io.adapter(createAdapter(pub, sub, { key: `${prefix}sio` }));
  ctx.presence = new RedisPresence(store as unknown as RedisCommands, {
    prefix,
    heartbeatMs: settings.heartbeatMs ?? 2000,
    commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS,
    log: ctx.log,
    onGone: (gone, reason) => {
      for (const { room, id } of gone) {
        ctx.io.to(ROOM(room)).emit('peer-left', { id });
        ctx.log(`leave room=${quote(room)} id=${id} reason=${reason}`);
      }
      // A dead process's peers were the last in a room: nobody else will release it on Janus.
      for (const room of new Set(gone.map((g) => g.room))) void releaseSfu(ctx, room);
    },
  });
  await ctx.presence.start();
  if (ctx.janus) {
    // A room's Janus is recorded for every relay process (server/janus-assign.ts) for as long as
    // its peers' tokens last: the element refreshes them (`sfu-refresh`, an admission) before then.
    const ttlSeconds = ctx.janus.options.ttlSeconds ?? DEFAULT_JANUS_TOKEN_TTL_SECONDS;
    ctx.janus.assignWith(
      new RedisJanusAssignment(store as unknown as RedisCommands, {
        urls: ctx.janus.options.urls,
        prefix,
        ttlMs: (ttlSeconds + 600) * 1000,
        timeoutMs: REDIS_COMMAND_TIMEOUT_MS,
        log: ctx.log,
      }),
    );
  }
}

/** Opens the three connections (recorded in `ctx.redisClients`); errors are logged once per change. */
async function openClients(ctx: RelayContext, url: string) {
  let ready = false;
  // Publishing (messages to the other processes) has no offline queue either: while Redis
  // is unreachable, a broadcast is dropped at once (the peers on other processes cannot be
  // reached anyway) instead of piling up in memory and being delivered, stale, once Redis
  // is back. And at most MAX_REDIS_QUEUE commands wait for their answers, so a Redis that
  // stalls (connection up, nothing answered) does not make them pile up without end either.
  const pub = createClient({
    url,
    disableOfflineQueue: true,
    commandsQueueMaxLength: MAX_REDIS_QUEUE,
    socket: {
      // At start-up, fail after a few tries (the CLI exits with the reason); once up, retry forever.
      reconnectStrategy: (retries: number, cause: Error) =>
        !ready && retries >= 3 ? new Error(`Cannot connect to Redis at ${url}: ${cause.message}`) : Math.min(100 * 2 ** retries, 2000),
    },
  });
  const sub = pub.duplicate({ disableOfflineQueue: false, commandsQueueMaxLength: undefined });
  // Presence has a connection of its own that fails fast while Redis is unreachable: a
  // command is refused at once instead of waiting in node-redis's offline queue, and one
  // not answered in time fails (presence's own deadline, which also covers a command
  // already written to a Redis that stalled). So a join during an outage is answered
  // (`transport`) instead of hanging, and nothing stale runs late once Redis is back.
  const store = pub.duplicate({ disableOfflineQueue: true, commandOptions: { timeout: REDIS_COMMAND_TIMEOUT_MS } });
  let lastError = '';
  const clients = [pub, sub, store];
  for (const client of clients) {
    client.on('error', (e: Error) => {
      // Reconnection attempts repeat the same error: log it once per change.
      if (e.message !== lastError) ctx.log(`error redis ${(lastError = e.message)}`);
    });
    client.on('ready', () => {
      if (lastError) ctx.log('redis connected again');
      lastError = '';
    });
  }
  ctx.redisClients = clients;
  try {
    await Promise.all(clients.map((c) => c.connect()));
  } catch (e) {
    for (const c of clients) if (c.isOpen) c.destroy();
    throw e;
  }
  ready = true;
  return { pub, sub, store };
}

/**
 * The adapter publishes without handling a failure (every publish while Redis is
 * unreachable rejects at once, and one in flight when it goes away): that must not become
 * an unhandled rejection that ends the process. Logged once per outage: every broadcast
 * fails alike meanwhile.
 */
function handlePublishFailures(ctx: RelayContext, pub: Awaited<ReturnType<typeof openClients>>['pub']): void {
  const publish = pub.publish.bind(pub);
  let publishFailing = false;
  (pub as { publish: unknown }).publish = (...args: Parameters<typeof publish>) =>
    publish(...args).then(
      (n) => {
        publishFailing = false;
        return n;
      },
      (e: unknown) => {
        if (!publishFailing)
          ctx.log(`error redis publish ${describeError(e)} (messages to other relay processes are dropped until Redis is back)`);
        publishFailing = true;
        return 0;
      },
    );
}
