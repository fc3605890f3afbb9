import { html, nothing } from 'lit';
import { icons } from './icons.js';

export interface ControlsModel {
  micOn: boolean;
  cameraOn: boolean;
  screenSharing: boolean;
  chatOpen: boolean;
  unread: number;
  canShareScreen: boolean;
  onMic: () => void;
  onCamera: () => void;
  onScreen: () => void;
  onChat: () => void;
  onLeave: () => void;
}

/** The control bar: mic, camera, screen share, chat and leave; every button labelled and keyboard-usable. */
export function renderControls(m: ControlsModel) {
  return html`<div class="controls" part="controls" role="group" aria-label="Call controls">
    <button type="button" class="control ${m.micOn ? '' : 'off'}" aria-pressed=${!m.micOn} aria-label="Mute microphone"
      title=${m.micOn ? 'Mute microphone' : 'Unmute microphone'} @click=${m.onMic}>
      ${m.micOn ? icons.mic : icons.micOff}
    </button>
    <button type="button" class="control ${m.cameraOn ? '' : 'off'}" aria-pressed=${!m.cameraOn} aria-label="Turn camera off"
      title=${m.cameraOn ? 'Turn camera off' : 'Turn camera on'} @click=${m.onCamera}>
      ${m.cameraOn ? icons.cam : icons.camOff}
    </button>
    ${m.canShareScreen
      ? html`<button type="button" class="control ${m.screenSharing ? 'active' : ''}" aria-pressed=${m.screenSharing} aria-label="Share screen"
          title=${m.screenSharing ? 'Stop sharing your screen' : 'Share your screen'} @click=${m.onScreen}>
          ${icons.screen}
        </button>`
      : nothing}
    <button type="button" class="control ${m.chatOpen ? 'active' : ''}" aria-pressed=${m.chatOpen} aria-label="Chat"
      title=${m.chatOpen ? 'Close chat' : 'Open chat'} @click=${m.onChat}>
      ${icons.chat}
      ${m.unread > 0 && !m.chatOpen ? html`<span class="unread" aria-label="${m.unread} unread">${m.unread > 99 ? '99+' : m.unread}</span>` : nothing}
    </button>
    <button type="button" class="control leave" aria-label="Leave call" title="Leave call" @click=${m.onLeave}>
      ${icons.leave}
    </button>
  </div>`;
}
