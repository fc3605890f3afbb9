// In the device settings' own chunk (src/device-chunk.ts): what settings.ts, in the element's
// bundle, hands everything device-related over to once the chunk is here.
import type { ReactiveControllerHost } from 'lit';
import type { CallEngine } from '../../call/call-engine.js';
import type { DeviceKind, DeviceList } from '../../call/devices.js';
import { MicMeter } from './mic-meter.js';
import { renderMeter, renderNotice, renderSettings, type DeviceNotice, type SettingsKit } from './settings-panel.js';

export interface SettingsHost extends ReactiveControllerHost {
  readonly renderRoot: ParentNode;
  readonly localStream: MediaStream;
  noiseSuppression: 'on' | 'off' | 'strong';
  selectDevice(kind: DeviceKind, deviceId: string): Promise<void>;
}

/**
 * The device settings as the element shows them: the Settings button, the panel (open or closed;
 * focus goes into it and back to its button), the pre-join screen's level meter, the notice that
 * a device was unplugged or is back, and remote sound on the chosen speaker.
 */
export class SettingsUi {
  /** The panel is open. */
  open = false;
  // TypeScript `private`, not `#` (no WeakMap per member in ES2021).
  private _host: SettingsHost;
  private _engine: CallEngine;
  private _kit: SettingsKit;
  private _devices?: DeviceList;
  private _notice?: DeviceNotice;
  private _timer?: ReturnType<typeof setTimeout>;
  private _meter = new MicMeter();

  constructor(host: SettingsHost, engine: CallEngine, kit: SettingsKit) {
    this._host = host;
    this._engine = engine;
    this._kit = kit;
    engine.on('devices', () => this._list());
    engine.on('device-change', (change) => {
      void this._list();
      host.requestUpdate(); // a speaker chosen: remote sound follows (afterUpdate)
      if (change.reason !== 'user') this._say(change);
    });
    // None left to take its place: that kind is off, and the notice says so (not the generic no-device error).
    engine.on('device-lost', (gone) => {
      void this._list();
      this._say({ ...gone, reason: 'lost' });
    });
  }

  /** Shows (and has read out) a device notice for 8 s. */
  private _say(notice: DeviceNotice): void {
    const host = this._host;
    this._notice = notice;
    host.requestUpdate();
    clearTimeout(this._timer);
    this._timer = setTimeout(() => {
      this._notice = undefined;
      host.requestUpdate();
    }, 8000);
  }

  /** Opens or closes the panel; focus goes to its first field, or back to the Settings button. */
  async setOpen(open: boolean): Promise<void> {
    this.open = open;
    const host = this._host;
    host.requestUpdate();
    await this._list();
    await host.updateComplete;
    host.renderRoot.querySelector<HTMLElement>(open ? '.settings select' : 'button[data-control="settings"]')?.focus();
  }

  /**
   * After each update: the level meter follows the mic while the pre-join screen shows it (`idle`),
   * and remote sound plays on the chosen speaker (`setSinkId`; a device gone meanwhile leaves the default).
   */
  afterUpdate(idle: boolean): void {
    const root = this._host.renderRoot;
    this._meter.follow(idle ? this._host.localStream.getAudioTracks()[0] : undefined, root.querySelector<HTMLElement>('.meter'));
    const sink = this._engine.device('speaker');
    for (const m of root.querySelectorAll<HTMLMediaElement>('video[part="remote-video"], audio')) {
      if (m.setSinkId && m.sinkId !== sink) m.setSinkId(sink).catch(() => {});
    }
  }

  /** The element is gone: the meter stops. */
  stop(): void {
    this._meter.stop();
  }

  private async _list(): Promise<void> {
    if (!this.open) return;
    this._devices = await this._engine.getDevices().catch(() => undefined);
    this._host.requestUpdate();
  }

  /** The Settings button (pre-join screen and control bar). */
  renderButton() {
    const { html, svg, t } = this._kit;
    return html`<button type="button" class="control ${this.open ? 'active' : ''}" data-control="settings" aria-expanded=${this.open}
      aria-label=${t('settings')} title=${t('settings')} @click=${() => this.setOpen(!this.open)}>
      <svg viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true" focusable="false">
        ${svg`<path d="M20 7h-9M14 17H5"/><circle cx="17" cy="17" r="3"/><circle cx="7" cy="7" r="3"/>`}
      </svg>
    </button>`;
  }

  /** The panel when open (once the device list is here). */
  render() {
    const { _devices: devices, _host: host, _engine: engine } = this;
    if (!this.open || !devices) return this._kit.nothing;
    return renderSettings(this._kit, {
      devices,
      current: (kind) => engine.device(kind),
      speakers: 'setSinkId' in HTMLMediaElement.prototype,
      noiseSuppression: host.noiseSuppression,
      onSelect: (kind, id) => void host.selectDevice(kind, id).catch(() => {}),
      onNoiseSuppression: (mode) => (host.noiseSuppression = mode),
      onClose: () => void this.setOpen(false),
    });
  }

  /** The pre-join screen's level meter. */
  renderMeter() {
    return renderMeter(this._kit);
  }

  /** A device unplugged (another in its place) or back: said on screen and to screen readers (a live region, always there). */
  renderNotice() {
    const { html, nothing } = this._kit;
    const n = this._notice;
    return html`<div class=${n ? 'banner' : ''} role="status">${n ? renderNotice(this._kit, n) : nothing}</div>`;
  }
}
