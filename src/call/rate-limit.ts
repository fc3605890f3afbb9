/**
 * Limits on what one remote peer may make us process. Its data channel is its own to fill: a
 * peer (a bug, or someone at the console) can send thousands of messages a second, and each one
 * handed on (a chat line rendered, a tile updated) costs this tab far more than it cost them.
 */

/** Chat messages from one peer: this many a second on average… */
export const CHAT_PER_SECOND = 5;
/** …with bursts of up to this many (a pasted list, a few quick lines). */
export const CHAT_BURST = 20;
/** Every data-channel message from one peer (ping, media state, chat…): generous, far above normal use. */
export const MESSAGES_PER_SECOND = 100;
export const MESSAGES_BURST = 300;
/**
 * Reactions and raised hands from one peer: this many a second, in bursts of up to
 * {@link SOCIAL_BURST}. Reactions past it are dropped (not shown, no event); a hand past it is still
 * shown, but not announced to a screen reader.
 */
export const SOCIAL_PER_SECOND = 2;
export const SOCIAL_BURST = 8;

/** A token bucket: `rate` tokens a second, at most `burst` in hand; one per thing let through. */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    readonly rate: number,
    readonly burst: number,
    now = performance.now(),
  ) {
    this.#tokens = burst;
    this.#at = now;
  }

  #refill(now: number): void {
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.rate);
    this.#at = now;
  }

  /** Whether the bucket is full again (the sender has been quiet long enough). */
  full(now = performance.now()): boolean {
    this.#refill(now);
    return this.#tokens >= this.burst;
  }

  /** Takes a token: true when there was one (let it through), false when over the limit (drop it). */
  take(now = performance.now()): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/**
 * One peer's receive limits: every message (checked before it is even parsed), chat, and
 * reactions with raised hands. What is over a limit is dropped; `onLimited` is called once per burst (again
 * only after the peer has been quiet long enough for every bucket to fill up).
 */
export class ReceiveLimits {
  #all = new TokenBucket(MESSAGES_PER_SECOND, MESSAGES_BURST);
  #chat = new TokenBucket(CHAT_PER_SECOND, CHAT_BURST);
  #social = new TokenBucket(SOCIAL_PER_SECOND, SOCIAL_BURST);
  #told = false;

  constructor(private readonly onLimited: () => void) {}

  /** A data-channel message arrived (any kind, before parsing): false to drop it. */
  message(): boolean {
    return this.#admit(this.#all);
  }

  /** A chat message arrived: false to drop it. */
  chat(): boolean {
    return this.#admit(this.#chat);
  }

  /** A reaction arrived, or a hand was raised: false to drop the reaction (or not announce the hand). */
  social(): boolean {
    return this.#admit(this.#social);
  }

  #admit(bucket: TokenBucket): boolean {
    const now = performance.now();
    if (this.#told && this.#all.full(now) && this.#chat.full(now) && this.#social.full(now)) this.#told = false;
    if (bucket.take(now)) return true;
    if (!this.#told) {
      this.#told = true;
      this.onLimited();
    }
    return false;
  }
}
