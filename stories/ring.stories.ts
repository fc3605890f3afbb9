import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { callFrame, spawnPeer, uniqueRoom, whenEvent } from './support/call-kit.js';

/**
 * The `ring` attribute: a 1:1 flow. Whoever was in the room first gets "Start call"; the other
 * gets "Accept" / "Decline"; nothing connects before Accept.
 */
const meta: Meta = { title: 'States/Ring flow' };
export default meta;
type Story = StoryObj;

/** We were here first; someone joined: we may call them. */
export const StartCall: Story = {
  name: 'Start call',
  render: () => {
    const room = uniqueRoom('ring-start');
    const { frame, el } = callFrame(
      { room, transport: 'local', autojoin: true, ring: true, name: 'Ada Lovelace', 'ice-servers': '[]' },
      { expect: { state: 'joined', tiles: 1, text: ['Grace Hopper is here.', 'Start call'], selectors: ['.ring button.primary'] } },
    );
    void whenEvent(el, 'vc-joined').then(() => spawnPeer(room, { name: 'Grace Hopper', ring: true }));
    return frame;
  },
};

/** Someone was waiting and calls us as we arrive. */
export const IncomingCall: Story = {
  name: 'Incoming call',
  render: () => {
    const room = uniqueRoom('ring-incoming');
    const { frame, el } = callFrame(
      { room, transport: 'local', ring: true, name: 'Ada Lovelace', 'ice-servers': '[]' },
      {
        expect: {
          state: 'joined',
          tiles: 1,
          text: ['Grace Hopper is calling you.', 'Accept', 'Decline'],
          selectors: ['.ring-actions button.accept'],
        },
      },
    );
    void spawnPeer(room, { name: 'Grace Hopper', ring: true, callWhenSomeoneJoins: true }).then(() => el.join());
    return frame;
  },
};

/** After Accept: the two are in a call. */
export const Accepted: Story = {
  name: 'Accepted',
  render: () => {
    const room = uniqueRoom('ring-accepted');
    const { frame, el } = callFrame(
      { room, transport: 'local', ring: true, name: 'Ada Lovelace', 'ice-servers': '[]' },
      { expect: { state: 'joined', tiles: 2, playing: 1, text: ['Grace Hopper'] } },
    );
    el.addEventListener('vc-incoming-call', () => void el.accept(), { once: true });
    void spawnPeer(room, { name: 'Grace Hopper', ring: true, callWhenSomeoneJoins: true }).then(() => el.join());
    return frame;
  },
};
