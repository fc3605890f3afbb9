/**
 * Payload checks for the relay. Everything a client sends is untrusted: these
 * helpers never throw and never recurse, so hostile shapes (deep nesting,
 * `__proto__` keys, huge strings, binary attachments) cannot hurt the process.
 */

/** A plain JSON object (not null, not an array, not a Buffer). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Reads an own property only (never the prototype chain). */
export function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

// C0/C1 control characters (incl. newlines): refused in ids so logs and keys stay clean.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A room id: a non-empty string of at most `max` characters without control characters. */
export function checkRoom(value: unknown, max = 128): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) return null;
  return CONTROL.test(value) ? null : value;
}

/** A display name: absent/empty, or a string of at most `max` characters (control characters removed). */
export function checkName(value: unknown, max = 64): string | null {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string' || value.length > max) return null;
  return value.replace(new RegExp(CONTROL.source, 'g'), '');
}

/** Result of {@link measureJson}. */
export type Measure = { ok: true; bytes: number } | { ok: false; message: string };

/**
 * Walks `value` without recursion and checks that it is plain JSON data
 * (objects, arrays, strings, finite numbers, booleans, null) no deeper than
 * `maxDepth` and, serialised, roughly no larger than `maxBytes`. Stops as soon
 * as a bound is exceeded, so its cost is bounded by the bounds.
 */
export function measureJson(value: unknown, maxBytes: number, maxDepth: number): Measure {
  // Two parallel stacks, reused between calls (the walk never re-enters), so a message costs no
  // allocation but its objects' key lists: this runs on every signal the relay forwards.
  const values = STACK_VALUES;
  const depths = STACK_DEPTHS;
  let top = 0;
  let bytes = 0;
  values[top] = value;
  depths[top++] = 0;
  try {
    while (top > 0) {
      const v = values[--top];
      const depth = depths[top];
      values[top] = undefined;
      if (depth > maxDepth) return { ok: false, message: `data nested deeper than ${maxDepth}` };
      switch (typeof v) {
        case 'string':
          bytes += v.length + 2;
          break;
        case 'number':
          if (!Number.isFinite(v)) return { ok: false, message: 'data is not JSON' };
          bytes += 24;
          break;
        case 'boolean':
          bytes += 5;
          break;
        case 'undefined':
          bytes += 4;
          break;
        case 'object':
          if (v === null) {
            bytes += 4;
          } else if (Array.isArray(v)) {
            bytes += 2 + v.length;
            if (bytes > maxBytes) break;
            for (let i = 0; i < v.length; i++) {
              values[top] = v[i];
              depths[top++] = depth + 1;
            }
          } else if (isPlainObject(v)) {
            bytes += 2;
            for (const key of Object.keys(v)) {
              bytes += key.length + 4;
              if (bytes > maxBytes) break;
              values[top] = v[key];
              depths[top++] = depth + 1;
            }
          } else {
            return { ok: false, message: 'data is not JSON (binary or exotic object)' };
          }
          break;
        default:
          return { ok: false, message: 'data is not JSON' };
      }
      if (bytes > maxBytes) return { ok: false, message: `data larger than ${maxBytes} bytes` };
    }
    return { ok: true, bytes };
  } finally {
    // Drop references to the caller's data (the stacks outlive the call).
    for (let i = 0; i < top; i++) values[i] = undefined;
  }
}

const STACK_VALUES: unknown[] = [];
const STACK_DEPTHS: number[] = [];

/**
 * A token bucket: `capacity` tokens, refilled continuously at `perSecond`.
 * `take()` spends one token and says whether there was one.
 */
export class TokenBucket {
  #tokens: number;
  #last: number;
  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#tokens = capacity;
    this.#last = now();
  }

  take(): boolean {
    const t = this.now();
    this.#tokens = Math.min(this.capacity, this.#tokens + ((t - this.#last) / 1000) * this.perSecond);
    this.#last = t;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
