import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { callFrame, peersThenJoin, uniqueRoom } from './support/call-kit.js';

/**
 * Recording (issue 17): nobody records secretly. While anyone in the call records, everyone sees
 * the recording badge (`part="recording-badge"`, announced to screen readers), whether or not
 * their own element offers recording.
 */
const meta: Meta = { title: 'States/Recording' };
export default meta;
type Story = StoryObj;

/**
 * Grace records the call: Ada sees the recording badge. Ada's element has the `recording`
 * attribute, so her control bar offers the Record button too (not pressed: she is not recording).
 */
export const SomeoneRecords: Story = {
  name: 'Someone is recording',
  render: () => {
    const room = uniqueRoom('recording');
    const { frame, el } = callFrame(
      { room, transport: 'local', name: 'Ada Lovelace', 'ice-servers': '[]', recording: true },
      {
        expect: {
          state: 'joined',
          tiles: 2,
          playing: 1,
          text: ['Grace Hopper', 'Recording'],
          selectors: [
            '[role="status"] [part="recording-badge"]',
            '[part="controls"] button[title="Record the call"][aria-pressed="false"]',
          ],
        },
      },
    );
    void (async () => {
      const [grace] = await peersThenJoin(el, room, [{ name: 'Grace Hopper' }]);
      // Grace starts once Ada is in the call (a newcomer would be told at once, too).
      el.addEventListener('vc-peer-connected', () => void grace.startRecording().catch(() => {}), { once: true });
    })();
    return frame;
  },
};
