/**
 * How every client event is handled, whichever protocol: the handler gets the
 * payload as `unknown` (whatever the event map says, a client may send anything:
 * each handler validates it) and the ack if the client passed one; a refusal or
 * failure (thrown or rejected) is logged, bounded, and answered in the ack.
 * Handlers never throw into Socket.IO.
 */
import { describeError } from './presence-redis.js';
import {
  errorAck,
  RequestError,
  safeAck,
  type Ack,
  type ClientEvent,
  type IoSocket,
  type RelayContext,
  type SocketState,
} from './context.js';

/** A handler of one client event: validates `payload`, may answer `ack`, throws a {@link RequestError} to refuse. */
export type Handler = (payload: unknown, ack: Ack | undefined) => Promise<unknown> | unknown;

/** Registers `fn` for `event` on a socket; it gets `(payload, ack?)` whatever the client sent, and never throws. */
export function handle(ctx: RelayContext, socket: IoSocket, state: SocketState, event: ClientEvent, fn: Handler): void {
  (socket as unknown as { on(e: ClientEvent, l: (...args: unknown[]) => void): void }).on(event, (...args) => {
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as Ack) : undefined;
    try {
      const result = fn(args[0], ack);
      if (result instanceof Promise) result.catch((e: unknown) => failed(ctx, socket, state, event, ack, e));
    } catch (e) {
      failed(ctx, socket, state, event, ack, e);
    }
  });
}

/** A handler threw or rejected: log it (bounded) and answer the ack with the error. */
function failed(ctx: RelayContext, socket: IoSocket, state: SocketState, event: string, ack: Ack | undefined, e: unknown): void {
  const code = e instanceof RequestError ? e.code : 'transport';
  const message = e instanceof RequestError ? e.message : 'Internal relay error';
  const logged = e instanceof RequestError ? (e.detail === undefined ? message : `${message} (${e.detail})`) : describeError(e);
  ctx.logError(state, event, code, logged, socket.id);
  if (ack) safeAck(ack, errorAck(code, message));
}

/**
 * A presence store failure (Redis unreachable: its commands fail fast) as the error the
 * client gets: `transport`, which it may retry; the reason goes to the log.
 */
export function presenceDown(e: unknown): RequestError {
  if (e instanceof RequestError) return e;
  return new RequestError('transport', 'The relay cannot reach its presence store right now; try again shortly', describeError(e));
}
