/**
 * The SFU chunk (issue 13): fetched only when a room is offered an SFU (the relay's `sfu` in the
 * join ack, or `sfu-url`). It decides when media moves between the mesh and the SFU, and runs
 * the SFU topology (sfu-topology.ts) while it does.
 *
 * One place decides for the whole room, so nobody is left half on the mesh: the leader, the
 * member with the lowest transport id. With `topology="auto"` it moves the room to the SFU when
 * it has more than `maxPeers` others, and back to a mesh once it has at most `maxPeers - 2`
 * (at least 1): no flapping at the boundary. It tells everyone (`sfu-topology` signals through
 * the transport); everyone on the SFU tells each newcomer, and a newcomer leads only after a
 * moment in the room, once it has heard how the room runs. With `topology="sfu"` a page goes to
 * the SFU at once and stays.
 */
import { VideoCallError } from '../../errors.js';
import type { SfuAccess, SfuAck } from '../../transports/relay-protocol.js';
import type { StartSfu } from '../sfu-seam.js';
import type { Topology } from '../topology.js';
import { DATA_SIGNAL, SfuTopology, type SfuTopologyHost } from './sfu-topology.js';

/** The signal that tells a peer how the room's media flows. */
export const TOPOLOGY_SIGNAL = 'sfu-topology';
/** A newcomer waits this long (to hear how the room runs) before it decides for the room. */
const SETTLE_MS = 2000;
/** Membership changes are taken together over this long before deciding. */
const DEBOUNCE_MS = 300;
/** Retired links are closed this long after a move (media goes on while the others move too). */
export const RETIRE_MS = 4000;

