import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { callFrame, deliver, openChat, peersThenJoin, uniqueRoom, whenEvent } from './support/call-kit.js';

/** The element adapts to the width it is given: a phone (360 px) and a wide desktop (1280 px). */
const meta: Meta = { title: 'Layouts', parameters: { layout: 'fullscreen' } };
export default meta;
type Story = StoryObj;

/** A phone: tiles stack, the control bar stays reachable. */
export const Narrow: Story = {
  name: 'Narrow (360 px)',
  render: () => {
    const room = uniqueRoom('narrow');
    const { frame, el } = callFrame(
      { room, transport: 'local', name: 'Ada Lovelace', 'ice-servers': '[]' },
      {
        width: '360px',
        height: '720px',
        expect: {
          state: 'joined',
          tiles: 3,
          playing: 2,
          selectors: ['[part="controls"]'],
        },
      },
    );
    void peersThenJoin(el, room, [{ name: 'Grace Hopper' }, { name: 'Alan Turing', audio: false }]);
    return frame;
  },
};

/** A phone with the chat open: the panel covers the call. */
export const NarrowChat: Story = {
  name: 'Narrow (360 px), chat open',
  render: () => {
    const room = uniqueRoom('narrow-chat');
    const { frame, el } = callFrame(
      { room, transport: 'local', name: 'Ada Lovelace', 'ice-servers': '[]' },
      { width: '360px', height: '720px', expect: { state: 'joined', tiles: 2, selectors: ['[part="chat"]', '[part="chat"] textarea'] } },
    );
    void peersThenJoin(el, room, [{ name: 'Grace Hopper' }]);
    void whenEvent(el, 'vc-joined').then(() => openChat(el));
    return frame;
  },
};

/** A wide desktop: four people (one muted, one with the camera off) and the chat beside them (the README's screenshot). */
export const Wide: Story = {
  name: 'Wide (1280 px)',
  render: () => {
    const room = uniqueRoom('wide');
    const { frame, el } = callFrame(
      { room, transport: 'local', name: 'Ada Lovelace', 'ice-servers': '[]' },
      {
        width: '1280px',
        height: '720px',
        expect: {
          state: 'joined',
          tiles: 4,
          playing: 2,
          selectors: [
            '[part="chat"]',
            'figure[part~="remote-tile"] [aria-label="Microphone off"]',
            'figure[part~="remote-tile"].no-video .avatar',
          ],
          text: ['Welcome! Shall we start with the roadmap?', 'Sounds good, sharing my notes in the chat.'],
          inView: ['[part="chat"] li:last-child'],
        },
      },
    );
    void (async () => {
      const connected = whenEvent(el, 'vc-peer-connected');
      const [grace] = await peersThenJoin(el, room, [
        { name: 'Grace Hopper' },
        { name: 'Alan Turing', audio: false },
        { name: 'Katherine Johnson', video: false },
      ]);
      await connected;
      await openChat(el);
      await deliver(el, grace, 'Welcome! Shall we start with the roadmap?');
      el.sendChat('Sounds good, sharing my notes in the chat.');
    })();
    return frame;
  },
};

/** The pre-join screen on a phone. */
export const NarrowPreJoin: Story = {
  name: 'Narrow (360 px), pre-join',
  render: () =>
    callFrame(
      { room: uniqueRoom('narrow-prejoin'), transport: 'local', 'ice-servers': '[]' },
      {
        width: '360px',
        height: '720px',
        expect: { state: 'idle', localPlaying: true, selectors: ['[part="prejoin"]', 'button[part="join-button"]'] },
      },
    ).frame,
};
