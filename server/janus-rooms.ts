/**
 * The relay's side of the SFU (issue 13, CONTRACT section 10): for a room the relay admitted a
 * peer to, pick one Janus of `JANUS_URLS`, make sure the VideoRoom room exists there (created
 * with `JANUS_ADMIN_KEY`: peers cannot create rooms), and hand the peer what it needs to join
 * it: the Janus URL, a core token and a room token minted with `JANUS_TOKEN_SECRET`
 * (server/janus-tokens.ts), the room id and its pin. When the room is empty, destroy it.
 *
 * Everything about a room on Janus but its place is a pure function of the relay room's name and
 * the configuration, computed the same way by every relay process (Redis mode):
 *
 * - which Janus: server/janus-assign.ts. Rendezvous hashing of the room over the URLs picks it;
 *   with Redis the pick is recorded (`<prefix>janus:<room>`, set if absent, TTL refreshed by each
 *   admission, deleted when the room is destroyed here), so every relay process sends a room's
 *   peers to the Janus its first peer got even while their `JANUS_URLS` differ (a deploy adding
 *   an instance). Without Redis, hashing alone.
 * - the Janus room id: `vc-` + HMAC of the room name (keyed with the admin key), so it cannot
 *   be guessed from the name: `listparticipants` and `exists` need no pin in VideoRoom, so a
 *   guessable id would let anyone with a core token (any peer admitted to any room) look into
 *   other rooms.
 * - its `pin` and `secret`: HMACs too, so every relay process can create the room (a second
 *   `create` finds it existing: fine) and destroy it. The `secret` (needed to destroy, edit,
 *   kick) never leaves the relay. The `pin` is handed to admitted peers; since it stays the
 *   same for a room name, what keeps a peer out once its admission is over is the room token
 *   (rooms are created with `signed_tokens: true`) and its expiry.
 */
import { createHmac } from 'node:crypto';
import { hashAssignment, pickJanus, type JanusAssignment } from './janus-assign.js';
import { JanusConnection, JanusError, VIDEOROOM_ERROR, type JanusHandle } from './janus-client.js';
import type { SfuAccess } from '../src/transports/relay-protocol.js';
import { DEFAULT_JANUS_TOKEN_TTL_SECONDS, mintJanusToken, mintRoomToken, tokenExpiry, VIDEOROOM_PLUGIN } from './janus-tokens.js';

/** Janus settings of the relay (`JANUS_URLS`, `JANUS_ADMIN_KEY`, `JANUS_TOKEN_SECRET`, `JANUS_TOKEN_TTL`). */
export interface JanusOptions {
  /** WebSocket URLs of the Janus instances (VideoRoom plugin, `string_ids = true`). */
  urls: string[];
  /** VideoRoom `admin_key` (never sent to peers, never logged). */
  adminKey: string;
  /** Janus `token_auth_secret` (never sent, never logged). */
  tokenSecret: string;
  /** Lifetime of minted tokens in seconds (default 86400). */
  ttlSeconds?: number;
  /** VideoRoom `videocodec` (default `vp8,h264`: both simulcast in Chromium and Firefox; Safari has H.264). */
  videocodec?: string;
}

/** What an admitted peer needs to join its room on Janus: the join ack's `sfu` (src/transports/relay-protocol.ts). */
export type { SfuAccess };
export { pickJanus };

const JANUS_URL = /^wss?:\/\/[^\s,]+$/;
const MIN_SECRET_CHARS = 16;

/**
 * Reads `JANUS_URLS` (comma list of ws:// or wss:// URLs), `JANUS_ADMIN_KEY`,
 * `JANUS_TOKEN_SECRET` and `JANUS_TOKEN_TTL` (seconds). Undefined when `JANUS_URLS` is unset.
 * Throws a clear error on a malformed value or a missing secret.
 */
