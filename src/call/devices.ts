import { basePath } from '../base-path.js';
import type { VideoCallError } from '../errors.js';
import type { Capture, LocalMedia, MediaKind } from './local-media.js';
import { loadNoiseFilter, type NoiseFilter } from './noise.js';

/** A camera, microphone or speaker, as `getDevices()` lists it. */
export interface DeviceInfo {
  deviceId: string;
  /** The browser's name for it (empty before camera/mic access is granted). */
  label: string;
}

/** What `getDevices()` resolves with. */
export interface DeviceList {
  cameras: DeviceInfo[];
  microphones: DeviceInfo[];
  speakers: DeviceInfo[];
}

/** Which device `selectDevice()` sets. */
export type DeviceKind = 'camera' | 'microphone' | 'speaker';

/**
 * `detail` of `vc-device-change`: the device now in use for `kind`. `reason`: `user` (chosen),
 * `unplugged` (the one in use went away: this is the fallback), `restored` (it came back).
 */
export interface DeviceChange extends DeviceInfo {
  kind: DeviceKind;
  reason: 'user' | 'unplugged' | 'restored';
}

/** Each kind's list in {@link DeviceList}, `enumerateDevices()` kind, and media kind. */
const KINDS: Record<DeviceKind, [keyof DeviceList, MediaDeviceKind, MediaKind?]> = {
  camera: ['cameras', 'videoinput', 'video'],
  microphone: ['microphones', 'audioinput', 'audio'],
  speaker: ['speakers', 'audiooutput'],
};

/** The choice remembered on this site (localStorage; '' when none, or storage is refused). */
function remembered(kind: DeviceKind, deviceId?: string): string {
  try {
    if (deviceId !== undefined) localStorage.setItem('video-call-' + kind, deviceId);
    return localStorage.getItem('video-call-' + kind) || '';
  } catch {
    return '';
  }
}

/** The cameras, microphones and speakers the browser lists. */
export async function listDevices(): Promise<DeviceList> {
  const all = (await navigator.mediaDevices?.enumerateDevices?.()) ?? [];
  const list = { cameras: [], microphones: [], speakers: [] } as DeviceList;
  for (const kind of Object.values(KINDS)) {
    list[kind[0]] = all.filter((d) => d.kind === kind[1] && d.deviceId).map(({ deviceId, label }) => ({ deviceId, label }));
  }
  return list;
}

/** What the devices part tells the engine. */
export interface DevicesHost {
  media: LocalMedia;
  /** The device in use changed (fired as `vc-device-change`). */
  changed(change: DeviceChange): void;
  /** Devices came or went (a list shown is read again). */
  listed(): void;
  /** A device could not be started. */
  failed(err: VideoCallError): void;
  /** The mic or camera in use (`gone`) went away with none to take its place: that kind is off; `err` says so (`no-device`). */
  lost(gone: Omit<DeviceChange, 'reason'>, err: VideoCallError): void;
  /** Asks for mic and/or camera tracks (media.ts `getUserTracks`: from the bundle, not a copy in this chunk). */
  getUserTracks: Capture;
  /** The bundle's `VideoCallError` (not a copy in this chunk, so `instanceof` holds). */
  Error: typeof VideoCallError;
}

const warn = (err: unknown) => console.warn('[video-call]', err);

/**
 * Which camera, microphone and speaker are used: the remembered choice for each (a stored id no
 * longer there falls back silently to another device), live switching (the new track replaces the
 * old one on every link, no renegotiation), and a device unplugged mid-call: another takes its
 * place; plugged back, it is used again. Plugs into LocalMedia's `capture` seam.
 */
export class Devices {
  /** The speaker chosen (`setSinkId`; '' is the system's default). */
  speaker = remembered('speaker');
  /**
   * `on`: the browser's own noise suppression (the mic's `noiseSuppression` constraint); `off`:
   * none; `strong`: RNNoise (noise.ts) on the mic, the browser's off. Until RNNoise is ready, and
   * if it cannot load, the browser's is used.
   */
  noiseSuppression = 'on';
  // TypeScript `private`, not `#` (the bundle targets ES2021, where each `#` member costs a WeakMap).
  private _host: DevicesHost;
  /** The captured mic and camera tracks (before any processing), with the device each came from. */
  private _raw: Partial<Record<MediaKind, { track: MediaStreamTrack; device: DeviceInfo }>> = {};
  /** The device that went away, per kind, while another stands in for it. */
  private _gone: Partial<Record<DeviceKind, DeviceInfo>> = {};
  /** One change at a time (a user's choice, an unplug, a device back). */
  private _busy: Promise<unknown> = Promise.resolve();
  private _listening = false;
  private _onDeviceChange = () => void this._queue(() => this._deviceChange()).catch(warn);
  /** RNNoise, once loaded and started (`strong`). */
  private _filter?: NoiseFilter;
  private _loading?: Promise<NoiseFilter | undefined>;

