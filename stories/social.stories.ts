import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { callFrame, onCleanup, peersThenJoin, uniqueRoom, whenEvent } from './support/call-kit.js';

/**
 * Hands, reactions and the participants panel. Hands and reactions travel peer to peer over the
 * data channels; the other participants are call engines on this page with synthetic cameras.
 */
const meta: Meta = { title: 'States/Hands, reactions, participants' };
export default meta;
type Story = StoryObj;

const base = (room: string) => ({ room, transport: 'local', name: 'Ada Lovelace', 'ice-servers': '[]' });

/** Two hands up (Grace's and ours): a hand in the tile's corner and an outline; our hand button pressed. */
export const HandsUp: Story = {
  name: 'Hands up',
  render: () => {
    const room = uniqueRoom('hands');
    const { frame, el } = callFrame(base(room), {
      expect: {
        state: 'joined',
        tiles: 3,
        selectors: [
          'figure[part~="remote-tile"][data-hand] [aria-label="Hand raised"]',
          'figure[part~="local-tile"][data-hand]',
          '[data-control="hand"][aria-pressed="true"]',
        ],
      },
    });
    void (async () => {
      const joined = whenEvent(el, 'vc-joined');
      const [grace] = await peersThenJoin(el, room, [{ name: 'Grace Hopper' }, { name: 'Alan Turing' }]);
      grace.raiseHand(true);
      await joined;
      el.raiseHand(true);
    })();
    return frame;
  },
};

/** The participants panel: everyone with their hand, microphone and camera; raised hands first. */
export const Participants: Story = {
  name: 'Participants panel',
  render: () => {
    const room = uniqueRoom('people');
    const { frame, el } = callFrame(base(room), {
      expect: {
        state: 'joined',
        tiles: 4,
        selectors: [
          '[part="participants"] li:nth-child(4)',
          '[part="participants"] li:nth-child(2) .hand',
          '[part="participants"] [aria-label="Microphone off"]',
          '[part="participants"] [aria-label="Camera off"]',
        ],
        text: ['Participants (4)'],
      },
    });
    void (async () => {
      const joined = whenEvent(el, 'vc-joined');
      const [, , linus] = await peersThenJoin(el, room, [
        { name: 'Grace Hopper', audio: false },
        { name: 'Alan Turing', video: false },
        { name: 'Linus Torvalds' },
      ]);
      linus.raiseHand(true);
      await joined;
      await el.updateComplete;
      el.shadowRoot!.querySelector<HTMLButtonElement>('[data-control="participants"]')?.click();
    })();
    return frame;
  },
};

/** Reactions float up over the sender's tile and fade (in place, without motion, under prefers-reduced-motion). */
export const Reactions: Story = {
  name: 'Reactions',
  render: () => {
    const room = uniqueRoom('reactions');
    const { frame, el } = callFrame(base(room), {
      expect: { state: 'joined', tiles: 3, selectors: ['figure[part~="remote-tile"] .reactions span', '.reaction-bar'] },
    });
    void (async () => {
      const joined = whenEvent(el, 'vc-joined');
      const peers = await peersThenJoin(el, room, [{ name: 'Grace Hopper' }, { name: 'Alan Turing' }]);
      await joined;
      await el.updateComplete;
      el.shadowRoot!.querySelector<HTMLButtonElement>('[data-control="reactions"]')?.click();
      const emojis = ['👍', '🎉', '😂', '❤️', '👏', '😮'];
      let i = 0;
      const send = () => peers[i % 2].react(emojis[i++ % emojis.length]);
      send();
      const timer = setInterval(send, 700);
      onCleanup(() => clearInterval(timer));
    })();
    return frame;
  },
};

/** No `room` set: Join is disabled, and a line under it says why. */
export const NoRoom: Story = {
  name: 'Pre-join without a room',
  render: () => {
    const { frame } = callFrame(
      { transport: 'local', name: 'Ada Lovelace' },
      {
        expect: {
          state: 'idle',
          selectors: ['[part="join-button"][disabled][aria-describedby="no-room"]', '#no-room'],
          text: ['There is no room to join yet'],
        },
      },
    );
    return frame;
  },
};