export function janusOptionsFromEnv(env: NodeJS.ProcessEnv): JanusOptions | undefined {
  const urls = (env.JANUS_URLS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (urls.length === 0) {
    for (const name of ['JANUS_ADMIN_KEY', 'JANUS_TOKEN_SECRET', 'JANUS_TOKEN_TTL']) {
      if (env[name]) throw new Error(`${name} is set but JANUS_URLS is not: set JANUS_URLS to the Janus WebSocket URLs`);
    }
    return undefined;
  }
  for (const url of urls) if (!JANUS_URL.test(url)) throw new Error(`JANUS_URLS: "${url}" is not a ws:// or wss:// URL`);
  if (new Set(urls).size !== urls.length) throw new Error('JANUS_URLS names the same URL twice');
  for (const name of ['JANUS_ADMIN_KEY', 'JANUS_TOKEN_SECRET'] as const) {
    const value = env[name] ?? '';
    if (!value)
      throw new Error(
        `JANUS_URLS is set but ${name} is not (the relay needs it to ${name === 'JANUS_ADMIN_KEY' ? 'create rooms' : 'mint tokens'})`,
      );
    if (value.length < MIN_SECRET_CHARS) throw new Error(`${name} must be at least ${MIN_SECRET_CHARS} characters`);
  }
  let ttlSeconds: number | undefined;
  if (env.JANUS_TOKEN_TTL !== undefined && env.JANUS_TOKEN_TTL !== '') {
    ttlSeconds = Number(env.JANUS_TOKEN_TTL);
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60)
      throw new Error(`JANUS_TOKEN_TTL must be a whole number of seconds, at least 60, got "${env.JANUS_TOKEN_TTL}"`);
  }
  return { urls, adminKey: env.JANUS_ADMIN_KEY!, tokenSecret: env.JANUS_TOKEN_SECRET!, ...(ttlSeconds ? { ttlSeconds } : {}) };
}

const derive = (key: string, label: string, room: string) =>
  createHmac('sha256', key).update(`video-call janus ${label}\0${room}`).digest('base64url');

/** The room's id, pin and secret on Janus (see the file comment). */
export function janusRoomIdentity(adminKey: string, room: string): { id: string; pin: string; secret: string } {
  return {
    id: `vc-${derive(adminKey, 'room', room).slice(0, 24)}`,
    pin: derive(adminKey, 'pin', room).slice(0, 24),
    secret: derive(adminKey, 'secret', room),
  };
}

export interface JanusRoomsSettings {
  /** Log lines (no secrets, no tokens). */
  log?: (line: string) => void;
  /** Timeout of a connection or request to Janus (default 10 s). */
  timeoutMs?: number;
}

/** The relay's orchestration of VideoRoom rooms over the Janus instances of {@link JanusOptions}. */
export class JanusRooms {
  private readonly log: (line: string) => void;
  private readonly timeoutMs: number;
  private assignment: JanusAssignment;
  /** One create per room and Janus at a time in this process (concurrent admissions share it). */
  private readonly creating = new Map<string, Promise<void>>();
  /** Rooms this process created or found on Janus (and has not released) → that Janus: later admissions skip the round trip. */
  private readonly known = new Map<string, string>();
  /** The Janus this process last sent each room's peers to (until it releases the room). */
  private readonly placed = new Map<string, string>();

  constructor(
    readonly options: JanusOptions,
    settings: JanusRoomsSettings = {},
  ) {
    this.log = settings.log ?? (() => {});
    this.timeoutMs = settings.timeoutMs ?? 10_000;
    this.assignment = hashAssignment(options.urls);
  }

  /** Decide rooms' Janus through `assignment` from now on (the Redis record, server/janus-assign.ts). */
  assignWith(assignment: JanusAssignment): void {
    this.assignment = assignment;
  }

  /** The room's id on Janus, and the Janus this process sent its peers to (before any: where hashing puts it). No network. */
  locate(room: string): { url: string; id: string } {
    return { url: this.placed.get(room) ?? pickJanus(this.options.urls, room), id: janusRoomIdentity(this.options.adminKey, room).id };
  }

