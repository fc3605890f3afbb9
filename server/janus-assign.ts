/**
 * Which Janus of `JANUS_URLS` serves a room (issue 13, CONTRACT section 10).
 *
 * The first choice is rendezvous (highest-random-weight) hashing of the room over the URLs:
 * stable whatever the order of the list, even (rooms spread over the instances), and adding or
 * removing an instance moves only about 1/n of the rooms. A single relay process needs nothing
 * more ({@link hashAssignment}).
 *
 * Several relay processes (Redis mode) also record the choice in Redis
 * ({@link RedisJanusAssignment}): hashing alone splits a room that is already in a call as soon
 * as two processes hold different lists (an instance added during a deploy, one process
 * restarted before another), since each would send its peers to a different Janus. With the
 * record, the first admission's choice holds for every process until the room is destroyed:
 *
 * - `<prefix>janus:<room>` holds the room's Janus URL. Set if absent, to the hashed choice; kept
 *   while it names a URL of this process's list (its TTL refreshed by every admission: joins and
 *   `sfu-refresh`, which the element sends before its tokens expire); replaced by this process's
 *   choice when it names a Janus this process does not know (removed from its list).
 * - Deleted when the room is destroyed on that Janus because it is empty, only if it still names
 *   that Janus (compare and delete, in one script). A relay that crashed leaves it to its TTL.
 * - Redis out of reach (or not answering within 2 s): the hashed choice, logged once per outage;
 *   a join is never refused for it.
 */
import { createHash } from 'node:crypto';
import { describeError, timed, type RedisCommands } from './presence-redis.js';

/** How the relay decides (and forgets) which Janus serves a room. */
export interface JanusAssignment {
  /** The Janus URL of `room` for an admission (claims it, or refreshes the claim). Never rejects. */
  assign(room: string): Promise<string>;
  /** `room` was destroyed on `url` (it was empty): forget the choice if it still names `url`. Never rejects. */
  forget(room: string, url: string): Promise<void>;
}

/** The Janus of `urls` for `room`: rendezvous hashing (independent of the order of `urls`). */
export function pickJanus(urls: readonly string[], room: string): string {
  if (urls.length === 0) throw new Error('no Janus URL');
  let best = '';
  let bestWeight = -1n;
  for (const url of urls) {
    const weight = createHash('sha256').update(url).update('\0').update(room).digest().readBigUInt64BE(0);
    if (weight > bestWeight || (weight === bestWeight && url < best)) {
      best = url;
      bestWeight = weight;
    }
  }
  return best;
}

/** Hashing alone, nothing stored (a single relay process). */
export function hashAssignment(urls: readonly string[]): JanusAssignment {
  return { assign: (room) => Promise.resolve(pickJanus(urls, room)), forget: () => Promise.resolve() };
}

// KEYS[1]: the room's key. ARGV[1]: TTL (ms), ARGV[2]: the hashed choice, ARGV[3..]: this process's URLs.
// Returns the room's Janus URL.
const ASSIGN = `
local cur = redis.call('GET', KEYS[1])
if cur then
  for i = 3, #ARGV do
    if ARGV[i] == cur then
      redis.call('PEXPIRE', KEYS[1], ARGV[1])
      return cur
    end
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1])
return ARGV[2]`;

// KEYS[1]: the room's key. ARGV[1]: the URL it must still hold. Returns 1 when deleted.
const FORGET = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Options of {@link RedisJanusAssignment}. */
export interface RedisJanusAssignmentOptions {
  /** This process's `JANUS_URLS`. */
  urls: readonly string[];
  /** Prefix of the relay's keys (`REDIS_PREFIX`, default `video-call:`). */
  prefix: string;
  /** Lifetime of a room's record after its last admission (ms). */
  ttlMs: number;
  /** How long to wait for Redis before falling back to hashing (default 2000 ms). */
  timeoutMs?: number;
  /** Log lines (Redis failures, once per outage). */
  log: (line: string) => void;
}

/** The room's Janus recorded in Redis, the same for every relay process (see the file comment). */
export class RedisJanusAssignment implements JanusAssignment {
  /** The last failure, while they go on (logged once). */
  #failing: string | undefined;

  constructor(
    private readonly client: Pick<RedisCommands, 'eval'>,
    private readonly opts: RedisJanusAssignmentOptions,
  ) {}

  /** The key of `room`'s record. */
  key(room: string): string {
    return `${this.opts.prefix}janus:${room}`;
  }

  async assign(room: string): Promise<string> {
    const choice = pickJanus(this.opts.urls, room);
    const args = [String(this.opts.ttlMs), choice, ...this.opts.urls];
    const url = await this.run(this.client.eval(ASSIGN, { keys: [this.key(room)], arguments: args }));
    return typeof url === 'string' ? url : choice;
  }

  async forget(room: string, url: string): Promise<void> {
    await this.run(this.client.eval(FORGET, { keys: [this.key(room)], arguments: [url] }));
  }

  /** Redis's answer, or undefined (logged) when it fails or takes too long. */
  private async run(command: Promise<unknown>): Promise<unknown> {
    try {
      const answer = await timed(command, this.opts.timeoutMs ?? 2000);
      if (this.#failing !== undefined) this.opts.log('janus-assign through redis again');
      this.#failing = undefined;
      return answer;
    } catch (e) {
      command.catch(() => {});
      const reason = describeError(e);
      // Once per outage: its first failure (the next ones may read differently: "Socket closed", then "offline").
      if (this.#failing === undefined)
        this.opts.log(`error redis janus-assign ${reason} (rooms go to the Janus hashing picks until Redis answers)`);
      this.#failing = reason;
      return undefined;
    }
  }
}
