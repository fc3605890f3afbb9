import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { FullRoomTransport, callFrame, onCleanup, peersThenJoin, uniqueRoom } from './support/call-kit.js';
import { setMediaDenied } from './support/synthetic-media.js';

/**
 * What a user sees when something goes wrong. Each also fires `vc-error` with the code shown
 * in the element's `data-code`.
 */
const meta: Meta = { title: 'States/Errors' };
export default meta;
type Story = StoryObj;

/**
 * Camera and microphone refused: a readable message, and the user still joins receive-only,
 * seeing and hearing the others.
 */
export const PermissionDenied: Story = {
  name: 'Permission denied',
  render: () => {
    const room = uniqueRoom('denied');
    const { frame, el } = callFrame(
      { room, transport: 'local', name: 'Ada Lovelace', 'ice-servers': '[]' },
      {
        expect: {
          state: 'joined',
          tiles: 2,
          playing: 1,
          selectors: ['[part="error"][data-code="permission-denied"]'],
          text: ['was refused'],
        },
      },
    );
    // Grace gets her camera; then access is refused, before the element asks for its own.
    void peersThenJoin(el, room, [{ name: 'Grace Hopper' }]);
    setMediaDenied(true);
    return frame;
  },
};

/** A bad attribute value (here an unknown transport): `bad-config`, shown; nothing joins. */
export const BadConfig: Story = {
  name: 'Bad config',
  render: () =>
    callFrame(
      { room: uniqueRoom('bad-config'), transport: 'carrier-pigeon', name: 'Ada Lovelace' },
      {
        expect: {
          state: 'error',
          selectors: ['[part="error"][data-code="bad-config"]', 'button[part="join-button"][disabled]'],
          text: ['Unknown transport "carrier-pigeon"'],
        },
      },
    ).frame,
};

/** Invalid JSON in `ice-servers`. */
export const BadJson: Story = {
  name: 'Bad config (invalid JSON)',
  render: () =>
    callFrame(
      { room: uniqueRoom('bad-json'), transport: 'local', 'ice-servers': '[{urls: stun:example.org}', name: 'Ada Lovelace' },
      {
        expect: {
          state: 'error',
          selectors: ['[part="error"][data-code="bad-config"]'],
          text: ['ice-servers attribute is not valid JSON'],
        },
      },
    ).frame,
};

/** The relay refuses the join: the room is full. */
export const RoomFull: Story = {
  name: 'Room full',
  render: () => {
    const { frame, el } = callFrame(
      { room: uniqueRoom('full'), autojoin: true, name: 'Ada Lovelace' },
      {
        expect: { state: 'error', selectors: ['[part="error"][data-code="room-full"]'], text: ['This room is full'] },
      },
    );
    const transport = new FullRoomTransport(8);
    onCleanup(() => transport.close());
    el.transport = transport;
    return frame;
  },
};

/** More people in the room than `max-peers`: we connect to the first N and are told so. */
export const OverMaxPeers: Story = {
  name: 'Room full (max-peers)',
  render: () => {
    const room = uniqueRoom('max-peers');
    const { frame, el } = callFrame(
      { room, transport: 'local', 'max-peers': 1, name: 'Ada Lovelace', 'ice-servers': '[]' },
      { expect: { state: 'joined', tiles: 2, selectors: ['[part="error"][data-code="room-full"]'] } },
    );
    void peersThenJoin(el, room, [{ name: 'Grace Hopper' }, { name: 'Alan Turing' }]);
    return frame;
  },
};

/**
 * A connection to a participant cannot be made (`ice-failed`): here relay-only
 * (`ice-transport-policy="relay"`) with no TURN server, so nothing can connect. Their tile says
 * so in words a visitor understands; the banner keeps what the embedder must fix.
 */
export const ConnectionProblem: Story = {
  name: 'Connection problem (ice-failed)',
  render: () => {
    const room = uniqueRoom('ice-failed');
    const { frame, el } = callFrame(
      { room, transport: 'local', name: 'Ada Lovelace', 'ice-servers': '[]', 'ice-transport-policy': 'relay' },
      {
        expect: {
          state: 'joined',
          tiles: 2,
          selectors: ['figure[part~="remote-tile"] .status.problem[role="status"]', '[part="error"][data-code="ice-failed"]'],
          text: [
            "Can't connect to this person. Their network or yours may be blocking calls. Still trying…",
            'No TURN server is configured',
          ],
        },
      },
    );
    void peersThenJoin(el, room, [{ name: 'Grace Hopper' }]);
    return frame;
  },
};
