// The device settings' own chunk, fetched with the first camera/microphone capture or the first
// opening of the settings panel (the script-tag build: the sibling file `video-call-devices.js`,
// see device-chunk-loader.script.ts): which devices are used, switching, unplugged devices, the
// settings panel, the pre-join screen's level meter and their English strings. It imports lit
// only as types: the element's bundle hands over its own (settings-panel.ts `SettingsKit`).
export { Devices, listDevices } from './call/devices.js';
export { SettingsUi } from './components/video-call/settings-ui.js';
export { enDevices } from './i18n/en.js';
