/**
 * Error codes carried by `vc-error` events, relay acks and rejected promises.
 * The contract guarantees at least the first six; the rest are finer-grained.
 */
export type VideoCallErrorCode =
  | 'permission-denied'
  | 'no-device'
  | 'bad-config'
  | 'transport'
  | 'room-full'
  | 'unauthorized'
  | 'bad-request'
  | 'rate-limited'
  | 'not-joined'
  | 'invalid-state'
  /**
   * A connection to a peer could not be made, or was lost and could not be restored (ICE); the
   * message says whether a TURN server was configured and what to do.
   */
  | 'ice-failed'
  /**
   * The `background` effect could not start or stopped (the browser cannot process frames, the
   * model or the image did not load, or the device is too slow): the plain camera is shown and sent.
   */
  | 'background-failed'
  /** This browser cannot do what was asked (recording: no MediaRecorder, or no WebM). */
  | 'not-supported'
  /**
   * `noise-suppression="strong"` could not be used (its worklet or wasm did not load, the browser
   * has no AudioWorklet, or it stopped working): the browser's own noise suppression is used.
   */
  | 'noise-suppression-failed';

const CODES: ReadonlySet<string> = new Set<VideoCallErrorCode>([
  'permission-denied',
  'no-device',
  'bad-config',
  'transport',
  'room-full',
  'unauthorized',
  'bad-request',
  'rate-limited',
  'not-joined',
  'invalid-state',
  'ice-failed',
  'not-supported',
]);

/** Whether `code` is one of the {@link VideoCallErrorCode}s (for codes from the wire). */
export function isVideoCallErrorCode(code: unknown): code is VideoCallErrorCode {
  return typeof code === 'string' && CODES.has(code);
}

/** An `Error` with a machine-readable {@link VideoCallErrorCode}. */
export class VideoCallError extends Error {
  readonly code: VideoCallErrorCode;
  constructor(code: VideoCallErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VideoCallError';
    this.code = code;
  }
}

/** Returns `err` if it already is a VideoCallError, else wraps it with `fallback`. */
export function toVideoCallError(err: unknown, fallback: VideoCallErrorCode): VideoCallError {
  if (err instanceof VideoCallError) return err;
  // Errors from another copy of this code (an on-demand chunk) keep their code.
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e && isVideoCallErrorCode(e.code) && typeof e.message === 'string') {
    return new VideoCallError(e.code, e.message, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new VideoCallError(fallback, message, { cause: err });
}