export const startSfu: StartSfu = (engine, o, room, host, media, transport, joinAccess, setTopology, connect) => {
  const h = {
    transport,
    access: joinAccess,
    sfuUrl: o.sfuUrl,
    room: engine.room,
    mode: o.topology === 'sfu' ? 'sfu' : 'auto',
    maxPeers: o.maxPeers,
    selfId: () => room.selfId,
    peers: () => room.peers.values(),
    // On the SFU a screen goes up as its own stream (its own resolution, no simulcast); the camera pauses meanwhile.
    tracks: () => {
      const video = media.trackFor('video');
      return { audio: media.trackFor('audio'), video: media.screenSharing ? null : video, screen: media.screenSharing ? video : null };
    },
    ice: () => host.ice(),
    /** Media moves to `t` (null: a mesh); every peer gets a new link on it; the old links close a little later. */
    use: (t: Topology | null) => {
      setTopology(t);
      engine.topology = t ? 'sfu' : 'mesh';
      for (const peer of room.peers.values()) {
        const old = peer.link;
        peer.link = null;
        if (old) {
          // It speaks no more for the peer (its remote closing it must not remove the peer); closed a little later.
          (old as unknown as { removeAllListeners(): void }).removeAllListeners();
          setTimeout(() => old.close(), RETIRE_MS);
        }
        connect(peer);
      }
      host.emit('topology', { topology: engine.topology });
      host.emit('change', undefined);
    },
    on: engine.on.bind(engine),
    problem: (message: string, code: 'transport' | 'unauthorized', over: Promise<void>) =>
      host.fail(new VideoCallError(code, message), false, over),
  };
  let access: SfuAccess = h.access ?? { url: h.sfuUrl, token: '', roomToken: '', room: `vc-${h.room}`, pin: '', expires: 0 };
  let sfu: SfuTopology | null = null;
  let mode: 'mesh' | 'sfu' = 'mesh';
  let closed = false;
  /** Ends the problem told (the element stops showing it); set while one is told, which is not told again until over. */
  let over: (() => void) | null = null;
  const fine = () => {
    over?.();
    over = null;
  };
  const joinedAt = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;

  /** The relay's answer, or its error; a relay that does not answer within 10 s fails too. */
  const refresh = async (asked: Promise<SfuAck>): Promise<SfuAccess> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the relay did not answer')), 10_000)));
    try {
      const ack = await Promise.race([asked, late]);
      if (!ack.ok) throw new VideoCallError(ack.error.code, ack.error.message);
      return (access = ack.sfu);
    } finally {
      clearTimeout(timer);
    }
  };
  const peerByTid = (tid: string) => {
    for (const p of h.peers()) if (p.tid === tid) return p;
    return undefined;
  };
  const topologyHost: SfuTopologyHost = {
    selfId: () => h.selfId(),
    peerIdOf: (tid) => peerByTid(tid)?.id,
    sharing: (id) => [...h.peers()].some((p) => p.id === id && p.screen),
    tracks: () => h.tracks(),
    ice: () => h.ice(),
    access: () => access,
    refresh: () => (h.transport.sfu && h.access ? refresh(h.transport.sfu()) : null),
    create: !h.access,
    problem: (message, code) => {
      if (over) return;
      h.problem(message, code ?? 'transport', new Promise<void>((resolve) => (over = resolve)));
    },
    fine,
  };

  const move = (next: 'mesh' | 'sfu') => {
    if (closed || next === mode) return;
    mode = next;
    const old = sfu;
    sfu = next === 'sfu' ? new SfuTopology(topologyHost) : null;
    if (!sfu) fine(); // whatever the SFU had is moot on the mesh
    h.use(sfu);
    if (old) setTimeout(() => old.close(), RETIRE_MS);
    // Those already on the SFU tell us their media state again (what they sent before we moved went nowhere).
    if (sfu) ask();
  };

  const tell = (tid: string) => {
    try {
      h.transport.send(tid, { t: TOPOLOGY_SIGNAL, topology: mode });
    } catch {
      /* the transport says why elsewhere */
    }
  };

  /** Asks everyone how the room runs; those on the SFU answer, and send us their media state again. */
  const ask = () => {
    for (const p of h.peers()) {
      try {
        h.transport.send(p.tid, { t: TOPOLOGY_SIGNAL, q: 1 });
      } catch {
        /* as above */
      }
    }
  };

  const leader = () => {
    const self = h.selfId();
    for (const p of h.peers()) if (p.present && p.tid < self) return false;
    return true;
  };

  const decide = () => {
    if (closed) return;
    if (h.mode === 'sfu') return move('sfu');
    if (!leader()) return;
    const wait = joinedAt + SETTLE_MS - Date.now();
    if (wait > 0) return soon(wait + 50); // decided once settled, even if nobody joins or leaves meanwhile
    const others = [...h.peers()].filter((p) => p.present).length;
    const next = mode === 'mesh' ? (others > h.maxPeers ? 'sfu' : 'mesh') : others <= Math.max(1, h.maxPeers - 2) ? 'mesh' : 'sfu';
    if (next === mode) return;
    move(next);
    const tellAll = () => {
      if (!closed && mode === next) for (const p of h.peers()) tell(p.tid);
    };
    tellAll();
    // Again a little later: a newcomer whose SFU chunk was still loading did not hear it.
    setTimeout(tellAll, SETTLE_MS);
  };
  const soon = (ms = DEBOUNCE_MS) => {
    clearTimeout(timer);
    timer = setTimeout(decide, ms);
  };

  const offs = [
    h.transport.on('signal', ({ from, data }) => {
      const m = data as { t?: unknown; m?: unknown; topology?: unknown; q?: unknown } | null;
      if (!m || typeof m !== 'object' || !peerByTid(from)) return;
      if (m.t === DATA_SIGNAL) sfu?.receive(from, m.m);
      else if (m.t === TOPOLOGY_SIGNAL && m.q) {
        if (mode === 'sfu') {
          tell(from);
          sfu?.hello(from);
        }
      } else if (m.t === TOPOLOGY_SIGNAL && h.mode === 'auto' && (m.topology === 'sfu' || m.topology === 'mesh')) move(m.topology);
    }),
    h.on('peer-joined', ({ peerId }) => {
      // A newcomer learns how the room runs from everyone already on the SFU.
      const p = [...h.peers()].find((x) => x.id === peerId);
      if (p && mode === 'sfu') tell(p.tid);
      soon();
    }),
    h.on('peer-left', () => soon()),
    h.on('peer-media', () => sfu?.layout()),
  ];
  soon(h.mode === 'sfu' ? 0 : SETTLE_MS);
  ask();
  setTimeout(() => !closed && mode === 'mesh' && ask(), SETTLE_MS);

  return {
    /** The call ended (its peers already gone): back to a mesh, quietly, for the next one. */
    close() {
      closed = true;
      clearTimeout(timer);
      for (const off of offs) off();
      sfu?.close();
      sfu = null;
      setTopology(null);
      engine.topology = 'mesh';
    },
  };
};
