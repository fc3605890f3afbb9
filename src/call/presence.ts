import { lineReport, QUALITY_INTERVAL_MS, readLine, type LineSample } from './quality.js';
import { audioEnergy, SPEAKER_POLL_MS, SpeakerDetector, type VoiceReading } from './speaker.js';
import type { EngineHost, RemotePeer } from './types.js';

/** What the presence watch reads from the engine. */
export interface PresenceHost extends Pick<EngineHost, 'emit'> {
  peers(): Iterable<RemotePeer>;
  /** Our microphone is on (muted, we are never speaking). */
  micOn(): boolean;
  selfId(): string;
}

/**
 * Who is speaking and how each line is, during a call: every {@link SPEAKER_POLL_MS} it reads the
 * audio energy of each connected peer's voice (and of our microphone, from one link's sender) and
 * feeds {@link SpeakerDetector}; every {@link QUALITY_INTERVAL_MS} it rates each line (quality.ts).
 * A few statistics calls a second in all, nothing per frame. Emits `active-speaker` when the active
 * speaker changes and `change` when who speaks changes or lines are rated.
 */
export class Presence {
  speakers = new SpeakerDetector();
  /** The last peer (not us) who was the active speaker: the speaker layout shows them while nobody speaks. */
  last: string | null = null;
  private _host: PresenceHost;
  private _timer?: ReturnType<typeof setInterval>;
  private _run = 0;
  private _rated = 0;
  private _samples = new WeakMap<object, LineSample>();

  constructor(host: PresenceHost) {
    this._host = host;
  }

  /** Starts watching (on joining). */
  start(): void {
    this.stop();
    const run = this._run;
    let busy = false;
    this._timer = setInterval(() => {
      if (busy) return; // a slow reading is not stacked on
      busy = true;
      this._poll(run)
        .catch(() => {}) // a connection closed meanwhile: the next reading goes on
        .finally(() => (busy = false));
    }, SPEAKER_POLL_MS);
  }

  /** Stops watching (on leaving); an active speaker becomes nobody. */
  stop(): void {
    clearInterval(this._timer);
    this._run++;
    this._apply([]);
  }

  private async _poll(run: number): Promise<void> {
    const host = this._host;
    const peers = [...host.peers()].filter((p) => p.link && p.connectionState === 'connected');
    const mic = host.micOn();
    const ours = mic ? audioEnergy(peers[0]?.link!.audio()[1]) : null;
    const energies = await Promise.all(peers.map((p) => audioEnergy(p.link!.audio()[0])));
    const mine = await ours;
    let rated = false;
    if (performance.now() - this._rated >= QUALITY_INTERVAL_MS) {
      this._rated = performance.now();
      const samples = (await Promise.all(peers.map((p) => p.link!.report()))).map(readLine);
      peers.forEach((p, i) => {
        const before = this._samples.get(p.link!);
        this._samples.set(p.link!, samples[i]);
        if (before) rated = !!(p.line = lineReport(before, samples[i], p.video && !p.screen));
      });
    }
    if (run !== this._run) return;
    const readings = peers.map((p, i): VoiceReading => [p.id, p.audio ? energies[i] : null]);
    this._apply([...readings, [host.selfId(), mine]], rated);
  }

  private _apply(readings: VoiceReading[], rated = false): void {
    const s = this.speakers;
    const active = s.active;
    const changed = s.update(readings, performance.now());
    if (s.active && s.active !== this._host.selfId()) this.last = s.active;
    if (s.active !== active) this._host.emit('active-speaker', { peerId: s.active });
    if (changed || rated) this._host.emit('change', undefined);
  }
}
