/**
 * The pre-join screen's microphone level (`role="meter"`): one AnalyserNode on the mic, read ten
 * times a second into the meter's `aria-valuenow` and its `--level` width. Nothing runs while it
 * is not shown: {@link follow} with no meter stops it and closes its AudioContext.
 */
export class MicMeter {
  // TypeScript `private`, not `#`: the bundle targets ES2021, where each `#` member costs a WeakMap.
  private _ctx?: AudioContext;
  private _timer?: ReturnType<typeof setInterval>;
  private _track?: MediaStreamTrack;
  private _el?: Element;

  /** Shows `track`'s level in `meter`; either missing, it stops. */
  follow(track?: MediaStreamTrack, meter?: HTMLElement | null): void {
    if (track === this._track && meter === this._el) return;
    this.stop();
    if (!track || !meter || typeof AudioContext === 'undefined') return;
    this._track = track;
    this._el = meter;
    const ctx = (this._ctx = new AudioContext());
    const analyser = ctx.createAnalyser();
    ctx.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    this._timer = setInterval(() => {
      // Created before any click on the page, it starts suspended: it runs once the page has had one.
      if (ctx.state === 'suspended') void ctx.resume();
      analyser.getByteTimeDomainData(samples);
      let peak = 0;
      for (const s of samples) peak = Math.max(peak, Math.abs(s - 128));
      // Square root: speech at a normal distance reaches the middle of the meter.
      const level = Math.round(Math.sqrt(peak / 128) * 100);
      meter.setAttribute('aria-valuenow', String(level));
      meter.style.setProperty('--level', level + '%');
    }, 100);
  }

  stop(): void {
    clearInterval(this._timer);
    void this._ctx?.close().catch(() => {});
    this._ctx = this._track = this._el = undefined;
  }
}
