import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { callFrame, deliver, openChat, peersThenJoin, uniqueRoom, whenEvent } from './support/call-kit.js';

/**
 * The chat panel. Messages go peer to peer over a data channel; text is shown as text, never
 * as markup.
 */
const meta: Meta = { title: 'States/Chat' };
export default meta;
type Story = StoryObj;

const MARKUP = 'Is this bold? <b>no</b> <img src="x" onerror="alert(1)"> <script>alert(2)</script>';
const LONG =
  'Here is a long one, to see how the panel wraps it: the relay never sees chat, because messages travel over an RTCDataChannel straight to each peer, and a message is capped at 4000 characters. ' +
  'Supercalifragilisticexpialidocious-and-an-unbroken-string-of-characters-that-must-wrap-rather-than-overflow-the-panel-0123456789.';

/** A conversation: a long message, markup shown as text, and our own replies. */
export const Conversation: Story = {
  name: 'Chat open with a conversation',
  render: () => {
    const room = uniqueRoom('chat');
    const { frame, el } = callFrame(
      { room, transport: 'local', name: 'Ada Lovelace', 'ice-servers': '[]' },
      {
        expect: {
          state: 'joined',
          tiles: 2,
          selectors: ['[part="chat"]', '[part="chat"] li.own'],
          text: ['Is this bold? <b>no</b> <img src="x" onerror="alert(1)">', 'Supercalifragilisticexpialidocious', 'Ha, no: it is text.'],
          absentSelectors: ['[part="chat"] b', '[part="chat"] img', '[part="chat"] script'],
        },
      },
    );
    void (async () => {
      const connected = whenEvent(el, 'vc-peer-connected');
      const [grace] = await peersThenJoin(el, room, [{ name: 'Grace Hopper' }]);
      await connected;
      await openChat(el);
      await deliver(el, grace, 'Hi Ada! Can you see my screen later?');
      el.sendChat('Hi Grace, yes. Go ahead when you are ready.');
      await deliver(el, grace, LONG);
      await deliver(el, grace, MARKUP);
      el.sendChat('Ha, no: it is text.');
    })();
    return frame;
  },
};

/** Many messages: the list scrolls, newest at the bottom. */
export const ManyMessages: Story = {
  name: 'Chat with many messages',
  render: () => {
    const room = uniqueRoom('chat-many');
    const { frame, el } = callFrame(
      { room, transport: 'local', name: 'Ada Lovelace', 'ice-servers': '[]' },
      {
        expect: {
          state: 'joined',
          tiles: 3,
          playing: 2,
          selectors: ['[part="chat"] li:nth-child(40)'],
          text: ['Message 40 of 40'],
          inView: ['[part="chat"] li:last-child'],
        },
      },
    );
    void (async () => {
      const [grace, alan] = await peersThenJoin(el, room, [{ name: 'Grace Hopper' }, { name: 'Alan Turing' }]);
      await whenEvent(el, 'vc-joined');
      await openChat(el);
      await Promise.all([deliver(el, grace, 'Message 1 of 40'), deliver(el, alan, 'Message 2 of 40')]);
      for (let i = 3; i <= 40; i++) {
        const text = `Message ${i} of 40${i % 7 === 0 ? ': a slightly longer line, so the list is not all the same width' : ''}`;
        if (i % 3 === 0) el.sendChat(text);
        else await deliver(el, i % 2 ? grace : alan, text);
      }
    })();
    return frame;
  },
};

/** Chat closed while messages arrive: the Chat button shows the unread count. */
export const Unread: Story = {
  name: 'Unread messages',
  render: () => {
    const room = uniqueRoom('chat-unread');
    const { frame, el } = callFrame(
      { room, transport: 'local', name: 'Ada Lovelace', 'ice-servers': '[]' },
      { expect: { state: 'joined', tiles: 2, selectors: ['button[aria-label="Chat"] .unread'], text: ['3'] } },
    );
    void (async () => {
      const [grace] = await peersThenJoin(el, room, [{ name: 'Grace Hopper' }]);
      for (const t of ['Are you there?', 'Ada?', 'Open the chat :)']) await deliver(el, grace, t);
    })();
    return frame;
  },
};
