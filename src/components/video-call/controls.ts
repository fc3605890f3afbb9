import { html, nothing } from 'lit';
import { icons } from './icons.js';
import { t } from '../../i18n/i18n.js';

export interface ControlsModel {
  micOn: boolean;
  cameraOn: boolean;
  screenSharing: boolean;
  chatOpen: boolean;
  unread: number;
  canShareScreen: boolean;
  /** We record: the Record button is pressed. */
  recording: boolean;
  /** The Record button's action; without it (the `recording` attribute is off) there is no Record button. */
  onRecord?: () => void;
  onMic: () => void;
  onCamera: () => void;
  onScreen: () => void;
  onChat: () => void;
  onLeave: () => void;
  /** The Settings button (it opens the settings panel). */
  settings: unknown;
  /** More controls before Leave (hand, reactions, participants, full screen, picture-in-picture: social.ts), once loaded. */
  extra: unknown;
}

/** The control bar: mic, camera, screen share, record (if offered), chat, settings, the extra controls and leave; every button labelled and keyboard-usable. */
export function renderControls(m: ControlsModel) {
  return html`<div class="controls" part="controls" role="group" aria-label=${t('callControls')}>
    <button type="button" class="control ${m.micOn ? '' : 'off'}" aria-pressed=${!m.micOn} aria-label=${t('muteMic')}
      title=${m.micOn ? t('muteMic') : t('unmuteMic')} @click=${m.onMic}>
      ${m.micOn ? icons.mic : icons.micOff}
    </button>
    <button type="button" class="control ${m.cameraOn ? '' : 'off'}" aria-pressed=${!m.cameraOn} aria-label=${t('cameraOff')}
      title=${m.cameraOn ? t('cameraOff') : t('cameraOn')} @click=${m.onCamera}>
      ${m.cameraOn ? icons.cam : icons.camOff}
    </button>
    ${
      m.canShareScreen
        ? html`<button type="button" class="control ${m.screenSharing ? 'active' : ''}" aria-pressed=${m.screenSharing} aria-label=${t('shareScreen')}
          title=${m.screenSharing ? t('stopSharing') : t('shareYourScreen')} @click=${m.onScreen}>
          ${icons.screen}
        </button>`
        : nothing
    }
    ${
      m.onRecord
        ? html`<button type="button" class="control ${m.recording ? 'active' : ''}" aria-pressed=${m.recording} title=${t('record')} @click=${m.onRecord}>${icons.record}</button>`
        : nothing
    }
    <button type="button" class="control ${m.chatOpen ? 'active' : ''}" aria-pressed=${m.chatOpen} aria-label=${t('chat')} data-control="chat"
      title=${m.chatOpen ? t('closeChat') : t('openChat')} @click=${m.onChat}>
      ${icons.chat}
      ${m.unread > 0 && !m.chatOpen ? html`<span class="unread" aria-label=${t('unread', { count: m.unread })}>${m.unread > 99 ? '99+' : m.unread}</span>` : nothing}
    </button>
    ${m.extra}
    ${m.settings}
    <button type="button" class="control leave" aria-label=${t('leaveCall')} title=${t('leaveCall')} @click=${m.onLeave}>
      ${icons.leave}
    </button>
  </div>`;
}
