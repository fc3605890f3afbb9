import { html, nothing } from 'lit';
import type { CallEngine } from '../../call/call-engine.js';
import { icons } from './icons.js';
import { renderTile } from './tile.js';
import { parts, t } from '../../i18n/i18n.js';

export interface PrejoinModel {
  name: string;
  room: string;
  /** Our camera and mic, as the call engine has them. */
  media: Pick<CallEngine, 'localStream' | 'micOn' | 'cameraOn' | 'screenSharing'>;
  /** A bad configuration: Join is disabled. */
  blocked: boolean;
  onName: (name: string) => void;
  onJoin: () => void;
  onMic: () => void;
  onCamera: () => void;
  /** The Settings button (it opens the settings panel). */
  settings: unknown;
  /** The microphone's level meter. */
  meter: unknown;
}

/**
 * The pre-join screen (`part="prejoin"`): camera preview with the microphone's level, mic and
 * camera toggles and the Settings button; name, Join.
 * With no room, Join is disabled and a line under it says why.
 */
export function renderPrejoin(m: PrejoinModel) {
  const { micOn, cameraOn } = m.media;
  const onName = (ev: InputEvent) => m.onName((ev.target as HTMLInputElement).value);
  const submit = (ev: SubmitEvent) => {
    ev.preventDefault();
    m.onJoin();
  };
  return html`<form class="prejoin" part="prejoin" @submit=${submit}>
      <div class="preview">
        ${renderTile({ label: m.name || t('you'), stream: m.media.localStream, audio: micOn, video: cameraOn || m.media.screenSharing, screen: false })}
        ${micOn ? m.meter : nothing}
        <div class="preview-controls">
          <button type="button" class="control ${micOn ? '' : 'off'}" aria-pressed=${!micOn} aria-label=${t('muteMic')}
            title=${micOn ? t('muteMic') : t('unmuteMic')} @click=${m.onMic}>${micOn ? icons.mic : icons.micOff}</button>
          <button type="button" class="control ${cameraOn ? '' : 'off'}" aria-pressed=${!cameraOn} aria-label=${t('cameraOff')}
            title=${cameraOn ? t('cameraOff') : t('cameraOn')} @click=${m.onCamera}>${cameraOn ? icons.cam : icons.camOff}</button>
          ${m.settings}
        </div>
      </div>
      <div class="join-form">
        <h2>${m.room ? parts('room', { room: html`<span class="room"><bdi>${m.room}</bdi></span>` }) : t('readyToJoin')}</h2>
        <label for="name">${t('yourName')}</label>
        <input id="name" name="name" autocomplete="name" maxlength="64" placeholder=${t('yourName')} .value=${m.name} @input=${onName} />
        <button class="primary" part="join-button" type="submit" ?disabled=${m.blocked || !m.room} aria-describedby=${m.room ? nothing : 'no-room'}>${t('join')}</button>
        ${m.room ? nothing : html`<p id="no-room" class="no-room">${t('noRoom')}</p>`}
      </div>
    </form>`;
}
