import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { callFrame, peersThenJoin, uniqueRoom } from './support/call-kit.js';

/**
 * Theming from outside the shadow root: the `--vc-*` custom properties for colours, sizes and
 * font, and `::part()` for the pieces (`tile`, `local-video`, `remote-video`, `controls`,
 * `chat`, `prejoin`, `join-button`, `error`).
 */
const meta: Meta = { title: 'Theming' };
export default meta;
type Story = StoryObj;

const LIGHT = `
  video-call.light {
    --vc-bg: #f4f1ea;
    --vc-fg: #1f2328;
    --vc-muted-fg: #5b6270;
    --vc-surface: #ffffff;
    --vc-accent: #0a7d52;
    --vc-accent-fg: #ffffff;
    --vc-accent-text: #0a7d52;
    --vc-danger: #c4321c;
    --vc-focus: #0a7d52;
    --vc-radius: 4px;
    --vc-gap: 14px;
    --vc-font: Georgia, 'Times New Roman', serif;
    --vc-chat-width: 280px;
  }
  video-call.light::part(tile) { box-shadow: 0 2px 10px rgb(0 0 0 / 0.15); }
  video-call.light::part(remote-video) { filter: saturate(0.8); }
  video-call.light::part(controls) { background: transparent; }
  video-call.light::part(join-button) { border-radius: 999px; }
`;

/** A light theme with square corners and a serif font, in a call. */
export const LightTheme: Story = {
  name: 'Light theme (--vc-* and ::part)',
  render: () => {
    const room = uniqueRoom('theme');
    const { frame, el } = callFrame(
      { room, transport: 'local', name: 'Ada Lovelace', 'ice-servers': '[]' },
      {
        css: LIGHT,
        expect: { state: 'joined', tiles: 2, playing: 1, selectors: ['figure[part~="remote-tile"] [aria-label="Microphone off"]'] },
      },
    );
    el.className = 'light';
    void peersThenJoin(el, room, [{ name: 'Grace Hopper', audio: false }]);
    return frame;
  },
};

/** The same theme on the pre-join screen. */
export const LightPreJoin: Story = {
  name: 'Light theme, pre-join',
  render: () => {
    const { frame, el } = callFrame(
      { room: uniqueRoom('theme-prejoin'), transport: 'local', name: 'Ada Lovelace', 'ice-servers': '[]' },
      { css: LIGHT, expect: { state: 'idle', localPlaying: true, selectors: ['[part="prejoin"]'] } },
    );
    el.className = 'light';
    return frame;
  },
};
