/**
 * Every voice in the call mixed into one audio track, through Web Audio: one source node per live
 * audio track (ours and each peer's) into one destination. `sync()` follows who is there: tracks
 * that appear are connected, tracks that went are disconnected.
 */
export class Mixer {
  private _ctx = new AudioContext();
  private _dest = this._ctx.createMediaStreamDestination();
  private _sources = new Map<MediaStreamTrack, MediaStreamAudioSourceNode>();

  /** The mixed track, to record. */
  get track(): MediaStreamTrack {
    return this._dest.stream.getAudioTracks()[0];
  }

  /** Connects the live `tracks` not yet mixed; disconnects those no longer among them. */
  sync(tracks: MediaStreamTrack[]): void {
    // A context made outside a user gesture may start suspended.
    if (this._ctx.state === 'suspended') void this._ctx.resume().catch(() => {});
    const live = new Set(tracks.filter((t) => t.readyState === 'live'));
    for (const track of live) {
      if (this._sources.has(track)) continue;
      const source = this._ctx.createMediaStreamSource(new MediaStream([track]));
      source.connect(this._dest);
      this._sources.set(track, source);
    }
    for (const [track, source] of this._sources) {
      if (live.has(track)) continue;
      source.disconnect();
      this._sources.delete(track);
    }
  }

  close(): void {
    this.sync([]);
    void this._ctx.close().catch(() => {});
  }
}
