import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { callFrame, peersThenJoin, uniqueRoom } from './support/call-kit.js';

/**
 * `background="blur"`: what is behind you is blurred, on this device (a worker running
 * MediaPipe's selfie segmentation; docs/background.md). The synthetic camera has no person in
 * it, so most of it is blurred; the others receive what the preview shows. Storybook serves
 * the built `dist/video-call-background/` (run `npm run build` first; without it the story shows
 * the `background-failed` message and the plain camera).
 */
const meta: Meta = { title: 'States/Background' };
export default meta;
type Story = StoryObj;

/** A 1:1 call with the background blurred: no error, both videos playing. */
export const BackgroundBlur: Story = {
  name: 'Background blur',
  render: () => {
    const room = uniqueRoom('background');
    const { frame, el } = callFrame(
      { room, transport: 'local', name: 'Ada Lovelace', 'ice-servers': '[]', background: 'blur' },
      {
        expect: { state: 'joined', tiles: 2, playing: 1, localPlaying: true, text: ['Grace Hopper'], absentSelectors: ['[part="error"]'] },
      },
    );
    void peersThenJoin(el, room, [{ name: 'Grace Hopper' }]);
    return frame;
  },
};
