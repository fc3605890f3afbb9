import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { callFrame, onCleanup, peersThenJoin, uniqueRoom, whenEvent } from './support/call-kit.js';

/** Who is large, who is speaking, how each line is (issue 14): the speaker layout, a pin, a poor line. */
const meta: Meta = { title: 'Layout and presence', parameters: { layout: 'fullscreen' } };
export default meta;
type Story = StoryObj;

/** `layout="speaker"`: one participant large, the others in a strip under it. */
export const SpeakerLayout: Story = {
  name: 'Speaker layout',
  render: () => {
    const room = uniqueRoom('speaker');
    const { frame, el } = callFrame(
      { room, transport: 'local', name: 'Ada Lovelace', 'ice-servers': '[]', layout: 'speaker' },
      {
        width: '1280px',
        height: '720px',
        expect: { state: 'joined', tiles: 4, playing: 3, selectors: ['.grid .tile.main[part~="remote-tile"]'] },
      },
    );
    void peersThenJoin(el, room, [{ name: 'Grace Hopper' }, { name: 'Alan Turing' }, { name: 'Katherine Johnson' }]);
    return frame;
  },
};

/** `pin(peerId)`: that participant is shown large in the grid layout too. */
export const Pinned: Story = {
  name: 'Pinned participant',
  render: () => {
    const room = uniqueRoom('pinned');
    const { frame, el } = callFrame(
      { room, transport: 'local', name: 'Ada Lovelace', 'ice-servers': '[]' },
      {
        width: '1280px',
        height: '720px',
        expect: { state: 'joined', tiles: 3, playing: 2, selectors: ['.grid .tile.main[part~="remote-tile"]'] },
      },
    );
    void (async () => {
      const connected = whenEvent(el, 'vc-peer-connected');
      await peersThenJoin(el, room, [{ name: 'Grace Hopper' }, { name: 'Alan Turing' }]);
      await connected;
      const alan = el.peers.find((p) => p.name === 'Alan Turing') ?? el.peers[0];
      el.pin(alan.id);
    })();
    return frame;
  },
};

/**
 * A poor line: Grace's picture is held to 20 kbit/s by her own sender (as a congested uplink does),
 * so her tile reads `data-quality="poor"` and its signal bars show one red bar; their tooltip gives the figures.
 */
export const PoorLine: Story = {
  name: 'A poor line',
  render: () => {
    const room = uniqueRoom('poor-line');
    const { frame, el } = callFrame(
      { room, transport: 'local', name: 'Ada Lovelace', 'ice-servers': '[]' },
      {
        width: '960px',
        height: '540px',
        expect: { state: 'joined', tiles: 2, selectors: ['[part~="remote-tile"][data-quality="poor"] .line'] },
      },
    );
    // Every connection made on the page is noted, to find Grace's and cap her picture.
    const Native = window.RTCPeerConnection;
    const made: RTCPeerConnection[] = [];
    window.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        made.push(this);
      }
    } as typeof RTCPeerConnection;
    onCleanup(() => (window.RTCPeerConnection = Native));
    void (async () => {
      const connected = whenEvent(el, 'vc-peer-connected');
      const [grace] = await peersThenJoin(el, room, [{ name: 'Grace Hopper' }]);
      await connected;
      const ours = grace.localStream.getVideoTracks()[0];
      for (const pc of made) {
        const sender = pc.getSenders().find((s) => s.track && s.track === ours);
        if (!sender) continue;
        const params = sender.getParameters();
        if (!params.encodings?.length) continue;
        params.encodings[0].maxBitrate = 20_000;
        await sender.setParameters(params);
      }
    })();
    return frame;
  },
};