  /**
   * For a peer the relay just admitted to `room` (of at most `maxPeers` peers): makes sure the
   * VideoRoom room exists on its Janus, then mints the peer's tokens. Rejects when Janus cannot
   * be reached or refuses (the caller answers the join without `sfu`, or with an error).
   * `fresh`: ask Janus even if this process already made the room (it may have restarted since).
   */
  async admit(
    room: string,
    { maxPeers, nowMs = Date.now(), fresh = false }: { maxPeers: number; nowMs?: number; fresh?: boolean },
  ): Promise<SfuAccess> {
    const url = await this.assignment.assign(room);
    this.placed.set(room, url);
    const { id, pin } = janusRoomIdentity(this.options.adminKey, room);
    if (fresh || this.known.get(room) !== url) await this.ensureRoom(room, url, maxPeers);
    const ttlSeconds = this.options.ttlSeconds ?? DEFAULT_JANUS_TOKEN_TTL_SECONDS;
    const token = mintJanusToken(this.options.tokenSecret, { ttlSeconds, nowMs });
    const roomToken = mintRoomToken(this.options.tokenSecret, id, { ttlSeconds, nowMs });
    return { url, token, roomToken, room: id, pin, expires: tokenExpiry(token) };
  }

  /** Creates the room on Janus `url` unless it exists (another relay process may have created it). */
  ensureRoom(room: string, url: string, maxPeers: number): Promise<void> {
    const key = `${url}\0${room}`;
    const running = this.creating.get(key);
    if (running) return running;
    const p = this.create(room, url, maxPeers).finally(() => this.creating.delete(key));
    this.creating.set(key, p);
    return p;
  }

  private async create(room: string, url: string, maxPeers: number): Promise<void> {
    const { id, pin, secret } = janusRoomIdentity(this.options.adminKey, room);
    await this.withVideoRoom(url, async (h) => {
      try {
        await h.request({
          request: 'create',
          admin_key: this.options.adminKey,
          room: id,
          permanent: false,
          description: 'video-call room',
          is_private: true,
          secret,
          pin,
          signed_tokens: true,
          publishers: maxPeers,
          videocodec: this.options.videocodec ?? 'vp8,h264',
          audiocodec: 'opus',
          notify_joining: true,
        });
        this.log(`janus create room=${id} url=${url}`);
      } catch (e) {
        if (!(e instanceof JanusError && e.code === VIDEOROOM_ERROR.ROOM_EXISTS)) throw e;
      }
    });
    this.known.set(room, url);
  }

  /**
   * The room is empty on the relay: destroy it on its Janus, unless Janus still lists
   * participants in it (a peer admitted through another relay process, or still leaving).
   * `destroyed`, `busy` (left alone) or `absent` (no such room). Unless `busy`, the room's
   * Janus is forgotten (with Redis: the record deleted if it still names that Janus), so its
   * next admission picks afresh.
   */
  async release(room: string): Promise<'destroyed' | 'busy' | 'absent'> {
    const { url, id } = this.locate(room);
    const { secret } = janusRoomIdentity(this.options.adminKey, room);
    this.known.delete(room);
    this.placed.delete(room);
    const outcome = await this.withVideoRoom(url, async (h) => {
      try {
        const list = await h.request({ request: 'listparticipants', room: id });
        if (Array.isArray(list.participants) && list.participants.length > 0) return 'busy';
        await h.request({ request: 'destroy', room: id, secret, permanent: false });
        this.log(`janus destroy room=${id} url=${url}`);
        return 'destroyed';
      } catch (e) {
        if (e instanceof JanusError && e.code === VIDEOROOM_ERROR.NO_SUCH_ROOM) return 'absent';
        throw e;
      }
    });
    if (outcome !== 'busy') await this.assignment.forget(room, url);
    return outcome;
  }

  /** Runs `fn` with a VideoRoom handle in a fresh session of the relay's own (its token minted for the occasion). */
  private async withVideoRoom<T>(url: string, fn: (h: JanusHandle) => Promise<T>): Promise<T> {
    const conn = await JanusConnection.open(url, { timeoutMs: this.timeoutMs });
    try {
      const session = await conn.createSession(mintJanusToken(this.options.tokenSecret, { ttlSeconds: 300 }));
      try {
        return await fn(await session.attach(VIDEOROOM_PLUGIN));
      } finally {
        await session.destroy().catch(() => {});
      }
    } finally {
      conn.close();
    }
  }
}
