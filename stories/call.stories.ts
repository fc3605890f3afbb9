import type { Meta, StoryObj } from '@storybook/web-components-vite';
import {
  NeverAnsweringTransport,
  ReconnectingTransport,
  callFrame,
  onCleanup,
  peersThenJoin,
  uniqueRoom,
  whenEvent,
} from './support/call-kit.js';

/**
 * In a call (meeting flow: everyone in the room connects to everyone). The other participants
 * are call engines on this page with synthetic cameras, connected to the element over real
 * WebRTC through the `local` transport.
 */
const meta: Meta = { title: 'States/In a call' };
export default meta;
type Story = StoryObj;

/** The element's attributes; `autojoin` is set once the other participants are in (see peersThenJoin). */
const base = (room: string) => ({ room, transport: 'local', name: 'Ada Lovelace', 'ice-servers': '[]' });

/** After Join, before the room answers: a spinner (here the transport never answers). */
export const Joining: Story = {
  render: () => {
    const { frame, el } = callFrame(
      { room: uniqueRoom('joining'), autojoin: true, name: 'Ada Lovelace' },
      { expect: { state: 'joining', text: ['Joining…'] } },
    );
    const transport = new NeverAnsweringTransport();
    onCleanup(() => transport.close());
    el.transport = transport;
    return frame;
  },
};

/** Joined, nobody else here yet. */
export const AloneInTheRoom: Story = {
  name: 'Alone in the room',
  render: () =>
    callFrame(
      { ...base(uniqueRoom('alone')), autojoin: true },
      { expect: { state: 'joined', tiles: 1, localPlaying: true, text: ['Waiting for others to join'] } },
    ).frame,
};

/** Two people. */
export const OneToOne: Story = {
  name: '1:1 call',
  render: () => {
    const room = uniqueRoom('one-to-one');
    const { frame, el } = callFrame(base(room), {
      expect: { state: 'joined', tiles: 2, playing: 1, localPlaying: true, text: ['Grace Hopper'] },
    });
    void peersThenJoin(el, room, [{ name: 'Grace Hopper' }]);
    return frame;
  },
};

/** Four people, each connected to each of the others (a mesh). */
export const MeshOfFour: Story = {
  name: 'Mesh of four',
  render: () => {
    const room = uniqueRoom('mesh');
    const { frame, el } = callFrame(base(room), {
      height: '640px',
      expect: { state: 'joined', tiles: 4, playing: 3, text: ['Grace Hopper', 'Alan Turing', 'Katherine Johnson'] },
    });
    void peersThenJoin(el, room, [{ name: 'Grace Hopper' }, { name: 'Alan Turing' }, { name: 'Katherine Johnson' }]);
    return frame;
  },
};

/** One peer has muted their microphone, another has turned their camera off: badges and initials. */
export const MutedAndCameraOff: Story = {
  name: 'Muted and camera-off peers',
  render: () => {
    const room = uniqueRoom('muted');
    const { frame, el } = callFrame(base(room), {
      expect: {
        state: 'joined',
        tiles: 3,
        playing: 1,
        selectors: [
          'figure[part~="remote-tile"] [aria-label="Microphone off"]',
          'figure[part~="remote-tile"].no-video [aria-label="Camera off"]',
          'figure[part~="remote-tile"].no-video .avatar',
        ],
      },
    });
    void peersThenJoin(el, room, [
      { name: 'Grace Hopper', audio: false },
      { name: 'Alan Turing', video: false },
    ]);
    return frame;
  },
};

/** A peer shares their screen: it replaces their camera in their tile, with a badge. */
export const PeerSharesScreen: Story = {
  name: 'Screen sharing (a peer)',
  render: () => {
    const room = uniqueRoom('screen');
    const { frame, el } = callFrame(base(room), {
      expect: { state: 'joined', tiles: 2, playing: 1, selectors: ['figure[part~="remote-tile"].screen [aria-label="Sharing screen"]'] },
    });
    void peersThenJoin(el, room, [{ name: 'Linus Torvalds', screen: true }]);
    return frame;
  },
};

/** We share our screen: our tile shows it and the control is pressed. */
export const YouShareScreen: Story = {
  name: 'Screen sharing (you)',
  render: () => {
    const room = uniqueRoom('my-screen');
    const { frame, el } = callFrame(base(room), {
      expect: {
        state: 'joined',
        tiles: 2,
        playing: 1,
        localPlaying: true,
        selectors: ['figure[part~="local-tile"].screen', 'button[aria-label="Share screen"][aria-pressed="true"]'],
      },
    });
    void peersThenJoin(el, room, [{ name: 'Grace Hopper' }]);
    void whenEvent(el, 'vc-joined').then(() => el.startScreenShare());
    return frame;
  },
};

/** The signaling connection dropped: a banner says so while the call goes on peer to peer. */
export const Reconnecting: Story = {
  render: () => {
    const room = uniqueRoom('reconnecting');
    const { frame, el } = callFrame(
      { ...base(room), transport: undefined },
      { expect: { state: 'joined', tiles: 2, playing: 1, text: ['Reconnecting'] } },
    );
    const transport = new ReconnectingTransport();
    onCleanup(() => transport.close());
    el.transport = transport;
    void peersThenJoin(el, room, [{ name: 'Grace Hopper' }]);
    return frame;
  },
};
