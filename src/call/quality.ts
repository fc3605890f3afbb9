/** How a remote participant's line is: `good`, `fair` or `poor` (their tile's `data-quality`). */
export type LineQuality = 'good' | 'fair' | 'poor';

/** A remote participant's line over the last few seconds, with the figures it was rated from. */
export interface LineReport {
  quality: LineQuality;
  /** Round-trip time in milliseconds, or null before it is known. */
  rtt: number | null;
  /** Fraction of their packets lost over the interval, 0..1. */
  loss: number;
  /** Bits per second received from them over the interval (voice and picture). */
  bitrate: number;
}

/** How often each line is measured. */
export const QUALITY_INTERVAL_MS = 2100;

/**
 * Rates a line: `poor` from 8 % loss, 600 ms round trip, or their camera's picture arriving at under
 * 40 kbit/s (hardly moving); `fair` from 2 % loss, 300 ms, or a picture under 150 kbit/s; `good`
 * otherwise. The picture's bitrate counts only while they send their camera (a still screen share
 * or a voice alone needs little).
 */
export function rateLine(rtt: number | null, loss: number, videoBitrate: number, camera: boolean): LineQuality {
  const r = rtt ?? 0;
  if (loss >= 0.08 || r >= 600 || (camera && videoBitrate < 40_000)) return 'poor';
  if (loss >= 0.02 || r >= 300 || (camera && videoBitrate < 150_000)) return 'fair';
  return 'good';
}

/** A connection's cumulative counters at one reading. */
export interface LineSample {
  at: number;
  /** Bytes received, all streams / the video only. */
  bytes: number;
  video: number;
  lost: number;
  got: number;
  /** Current round-trip time in seconds (the selected candidate pair), or null. */
  rtt: number | null;
}

/** Reads the counters a line is rated from out of a connection's statistics. */
export function readLine(report: RTCStatsReport): LineSample {
  const s: LineSample = { at: performance.now(), bytes: 0, video: 0, lost: 0, got: 0, rtt: null };
  report.forEach((r) => {
    if (r.type === 'inbound-rtp') {
      s.bytes += r.bytesReceived ?? 0;
      if (r.kind === 'video') s.video += r.bytesReceived ?? 0;
      s.lost += r.packetsLost ?? 0;
      s.got += r.packetsReceived ?? 0;
    } else if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded' && r.currentRoundTripTime != null) {
      s.rtt = r.currentRoundTripTime;
    }
  });
  return s;
}

/** The report for the interval between two readings of a connection (`camera`: they send their camera). */
export function lineReport(before: LineSample, now: LineSample, camera: boolean): LineReport {
  const lost = Math.max(0, now.lost - before.lost);
  const got = Math.max(0, now.got - before.got);
  const loss = lost + got > 0 ? lost / (lost + got) : 0;
  const seconds = Math.max((now.at - before.at) / 1000, 0.001);
  const rate = (bytes: number) => Math.max(0, Math.round((bytes * 8) / seconds));
  const rtt = now.rtt == null ? null : Math.round(now.rtt * 1000);
  return { quality: rateLine(rtt, loss, rate(now.video - before.video), camera), rtt, loss, bitrate: rate(now.bytes - before.bytes) };
}

/** A report's quality and figures in words, in the element's language (`t`: its translator): the signal bars' name and tooltip. */
export function lineText(
  l: LineReport,
  t: (id: 'lineGood' | 'lineFair' | 'linePoor' | 'lineDetails', values?: Record<string, unknown>) => string,
): string {
  return t('lineDetails', {
    quality: t(l.quality === 'good' ? 'lineGood' : l.quality === 'fair' ? 'lineFair' : 'linePoor'),
    rtt: l.rtt ?? '–',
    loss: Math.round(l.loss * 1000) / 10,
    bitrate: Math.round(l.bitrate / 1000),
  });
}
