/**
 * `video-call-relay`: runs the reference relay.
 *
 *   video-call-relay [--port N] [--host H] [--static [PREFIX=]DIR]... [--demo]
 *   RELAY_SECRET=... video-call-relay --mint ROOM [--ttl SECONDS]
 *
 * Settings from the environment: PORT (default 3000), HOST, ALLOWED_ORIGINS,
 * MAX_PEERS_PER_ROOM, MAX_CONNECTIONS_PER_IP, RELAY_SECRET, REDIS_URL, REDIS_HEARTBEAT_MS,
 * SEED_PROTOCOL, TURN_URLS, TURN_SECRET, TURN_TTL, JANUS_URLS, JANUS_ADMIN_KEY, JANUS_TOKEN_SECRET,
 * JANUS_TOKEN_TTL. SIGTERM / SIGINT shut it down gracefully (peers are told; exit 0 within
 * about a second, clients that stopped reading are cut rather than waited for).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRelay, mintRoomToken, relayOptionsFromEnv, type Relay, type RelayOptions, type StaticMount } from './app.js';
import { escapeLogLine } from './log.js';

const USAGE = `Usage: video-call-relay [options]

  --port N              port to listen on (default: $PORT or 3000; 0 = any free port)
  --host H              interface to bind (default: $HOST or all interfaces)
  --static [PREFIX=]DIR serve DIR at PREFIX (default /); repeatable
  --demo                serve the package's demo/ at / and dist/ at /dist/
  --mint ROOM           print a token for ROOM signed with $RELAY_SECRET, and exit
  --ttl SECONDS         lifetime of a minted token (default 3600)
  -h, --help            this help

Environment: PORT, HOST, ALLOWED_ORIGINS (comma list), MAX_PEERS_PER_ROOM (8),
MAX_CONNECTIONS_PER_IP (20; 0 = no cap), RELAY_SECRET (require HS256 JWT room grants), REDIS_URL (scale out), REDIS_HEARTBEAT_MS,
SEED_PROTOCOL (on/off; default on unless RELAY_SECRET is set),
TURN_URLS (comma list of turn:/turns:/stun: URLs handed to peers), TURN_SECRET (the TURN server's
static-auth-secret: credentials are minted per peer), TURN_TTL (their lifetime in seconds, 86400),
JANUS_URLS (comma list of ws:/wss: URLs of Janus servers: rooms past the mesh move there),
JANUS_ADMIN_KEY (VideoRoom admin_key), JANUS_TOKEN_SECRET (Janus token_auth_secret),
JANUS_TOKEN_TTL (lifetime of the Janus tokens in seconds, 86400).`;

/** The package root: the nearest ancestor of this file with a package.json. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

type CliArgs = ReturnType<typeof parseCli>;

function parseCli() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        static: { type: 'string', multiple: true },
        demo: { type: 'boolean' },
        mint: { type: 'string' },
        ttl: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const args = parseCli();
  if (args.help) {
    console.log(USAGE);
    return;
  }
  if (args.mint !== undefined) return mint(args.mint, args.ttl);

  const portText = args.port ?? (process.env.PORT || '3000');
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`Invalid port "${portText}"`);
    process.exit(2);
  }
  const host = args.host ?? (process.env.HOST || undefined);
  const mounts = staticMounts(args);

  let options;
  try {
    options = relayOptionsFromEnv(process.env);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  const relay = createRelay({ ...options, static: mounts });
  stopOnSignals(relay);

  const actual = await relay.listen(port, host);
  printBanner(options, mounts, host, actual);
}

/** `--mint ROOM [--ttl SECONDS]`: prints a room grant signed with $RELAY_SECRET. */
async function mint(room: string, ttlText: string | undefined): Promise<void> {
  const secret = process.env.RELAY_SECRET;
  const ttl = Number(ttlText ?? '3600');
  if (!secret) {
    console.error('--mint needs RELAY_SECRET in the environment');
    process.exit(2);
  }
  if (!Number.isInteger(ttl) || ttl < 1) {
    console.error(`Invalid --ttl "${ttlText}"`);
    process.exit(2);
  }
  console.log(await mintRoomToken(secret, room, ttl));
}

/** `--static [PREFIX=]DIR`... and `--demo`. */
function staticMounts(args: CliArgs): StaticMount[] {
  const mounts: StaticMount[] = [];
  for (const spec of args.static ?? []) {
    const eq = spec.indexOf('=');
    mounts.push(eq > 0 && spec.startsWith('/') ? { prefix: spec.slice(0, eq), dir: spec.slice(eq + 1) } : { prefix: '/', dir: spec });
  }
  if (args.demo) {
    const root = packageRoot();
    mounts.push({ prefix: '/dist/', dir: path.join(root, 'dist') }, { prefix: '/', dir: path.join(root, 'demo') });
  }
  return mounts;
}

/** SIGTERM / SIGINT: graceful shutdown, exit 0 (1 if it fails or takes over 5 s; a second signal exits at once). */
function stopOnSignals(relay: Relay): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      console.log(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    console.log(`${signal}: shutting down`);
    setTimeout(() => {
      console.error('shutdown took too long: exiting');
      process.exit(1);
    }, 5000).unref();
    relay.close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(escapeLogLine(`shutdown failed: ${(e as Error).message}`));
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function printBanner(options: RelayOptions, mounts: StaticMount[], host: string | undefined, port: number): void {
  const shownHost = !host || host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  console.log(`video-call relay listening on http://${shownHost}:${port}/`);
  if (options.redisUrl) console.log('rooms shared through Redis');
  if (options.secret) console.log('joins require a room token (RELAY_SECRET is set)');
  // The URLs only: the secret is never printed.
  if (options.turn) console.log(escapeLogLine(`TURN credentials minted for each admitted peer, for ${options.turn.urls.join(', ')}`));
  if (options.janus) console.log(escapeLogLine(`SFU: rooms past the mesh on Janus at ${options.janus.urls.join(', ')}`));
  if (options.allowedOrigins) {
    console.log(escapeLogLine(`allowed origins: ${options.allowedOrigins.join(', ')}`));
    // Only listed origins may connect from a browser, this relay's own pages included.
    const own = `http://${shownHost}:${port}`;
    if (mounts.length > 0 && !options.allowedOrigins.some((o) => o.replace(/\/+$/, '').toLowerCase() === own)) {
      console.log(`note: the pages served here connect only if their origin (e.g. ${own}) is in ALLOWED_ORIGINS`);
    }
  }
}

main().catch((e: unknown) => {
  console.error(escapeLogLine(`video-call-relay: ${(e as Error).message}`));
  process.exit(1);
});
