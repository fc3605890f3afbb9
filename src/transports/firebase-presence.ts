/**
 * The `firebase` transport's presence in a room: the state of one stay ({@link Membership}),
 * taking a seat with the presence entry, and removing them (leaving, or a silent member).
 * The heartbeat and the sweep of silent members run in firebase.ts, which owns the timers.
 */
import { child, onDisconnect, remove, serverTimestamp, update, type DatabaseReference } from 'firebase/database';
import { VideoCallError } from '../errors.js';

/** Seats of a room (`slots/0` … `slots/15` in `database.rules.json`): the most peers a room holds. */
export const MAX_ROOM_PEERS = 16;
/** How often a member rewrites the `beat` of its presence entry (ms). */
export const PRESENCE_BEAT_MS = 2500;
/**
 * A member whose presence entry has not changed for this long (ms, by local receipt time) is
 * taken as gone. With the beat interval and a round trip on top, a silent peer goes within
 * about 13 s; a live one must miss three beats in a row to be taken for gone.
 */
export const PRESENCE_STALE_MS = 10000;

/** State of one stay in a room: ends with `leave`, or is replaced after a reconnection. */
export interface Membership {
  room: string;
  roomRef: DatabaseReference;
  name: string;
  selfId: string;
  /** Our seat (`slots/{slot}`), once we hold one. */
  slot?: string;
  /** Each listed member's seat, as its presence says. */
  seats: Map<string, string>;
  /** Inbox messages already read: path → seq. */
  seen: Map<string, number>;
  /** Peers the user of this transport has been told about. */
  announced: Map<string, string>;
  /** False while joining or re-joining: changes are reported by the join result instead. */
  live: boolean;
  /** True once a join went through: a reconnection then re-enters the room. */
  entered: boolean;
  /** True while presence is being (re-)established. */
  entering: boolean;
  /** True while a vanished presence is being written again. */
  reasserting?: boolean;
  stopPeers: () => void;
  stopInbox?: () => void;
  /** Why the database cancelled the peers listener, if it did. */
  refused?: Error;
  /** Each listed member's entry as last received, and when it was received (local clock). */
  heard: Map<string, { entry: string; at: number }>;
  /** Listed members taken as gone because their entry stopped changing. */
  stale: Set<string>;
  /**
   * Send time (local clock) of the latest of our writes the server acknowledged. The server
   * applied that write after it was sent, and everything it broadcast before applying it
   * reached us before the acknowledgement (one ordered connection): so a member whose entry
   * we last received before `provenAt - PRESENCE_STALE_MS` was silent on the server for that
   * long, whatever our own latency, and however our clock differs from anyone's.
   */
  provenAt: number;
  beatsInFlight: number;
  beatTimer?: ReturnType<typeof setInterval>;
}

export function isPermissionDenied(err: unknown): boolean {
  return /permission/i.test(String((err as { code?: string })?.code ?? '') + String((err as Error)?.message ?? ''));
}

export function paths(member: Membership): { peer: DatabaseReference; inbox: DatabaseReference } {
  return {
    peer: child(member.roomRef, `peers/${member.selfId}`),
    inbox: child(member.roomRef, `inbox/${member.selfId}`),
  };
}

/**
 * Writes our presence together with a free seat (ours from before if it is still free). Each
 * write is preceded by its onDisconnect removal, so a tab that dies in between leaves nothing.
 * Fails with `room-full` when every seat is held by someone present.
 */
export async function takeSeat(member: Membership, assertCurrent: () => void): Promise<void> {
  const { peer, inbox } = paths(member);
  await onDisconnect(peer).remove();
  await onDisconnect(inbox).remove();
  assertCurrent();
  if (member.refused) throw member.refused;
  const held = new Set([...member.seats].filter(([id]) => id !== member.selfId && !member.stale.has(id)).map(([, seat]) => seat));
  const seats = Array.from({ length: MAX_ROOM_PEERS }, (_, i) => String(i)).filter((seat) => !held.has(seat));
  if (member.slot && seats.includes(member.slot)) seats.unshift(member.slot);
  let lastError: unknown;
  for (const seat of new Set(seats)) {
    const seatRef = child(member.roomRef, `slots/${seat}`);
    if (member.slot && member.slot !== seat) {
      // Never leave a removal pending on a seat someone else may take.
      await onDisconnect(child(member.roomRef, `slots/${member.slot}`)).cancel();
      member.slot = undefined;
    }
    try {
      // Refused while someone present holds the seat: try the next one.
      await onDisconnect(seatRef).remove();
      member.slot = seat;
      await update(member.roomRef, {
        [`slots/${seat}`]: member.selfId,
        [`peers/${member.selfId}`]: { name: member.name, beat: serverTimestamp(), slot: seat },
      });
      return;
    } catch (err) {
      if (!isPermissionDenied(err)) throw err;
      lastError = err;
      assertCurrent();
    }
  }
  if (lastError) throw lastError;
  throw new VideoCallError('room-full', `This room is full: a Firebase room holds at most ${MAX_ROOM_PEERS} people.`);
}

/**
 * Removes our presence, inbox and seat and cancels their onDisconnect operations (leaving, or
 * a join that failed). Offline, this waits for the connection; the server's onDisconnect
 * cleans up meanwhile.
 */
export function withdraw(member: Membership): Promise<void> {
  const seat = member.slot ? child(member.roomRef, `slots/${member.slot}`) : undefined;
  const done = update(member.roomRef, { [`peers/${member.selfId}`]: null, [`inbox/${member.selfId}`]: null })
    // The seat after the presence: the rules free a seat only when its presence is gone.
    .then(() => (seat ? remove(seat) : undefined))
    .catch(() => {});
  for (const path of [...Object.values(paths(member)), ...(seat ? [seat] : [])])
    void onDisconnect(path)
      .cancel()
      .catch(() => {});
  return done;
}

/** Removes a silent member's presence, inbox and seat (best effort: the server's onDisconnect is the fallback). */
export function erase(member: Membership, id: string): void {
  const seat = member.seats.get(id);
  void update(member.roomRef, { [`peers/${id}`]: null, [`inbox/${id}`]: null })
    .then(() => (seat ? remove(child(member.roomRef, `slots/${seat}`)) : undefined))
    .catch(() => {});
}
