/** Per-peer call quality, as `getStats()` returns it. */
export interface PeerStats {
  peerId: string;
  /** Current round-trip time in seconds (ICE candidate pair), or null before it is known. */
  roundTripTime: number | null;
  /** Inbound RTP packets lost, all streams. */
  packetsLost: number;
  /** Fraction of inbound packets lost, 0..1. */
  packetLoss: number;
  /** Bits per second received / sent, over the interval since the previous call (or the last 0.5 s). */
  bitrateIn: number;
  bitrateOut: number;
  /** Size and rate of the incoming video, or null when none arrives. */
  frameWidth: number | null;
  frameHeight: number | null;
  framesPerSecond: number | null;
  /**
   * Whether the connection's selected route (its selected ICE candidate pair) goes through a
   * TURN server: its local or its remote candidate is of type `relay`. False before a route
   * is selected. With `iceTransportPolicy: 'relay'` it is always true once connected.
   */
  relayed: boolean;
}

interface Sample {
  at: number;
  bytesIn: number;
  bytesOut: number;
}

/** The last sample of each connection, per peer (on the SFU one connection carries everyone). */
const previous = new WeakMap<RTCPeerConnection, Map<string, Sample>>();

/**
 * Which RTP streams of the connection are the peer's: on the SFU one connection down carries
 * everyone, so a peer's figures are those of its own tracks (`inbound`: their track ids), and
 * what we send is on another connection (`outbound`, shared by all: what we publish).
 */
export interface StatsScope {
  inbound: ReadonlySet<string>;
  outbound: RTCPeerConnection | null;
}

/** The report with only the inbound RTP streams of these tracks (the rest as it is): a peer's part of a shared connection. */
export function ofTracks(report: RTCStatsReport, trackIds: ReadonlySet<string>): RTCStatsReport {
  const only = new Map<string, unknown>();
  report.forEach((r: { type: string; trackIdentifier?: string }, id: string) => {
    if (r.type !== 'inbound-rtp' || trackIds.has(r.trackIdentifier ?? '')) only.set(id, r);
  });
  return only as unknown as RTCStatsReport;
}

async function sample(pc: RTCPeerConnection, scope?: StatsScope) {
  const report = scope ? ofTracks(await pc.getStats(), scope.inbound) : await pc.getStats();
  const s: Omit<PeerStats, 'peerId' | 'bitrateIn' | 'bitrateOut'> & Sample = {
    at: performance.now(),
    bytesIn: 0,
    bytesOut: 0,
    roundTripTime: null,
    packetsLost: 0,
    packetLoss: 0,
    frameWidth: null,
    frameHeight: null,
    framesPerSecond: null,
    relayed: false,
  };
  let received = 0;
  const byId = new Map<string, Record<string, unknown> & { type: string }>();
  let selectedPairId: string | undefined;
  let nominatedPairId: string | undefined;
  report.forEach((r: Record<string, unknown> & { type: string; id: string }) => {
    byId.set(r.id, r);
    if (r.type === 'transport' && typeof r.selectedCandidatePairId === 'string') selectedPairId ??= r.selectedCandidatePairId;
    else if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') nominatedPairId ??= r.id;
  });
  // The selected pair (the transport's; the first succeeded nominated pair where that is missing).
  const pair = byId.get(selectedPairId ?? nominatedPairId ?? '');
  if (pair) {
    const type = (id: unknown) => byId.get(String(id))?.candidateType;
    s.relayed = type(pair.localCandidateId) === 'relay' || type(pair.remoteCandidateId) === 'relay';
  }
  report.forEach((r: Record<string, unknown> & { type: string }) => {
    if (r.type === 'inbound-rtp') {
      s.bytesIn += Number(r.bytesReceived ?? 0);
      s.packetsLost += Number(r.packetsLost ?? 0);
      received += Number(r.packetsReceived ?? 0);
      if (r.kind === 'video' && r.frameWidth) {
        s.frameWidth = Number(r.frameWidth);
        s.frameHeight = Number(r.frameHeight);
        s.framesPerSecond = r.framesPerSecond != null ? Number(r.framesPerSecond) : null;
      }
    } else if (r.type === 'outbound-rtp') {
      s.bytesOut += Number(r.bytesSent ?? 0);
    } else if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded' && r.currentRoundTripTime != null) {
      s.roundTripTime = Number(r.currentRoundTripTime);
    }
  });
  s.packetLoss = received + s.packetsLost > 0 ? s.packetsLost / (received + s.packetsLost) : 0;
  if (scope?.outbound)
    (await scope.outbound.getStats()).forEach((r: Record<string, unknown> & { type: string }) => {
      if (r.type === 'outbound-rtp') s.bytesOut += Number(r.bytesSent ?? 0);
    });
  return s;
}

/**
 * Collects a peer's stats from its connection (`scope`: only its streams of a shared one);
 * bitrates need two samples, so a first call waits 0.5 s.
 */
export async function collectStats(peerId: string, pc: RTCPeerConnection, scope?: StatsScope): Promise<PeerStats> {
  let last = previous.get(pc);
  if (!last) previous.set(pc, (last = new Map()));
  let before = last.get(peerId);
  if (!before) {
    before = await sample(pc, scope);
    await new Promise((r) => setTimeout(r, 500));
  }
  const now = await sample(pc, scope);
  last.set(peerId, { at: now.at, bytesIn: now.bytesIn, bytesOut: now.bytesOut });
  const seconds = Math.max((now.at - before.at) / 1000, 0.001);
  const { at: _a, bytesIn, bytesOut, ...rest } = now;
  return {
    peerId,
    ...rest,
    bitrateIn: Math.max(0, Math.round(((bytesIn - before.bytesIn) * 8) / seconds)),
    bitrateOut: Math.max(0, Math.round(((bytesOut - before.bytesOut) * 8) / seconds)),
  };
}
