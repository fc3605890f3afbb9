import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { callFrame, peersThenJoin, uniqueRoom, whenEvent, type VideoCall } from './support/call-kit.js';

/**
 * The device settings (issue 14): the Settings button opens a panel with the camera, microphone
 * and speaker pickers (the speaker only where the browser can choose an output) and noise
 * suppression, on the pre-join screen and in a call. Its code is a sibling chunk, fetched with the
 * first capture. The devices listed here are the synthetic media's (stories/support/synthetic-media.ts).
 */
const meta: Meta = { title: 'States/Devices' };
export default meta;
type Story = StoryObj;

const panel = [
  '[part="settings"]',
  '[part="settings"] select[name="camera"] option',
  'button[data-control="settings"][aria-expanded="true"]',
];

/** Opens the settings panel, as a click on the Settings button does (once the device chunk has drawn it). */
async function openSettings(el: VideoCall): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const button = el.shadowRoot?.querySelector<HTMLButtonElement>('button[data-control="settings"]');
    if (button) return button.click();
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The pre-join screen with the settings open: pick the camera, microphone and speaker before joining. */
export const SettingsBeforeJoining: Story = {
  name: 'Settings open (pre-join)',
  render: () => {
    const { frame, el } = callFrame(
      { room: uniqueRoom('settings-prejoin'), transport: 'local', name: 'Ada Lovelace' },
      {
        expect: {
          state: 'idle',
          selectors: [...panel, '[role="meter"]'],
          text: ['Settings', 'Camera', 'Microphone', 'Studio camera (USB)', 'Noise suppression'],
        },
      },
    );
    void openSettings(el);
    return frame;
  },
};

/** In a call, the settings open over the stage: a new camera or microphone is used at once, without reconnecting. */
export const SettingsInCall: Story = {
  name: 'Settings open (in a call)',
  render: () => {
    const room = uniqueRoom('settings-call');
    const { frame, el } = callFrame(
      { room, transport: 'local', name: 'Ada Lovelace', 'ice-servers': '[]' },
      { expect: { state: 'joined', tiles: 2, playing: 1, selectors: panel, text: ['Settings', 'Headset microphone'] } },
    );
    void (async () => {
      await peersThenJoin(el, room, [{ name: 'Grace Hopper' }]);
      await whenEvent(el, 'vc-joined');
      await openSettings(el);
    })();
    return frame;
  },
};
