/** How often voices are measured: a few times a second, from the connections' audio statistics (no per-frame work). */
export const SPEAKER_POLL_MS = 300;
/** A mean level (0..1, linear) at or above this starts someone speaking… */
export const SPEAKING_ON = 0.04;
/** …and at or above this keeps them speaking (hysteresis: a voice that dips stays on). */
export const SPEAKING_OFF = 0.015;
/** Someone stays speaking this long after their voice was last heard (pauses between words). */
export const SPEAKING_HOLD_MS = 1200;

/** One participant's voice at a reading: the cumulative energy, null when muted (a muted person never speaks). */
export type VoiceReading = [id: string, energy: AudioEnergy | null];

/**
 * Who speaks, from readings of everyone's cumulative audio energy (fed by presence.ts every
 * {@link SPEAKER_POLL_MS}). The level between two readings is their mean level, so a short sound
 * between readings counts. Someone starts speaking at {@link SPEAKING_ON}, keeps speaking while at
 * {@link SPEAKING_OFF} or more and for {@link SPEAKING_HOLD_MS} after, and is never speaking while
 * muted. The active speaker is one of those speaking: the current one stays while they speak (no
 * flicker between two voices), then the loudest takes over; `null` when nobody speaks.
 */
export class SpeakerDetector {
  /** Who speaks now (ours included). */
  speaking = new Set<string>();
  /** The active speaker, or null. */
  active: string | null = null;
  private _last = new Map<string, AudioEnergy>();
  private _heard = new Map<string, number>();

  /** Takes in one reading of everyone present; returns whether `speaking` or `active` changed. */
  update(readings: VoiceReading[], now: number): boolean {
    const before = [...this.speaking] + this.active!;
    const speaking = new Set<string>();
    let loudest = 0;
    let top: string | null = null;
    const last = new Map<string, AudioEnergy>();
    for (const [id, e] of readings) {
      const prev = this._last.get(id);
      if (!e) continue;
      last.set(id, e);
      const level = Math.max(
        e.last,
        prev && e.duration > prev.duration ? Math.sqrt(Math.max(0, e.energy - prev.energy) / (e.duration - prev.duration)) : 0,
      );
      if (level >= (this.speaking.has(id) ? SPEAKING_OFF : SPEAKING_ON)) this._heard.set(id, now);
      if (now - (this._heard.get(id) ?? -1e9) > SPEAKING_HOLD_MS) continue;
      speaking.add(id);
      if (level >= loudest) [loudest, top] = [level, id];
    }
    this._last = last;
    this.speaking = speaking;
    if (!speaking.has(this.active!)) this.active = top;
    return before !== [...speaking] + this.active!;
  }
}

/**
 * How loud a voice has been so far: the cumulative energy and duration of the audio (their
 * `totalAudioEnergy` / `totalSamplesDuration`, so the mean level between two readings is
 * `sqrt(ΔE / Δd)`), and the level of the last packet heard (RTP header extension; needs no playout).
 */
export interface AudioEnergy {
  energy: number;
  duration: number;
  last: number;
}

/** Reads a receiver's (their voice) or a sender's (our microphone) audio energy; null with no audio there. */
export async function audioEnergy(end: RTCRtpReceiver | RTCRtpSender | undefined | null): Promise<AudioEnergy | null> {
  if (!end?.track) return null;
  const out: AudioEnergy = { energy: 0, duration: 0, last: 0 };
  if ('getSynchronizationSources' in end) out.last = end.getSynchronizationSources()[0]?.audioLevel ?? 0;
  (await end.getStats()).forEach((r: Record<string, unknown> & { type: string }) => {
    if ((r.type === 'inbound-rtp' || r.type === 'media-source') && r.kind === 'audio') {
      out.energy = Number(r.totalAudioEnergy ?? 0);
      out.duration = Number(r.totalSamplesDuration ?? 0);
    }
  });
  return out;
}
