// The settings panel, the level meter and the device notices: in the device settings' own chunk
// (src/device-chunk.ts). Types only are imported: lit, the strings and the icons come from the
// element's bundle (`SettingsKit`), so the chunk carries no second copy of them.
import type { html as litHtml, nothing as litNothing, svg as litSvg } from 'lit';
import type { DeviceChange, DeviceInfo, DeviceKind, DeviceList } from '../../call/devices.js';
import type { t as translate } from '../../i18n/i18n.js';

/** What the panel is drawn with, handed over by the element's bundle. */
export interface SettingsKit {
  html: typeof litHtml;
  svg: typeof litSvg;
  nothing: typeof litNothing;
  t: typeof translate;
  close: unknown;
}

/** What the panel shows and what its fields do. */
export interface SettingsModel {
  devices: DeviceList;
  /** The device in use (or remembered) for each kind. */
  current: (kind: DeviceKind) => string;
  /** The browser can choose an output (`HTMLMediaElement.setSinkId`): the speaker picker shows. */
  speakers: boolean;
  /** `on` (the browser's, shown as Standard), `strong` (RNNoise) or `off`. */
  noiseSuppression: string;
  onSelect: (kind: DeviceKind, deviceId: string) => void;
  onNoiseSuppression: (mode: 'on' | 'off' | 'strong') => void;
  onClose: () => void;
}

/** The panel's styles (here, so they come with the chunk). */
const settingsCss = `.settings{position:absolute;z-index:5;inset-block-start:12px;inset-inline-end:12px;width:min(320px,calc(100% - 24px));max-height:calc(100% - 24px);overflow:auto;display:flex;flex-direction:column;gap:14px;padding:16px;background:var(--_surface);color:var(--_fg);border:1px solid color-mix(in srgb,var(--_fg) 20%,transparent);border-radius:var(--_radius);box-shadow:0 8px 28px rgb(0 0 0/.45)}
.settings header{display:flex;align-items:center;justify-content:space-between;gap:8px}
.settings h2{margin:0;font-size:18px}
.settings .field{display:flex;flex-direction:column;gap:4px}
.settings select{font:inherit;color:var(--_fg);background:var(--_bg);border:1px solid color-mix(in srgb,var(--_fg) 50%,transparent);border-radius:8px;padding:8px 10px;min-width:0}`;

/** The pre-join screen's microphone level (a {@link MicMeter} moves it). */
export function renderMeter({ html, t }: SettingsKit) {
  return html`<style>
      .meter{position:absolute;top:12px;inset-inline:12px;height:6px;border-radius:3px;background:rgb(0 0 0/.45)}
      .meter::after{content:'';display:block;height:100%;width:var(--level,0%);border-radius:inherit;background:#3ecf8e;transition:width .1s}
    </style>
    <div class="meter" role="meter" aria-label=${t('micLevel')} aria-valuemin="0" aria-valuemax="100" aria-valuenow="0"></div>`;
}

/** A device notice: a change, or (`lost`) the mic or camera in use gone with none to take its place. */
export type DeviceNotice = DeviceChange | (Omit<DeviceChange, 'reason'> & { reason: 'lost' });

/**
 * What a device unplugged (another in its place, or none left: that kind is off) or back says: on
 * screen and, through `role="status"`, to screen readers.
 */
export function renderNotice({ html, t }: SettingsKit, n: DeviceNotice) {
  const gone = n.kind === 'camera' ? 'cameraGone' : 'microphoneGone';
  return html`<span>${t(n.reason === 'restored' ? 'deviceRestored' : n.reason === 'lost' ? gone : `${n.kind}Unplugged`, { device: n.label })}</span>`;
}

/**
 * The settings panel (`part="settings"`): camera, microphone and speaker pickers (the speaker only
 * where the browser can choose an output) and noise suppression (Standard: the browser's, Strong: RNNoise, Off). Escape or the close button closes it.
 */
export function renderSettings(kit: SettingsKit, m: SettingsModel) {
  const { html, t } = kit;
  const picker = (kind: DeviceKind, list: DeviceInfo[]) => {
    const current = m.current(kind);
    const onChange = (ev: Event) => m.onSelect(kind, (ev.target as HTMLSelectElement).value);
    return html`<label class="field"
      >${t(kind)}
      <select name=${kind} @change=${onChange}>
        ${list.map(
          (d, i) => html`<option value=${d.deviceId} ?selected=${d.deviceId === current}>${d.label || `${t(kind)} ${i + 1}`}</option>`,
        )}
      </select>
    </label>`;
  };
  const onKey = (ev: KeyboardEvent) => {
    if (ev.key !== 'Escape') return;
    ev.stopPropagation();
    m.onClose();
  };
  const onNoise = (ev: Event) => m.onNoiseSuppression((ev.target as HTMLSelectElement).value as 'on' | 'off' | 'strong');
  const noise = (
    [
      ['on', 'noiseStandard'],
      ['strong', 'noiseStrong'],
      ['off', 'noiseOff'],
    ] as const
  ).map(([mode, id]) => html`<option value=${mode} ?selected=${m.noiseSuppression === mode}>${t(id)}</option>`);
  return html`<style>
      ${settingsCss}
    </style>
    <section class="settings" part="settings" role="dialog" aria-labelledby="settings-title" @keydown=${onKey}>
      <header>
        <h2 id="settings-title">${t('settings')}</h2>
        <button class="icon-button" type="button" aria-label=${t('closeSettings')} title=${t('closeSettings')} @click=${m.onClose}>
          ${kit.close}
        </button>
      </header>
      ${picker('camera', m.devices.cameras)} ${picker('microphone', m.devices.microphones)}
      ${m.speakers ? picker('speaker', m.devices.speakers) : kit.nothing}
      <label class="field"
        >${t('noiseSuppression')}
        <select name="noise-suppression" @change=${onNoise}>
          ${noise}
        </select>
      </label>
    </section>`;
}
