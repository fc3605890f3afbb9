import { html, nothing, svg } from 'lit';
import type { CallEngine } from '../../call/call-engine.js';
import { loadDeviceChunk } from '../../device-chunk-loader.js';
import { en, t } from '../../i18n/i18n.js';
import { icons } from './icons.js';
import type { SettingsHost, SettingsUi } from './settings-ui.js';

/**
 * The device settings (Settings button and panel, the pre-join level meter, unplugged-device
 * notices, the chosen speaker): all in the device chunk, fetched after the element's first update
 * (the same fetch as its first camera/mic capture). Until it is here they are not drawn.
 */
export class Settings {
  /** What draws them, once the chunk is here. */
  ui?: SettingsUi;
  // TypeScript `private`, not `#`: the bundle targets ES2021, where each `#` member costs a WeakMap.
  private _loading?: Promise<void>;

  constructor(
    private _host: SettingsHost,
    private _engine: CallEngine,
  ) {}

  /** After each update (see SettingsUi.afterUpdate). */
  afterUpdate(idle: boolean): void {
    this._loading ??= loadDeviceChunk().then(
      (chunk) => {
        Object.assign(en, chunk.enDevices);
        this.ui = new chunk.SettingsUi(this._host, this._engine, { html, svg, nothing, t, close: icons.close });
        this._host.requestUpdate();
      },
      (err) => console.warn('[video-call]', err),
    );
    this.ui?.afterUpdate(idle);
  }
}
