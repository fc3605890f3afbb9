import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { callFrame, peersThenJoin, uniqueRoom } from './support/call-kit.js';

/**
 * Languages: `lang` on the element (or an ancestor, or the browser's) picks one of 18 languages;
 * Arabic and Hebrew lay out right to left. Every id is in docs/i18n.md; `strings` overrides any.
 */
const meta: Meta = { title: 'Languages' };
export default meta;
type Story = StoryObj;

/** German (the longest words), in a call with another participant who is muted. */
export const German: Story = {
  name: 'German, in a call',
  render: () => {
    const room = uniqueRoom('lang-de');
    const { frame, el } = callFrame(
      { room, transport: 'local', name: 'Ada Lovelace', lang: 'de', 'ice-servers': '[]' },
      {
        expect: {
          state: 'joined',
          tiles: 2,
          playing: 1,
          selectors: ['button[aria-label="Stummschalten"]', '[aria-label="Mikrofon aus"]', 'button[aria-label="Anruf verlassen"]'],
        },
      },
    );
    void peersThenJoin(el, room, [{ name: 'Grace Hopper', audio: false }]);
    return frame;
  },
};

/** German on a phone-wide pre-join screen (360 px). */
export const GermanPhone: Story = {
  name: 'German, pre-join at 360 px',
  render: () =>
    callFrame(
      { room: uniqueRoom('lang-de-phone'), transport: 'local', lang: 'de', 'ice-servers': '[]' },
      { width: '360px', height: '640px', expect: { state: 'idle', localPlaying: true, text: ['Beitreten', 'Ihr Name'] } },
    ).frame,
};

/** Arabic: right to left, the control bar starts on the right, the send arrow points left. */
export const Arabic: Story = {
  name: 'Arabic (right to left), in a call',
  render: () => {
    const room = uniqueRoom('lang-ar');
    const { frame, el } = callFrame(
      { room, transport: 'local', name: 'ليلى', lang: 'ar', 'ice-servers': '[]' },
      { expect: { state: 'joined', tiles: 2, playing: 1, selectors: ['.root[dir="rtl"]', 'button[aria-label="مغادرة المكالمة"]'] } },
    );
    void peersThenJoin(el, room, [{ name: 'Grace Hopper' }]);
    return frame;
  },
};

/** Japanese, from an ancestor's `lang` (the element has none of its own). */
export const JapaneseFromAncestor: Story = {
  name: 'Japanese, from an ancestor',
  render: () => {
    const { frame } = callFrame(
      { room: uniqueRoom('lang-ja'), transport: 'local', name: '山田', 'ice-servers': '[]' },
      { expect: { state: 'idle', localPlaying: true, text: ['参加'] } },
    );
    frame.lang = 'ja';
    return frame;
  },
};

/** `strings` overrides: the Join button (id `join`) and the heading, on top of French. */
export const Overrides: Story = {
  name: 'strings overrides (French)',
  render: () => {
    const { frame, el } = callFrame(
      { room: uniqueRoom('lang-strings'), transport: 'local', lang: 'fr', 'ice-servers': '[]' },
      { expect: { state: 'idle', localPlaying: true, text: ['Entrer dans la salle', 'Votre nom'] } },
    );
    el.strings = { join: 'Entrer dans la salle' };
    return frame;
  },
};