  constructor(host: DevicesHost) {
    this._host = host;
    // LocalMedia's `process`: with `strong` and RNNoise ready, the mic sent is the denoised one.
    const prev = host.media.process;
    host.media.process = (kind, track) => {
      const filter = this._filter;
      if (kind !== 'audio' || !filter || this.noiseSuppression !== 'strong') return prev(kind, track);
      return filter.wrap(track, (message) => this._filterFailed(filter, message));
    };
  }

  /**
   * LocalMedia's `capture`: the remembered devices and noise suppression. A remembered device that
   * is no longer there is replaced silently by the default (Chromium does not honour an `ideal`
   * deviceId, so it is asked for `exact`, then without).
   */
  capture: Capture = async (want) => {
    if (!this._listening && navigator.mediaDevices?.addEventListener) {
      this._listening = true;
      navigator.mediaDevices.addEventListener('devicechange', this._onDeviceChange);
    }
    let got = await this._host.getUserTracks(want, this._constraints());
    if (got.error?.code === 'no-device' && (remembered('camera') || remembered('microphone'))) {
      got.audio?.stop();
      got.video?.stop();
      got = await this._host.getUserTracks(want, this._constraints({}, false));
    }
    for (const k of ['audio', 'video'] as const) if (got[k] && !this._live(k)) this._follow(k, got[k]);
    return got;
  };

  /** The cameras, microphones and speakers the browser lists. */
  list(): Promise<DeviceList> {
    return listDevices();
  }

  /** The device in use for `kind`, else the remembered one ('' for the default). */
  current(kind: DeviceKind): string {
    const k = KINDS[kind][2];
    return kind === 'speaker' ? this.speaker : (k && this._live(k)?.device.deviceId) || remembered(kind);
  }

  /** Uses `deviceId` for `kind` now and on the next visit. Rejects on an unknown kind or device, or one that cannot start. */
  async select(kind: DeviceKind, deviceId: string): Promise<void> {
    if (!KINDS[kind as DeviceKind] || typeof deviceId !== 'string') {
      throw new this._host.Error(
        'bad-request',
        `selectDevice(kind, deviceId): kind is camera, microphone or speaker; got ${String(kind)}.`,
      );
    }
    const device = (await listDevices())[KINDS[kind][0]].find((d) => d.deviceId === deviceId);
    if (!device) throw new this._host.Error('no-device', `There is no ${kind} with the id "${deviceId}".`);
    await this._queue(() => this._use(kind, device));
    remembered(kind, deviceId);
    delete this._gone[kind];
    this._host.changed({ kind, ...device, reason: 'user' });
  }

  /**
   * `on`, `off` or `strong`, live on the mic in use: the browser's suppression by `applyConstraints`
   * where it takes, else the mic is captured again (and, for `strong`, denoised) and the new track
   * replaces the old one on every link (no renegotiation). `strong` loads RNNoise the first time;
   * meanwhile the browser's suppression stays, and if it cannot load, `noise-suppression-failed`.
   */
  async setNoiseSuppression(mode: string): Promise<void> {
    this.noiseSuppression = mode;
    if (mode === 'strong' && !this._filter) {
      await (this._loading ??= this._loadFilter());
      if (this.noiseSuppression !== mode) return; // changed meanwhile
    }
    await this._applyNoise();
  }

  private async _loadFilter(): Promise<NoiseFilter | undefined> {
    // The worklet and the wasm: the folder beside the bundle (or where data-video-call-base says).
    const base = new URL('video-call-noise/', basePath()).href;
    try {
      return (this._filter = await loadNoiseFilter(base));
    } catch (err) {
      this._failNoise((err as Error).message);
    } finally {
      this._loading = undefined;
    }
  }

  private _failNoise(why: string): void {
    this._host.failed(
      new this._host.Error(
        'noise-suppression-failed',
        `Strong noise suppression could not be used: ${why} The browser's own noise suppression is used instead.`,
      ),
    );
  }

  /** RNNoise broke on a live mic (its track carries silence): the plain mic, with the browser's suppression, is put back. */
  private _filterFailed(filter: NoiseFilter, message: string): void {
    if (this._filter === filter) {
      this._filter = undefined;
      filter.close();
    }
    this._failNoise(message);
    void this._applyNoise();
  }

  /** Whether the browser's own suppression is wanted: `on` (or anything but `off` and `strong`), or `strong` without RNNoise ready. */
  private _browserNoise(): boolean {
    return this.noiseSuppression !== 'off' && !(this.noiseSuppression === 'strong' && this._filter);
  }

  /** Makes the mic in use match the setting (see {@link setNoiseSuppression}). */
  private async _applyNoise(): Promise<void> {
    const raw = this._live('audio');
    if (!raw) return;
    const on = this._browserNoise();
    const sent = this._host.media.trackFor('audio');
    const denoised = !!sent && sent !== raw.track && sent.readyState === 'live';
    if (denoised === (this.noiseSuppression === 'strong' && !!this._filter)) {
      await raw.track.applyConstraints({ ...raw.track.getConstraints(), noiseSuppression: on }).catch(warn);
      // Chromium does not change a live track's audio processing, nor a new capture's while the device
      // is open: the mic is released and captured again with the new setting, and the new track
      // replaces the old one on every link (no renegotiation).
      if (raw.track.getSettings().noiseSuppression === on) return;
    }
    raw.track.stop();
    await this._queue(() => this._use('microphone', raw.device, true)).catch(warn);
  }

