import { Emitter } from '../../src/emitter.js';
import { LocalTransport } from '../../src/transports/local.js';
import type { JoinOptions, JoinResult, Transport, TransportEvents } from '../../src/transports/transport.js';

// A real coturn for the test run, served by test/browser/coturn-plugin.js as the virtual module
// /__turn-env.js (imported through a variable: TypeScript cannot declare the types of a module
// named by an absolute path).
const envModule = '/__turn-env.js';
const env = (await import(/* @vite-ignore */ envModule)) as {
  GOOD: RTCIceServer[];
  WRONG: RTCIceServer[];
  EXPIRED: RTCIceServer[];
  TURN_ERROR: string;
};

/** iceServers with credentials coturn accepts (minted by the relay's server/turn.ts). */
export const GOOD = env.GOOD;
/** The same TURN URLs with credentials minted with another secret: coturn refuses them (401). */
export const WRONG = env.WRONG;
/** Credentials minted with the right secret whose expiry has passed: coturn refuses them (401). */
export const EXPIRED = env.EXPIRED;

/** Throws (fails the suite, never skips it) when coturn could not be started. */
export function requireCoturn(): void {
  if (env.TURN_ERROR) throw new Error(env.TURN_ERROR);
  if (!GOOD.length) throw new Error('the coturn plugin served no TURN servers');
}

/** Starts one more coturn for a test: its accepted iceServers, and how to stop it (a TURN server gone mid-call). */
export async function spareCoturn(): Promise<{ iceServers: RTCIceServer[]; stop(): Promise<void> }> {
  const url = `/__turn-spare.js?${Math.random().toString(36).slice(2)}`;
  const spare = (await import(/* @vite-ignore */ url)) as { SPARE: RTCIceServer[]; SPARE_ID: string };
  return {
    iceServers: spare.SPARE,
    stop: async () => {
      await fetch(`/__turn-spare-stop?id=${encodeURIComponent(spare.SPARE_ID)}`);
    },
  };
}

/**
 * The `local` transport, as a signaling server that hands out TURN credentials would be: its
 * join result (and `rejoin`'s result) carries `iceServers`.
 */
export class ServerIceTransport extends Emitter<TransportEvents> implements Transport {
  readonly inner = new LocalTransport();
  #result: JoinResult | null = null;
  constructor(private iceServers: RTCIceServer[]) {
    super();
    for (const type of ['peer-joined', 'peer-left', 'signal', 'state', 'rejoined', 'error'] as const) {
      (this.inner as Emitter<TransportEvents>).on(type, (payload: unknown) => this.emit(type, payload as never));
    }
  }
  get state() {
    return this.inner.state;
  }
  async join(room: string, options?: JoinOptions): Promise<JoinResult> {
    const result = await this.inner.join(room, options);
    this.#result = result;
    return { ...result, iceServers: this.iceServers };
  }
  /** As after a relay restart: in the room again, with fresh `iceServers`. */
  rejoin(iceServers: RTCIceServer[], peers: JoinResult['peers']): void {
    this.emit('rejoined', { selfId: this.#result!.selfId, peers, iceServers });
  }
  send(to: string, data: unknown): void {
    this.inner.send(to, data);
  }
  leave(): Promise<void> {
    return this.inner.leave();
  }
  close(): void {
    this.inner.close();
    this.removeAllListeners();
  }
}