  /** Stops following device changes (the engine is destroyed). */
  release(): void {
    this._filter?.close();
    this._filter = undefined;
    this._listening = false;
    navigator.mediaDevices?.removeEventListener?.('devicechange', this._onDeviceChange);
  }

  private _constraints(exact: Partial<Record<MediaKind, string>> = {}, stored = true) {
    const id = (k: MediaKind, kind: DeviceKind) => {
      const deviceId = exact[k] || (stored && remembered(kind));
      return deviceId ? { exact: deviceId } : undefined;
    };
    return {
      audio: { deviceId: id('audio', 'microphone'), noiseSuppression: this._browserNoise() },
      video: { deviceId: id('video', 'camera') },
    };
  }

  private _live(k: MediaKind) {
    const raw = this._raw[k];
    return raw?.track.readyState === 'live' ? raw : undefined;
  }

  /** Follows a captured track: when its device goes away, the browser ends it. */
  private _follow(k: MediaKind, track: MediaStreamTrack): void {
    const raw = { track, device: { deviceId: track.getSettings().deviceId ?? '', label: track.label } };
    this._raw[k] = raw;
    track.addEventListener('ended', () => void this._queue(() => this._lost(k, raw)).catch(warn));
  }

  private _queue<T>(fn: () => Promise<T>): Promise<T> {
    const p = this._busy.then(fn);
    this._busy = p.catch(() => {});
    return p;
  }

  /**
   * Switches `kind` to `device`; a mic or camera that is off just starts there next time. `force`:
   * captured again all the same (its track just ended, or a constraint changed).
   */
  private async _use(kind: DeviceKind, device: DeviceInfo, force = false): Promise<void> {
    const k = KINDS[kind][2];
    const raw = k && this._live(k);
    if (!k) this.speaker = device.deviceId;
    if (!k || !(raw || force) || (!force && raw?.device.deviceId === device.deviceId)) return;
    const want = { audio: k === 'audio', video: k === 'video' };
    let got = await this._host.getUserTracks(want, this._constraints({ [k]: device.deviceId }));
    if (got.error?.code === 'no-device' && k === 'video') {
      // Phones open one camera at a time: let go of the old one and try again.
      raw?.track.stop();
      got = await this._host.getUserTracks(want, this._constraints({ [k]: device.deviceId }));
      if (!got[k]) this._host.media.replace(k, null);
    }
    const track = got[k];
    if (!track) {
      if (!force) this._host.failed(got.error!);
      throw got.error;
    }
    this._follow(k, track);
    this._host.media.replace(k, track);
  }

  /** The mic or camera in use went away: another takes its place (or, with none left, that kind turns off). */
  private async _lost(k: MediaKind, raw: { track: MediaStreamTrack; device: DeviceInfo }): Promise<void> {
    if (this._raw[k] !== raw) return; // already replaced
    const kind: DeviceKind = k === 'audio' ? 'microphone' : 'camera';
    raw.track.stop(); // unplugged, it ends; gone from the list, it may not have yet
    this._gone[kind] ??= raw.device;
    for (const device of (await listDevices())[KINDS[kind][0]]) {
      if (device.deviceId === raw.device.deviceId) continue;
      try {
        await this._use(kind, device, true);
        return this._host.changed({ kind, ...device, reason: 'unplugged' });
      } catch {
        // try the next one
      }
    }
    this._host.media.replace(k, null);
    this._host.lost(
      { kind, ...raw.device },
      new this._host.Error('no-device', `Your ${kind} (${raw.device.label}) was disconnected, and there is no other: it is off.`),
    );
  }

  /** Devices came or went: one in use that went away is replaced; one that went away and is back is used again. */
  private async _deviceChange(): Promise<void> {
    const list = await listDevices();
    this._host.listed();
    for (const kind of Object.keys(KINDS) as DeviceKind[]) {
      const [plural, , k] = KINDS[kind];
      const there = (id: string) => list[plural].some((d) => d.deviceId === id);
      const raw = k && this._live(k);
      if (raw && !there(raw.device.deviceId)) await this._lost(k, raw);
      else if (!k && this.speaker && !there(this.speaker)) {
        this._gone[kind] ??= { deviceId: this.speaker, label: '' };
        this.speaker = '';
        this._host.changed({ kind, ...(list[plural][0] ?? { deviceId: '', label: '' }), reason: 'unplugged' });
      } else {
        const back = this._gone[kind];
        const device = back && list[plural].find((d) => d.deviceId === back.deviceId);
        if (!device) continue;
        delete this._gone[kind];
        // In use again only if that kind is on (a mic or camera turned off when none was left stays
        // off: it is back in the list for the user to turn on, and nothing says it is in use).
        await this._use(kind, device).then(
          () => (!k || this._live(k)) && this._host.changed({ kind, ...device, reason: 'restored' }),
          warn,
        );
      }
    }
  }
}
