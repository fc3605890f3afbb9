import type { Meta, StoryObj } from '@storybook/web-components-vite';
import manifest from '../custom-elements.json';
import { callFrame, uniqueRoom } from './support/call-kit.js';

interface ManifestMember {
  kind: string;
  name: string;
  description?: string;
  readonly?: boolean;
  parameters?: { name: string; optional?: boolean; type?: { text: string }; description?: string }[];
  return?: { type?: { text: string } };
  type?: { text: string };
}
const element = manifest.modules
  .flatMap((m) => m.declarations as { tagName?: string; description?: string; members?: ManifestMember[] }[])
  .find((d) => d.tagName === 'video-call')!;
const oneLine = (s = '') => s.replace(/\s*\n\s*/g, ' ');

/**
 * The docs page's description: the element's own, then its methods and read-only properties,
 * which Storybook's tables leave out; all read from custom-elements.json.
 */
function describeElement(): string {
  const members = element.members ?? [];
  const methods = members
    .filter((m) => m.kind === 'method')
    .map((m) => {
      const params = (m.parameters ?? []).map((p) => `${p.name}${p.optional ? '?' : ''}: ${p.type?.text ?? 'unknown'}`).join(', ');
      const paramDocs = (m.parameters ?? [])
        .filter((p) => p.description)
        .map((p) => ` \`${p.name}\`: ${oneLine(p.description)}`)
        .join('');
      return `| \`${m.name}(${params}): ${m.return?.type?.text ?? 'void'}\` | ${oneLine(m.description)}${paramDocs} |`;
    });
  const readOnly = members
    .filter((m) => m.kind === 'field' && m.readonly)
    .map((m) => `| \`${m.name}\`: \`${m.type?.text ?? ''}\` | ${oneLine(m.description)} |`);
  return [
    element.description ?? '',
    '### Methods',
    '| method | what it does |\n|---|---|\n' + methods.join('\n'),
    '### Read-only properties',
    '| property | meaning |\n|---|---|\n' + readOnly.join('\n'),
    'Attributes, events (with their `detail`), CSS parts and `--vc-*` custom properties are in the table below.',
  ].join('\n\n');
}

/** The element's read-only properties, from custom-elements.json. */
function readOnlyProperties(): string[] {
  return (element.members ?? []).filter((m) => m.kind === 'field' && m.readonly).map((m) => m.name);
}

/**
 * `<video-call>`: the whole element, documented from custom-elements.json. The Playground's
 * controls set its attributes; the other story groups show every state a user can meet.
 */
interface Args {
  room: string;
  transport: string;
  server: string;
  name: string;
  token: string;
  autojoin: boolean;
  ring: boolean;
  audio: 'on' | 'off';
  video: 'on' | 'off';
  'max-peers': number;
  'ice-servers': string;
  'firebase-config': string;
}

const meta: Meta<Args> = {
  title: 'Video call',
  component: 'video-call',
  tags: ['autodocs'],
  parameters: { docs: { description: { component: describeElement() } } },
  argTypes: {
    room: { control: 'text', description: 'Room id to join.' },
    transport: { control: 'select', options: ['local', 'socket.io', 'firebase', 'carrier-pigeon'] },
    server: { control: 'text' },
    name: { control: 'text' },
    token: { control: 'text' },
    autojoin: { control: 'boolean' },
    ring: { control: 'boolean' },
    audio: { control: 'inline-radio', options: ['on', 'off'] },
    video: { control: 'inline-radio', options: ['on', 'off'] },
    'max-peers': { control: { type: 'number', min: 1, max: 8 } },
    'ice-servers': { control: 'text' },
    'firebase-config': { control: 'text' },
    // Read-only properties (state, peers, localStream…) are shown, but offer no control.
    ...Object.fromEntries(readOnlyProperties().map((name) => [name, { control: false }])),
  },
  args: {
    room: 'storybook-playground',
    transport: 'local',
    server: '',
    name: 'Ada Lovelace',
    token: '',
    autojoin: false,
    ring: false,
    audio: 'on',
    video: 'on',
    'max-peers': 5,
    'ice-servers': '[]',
    'firebase-config': '',
  },
  render: (args) =>
    callFrame(
      {
        ...args,
        server: args.server || undefined,
        token: args.token || undefined,
        'firebase-config': args['firebase-config'] || undefined,
      },
      { expect: args.autojoin ? { state: 'joined', tiles: 1 } : { selectors: ['[part="prejoin"]'], localPlaying: args.video === 'on' } },
    ).frame,
};
export default meta;
type Story = StoryObj<Args>;

/**
 * Every attribute as a control. With `transport="local"` the call runs between tabs of this
 * browser: open this story in a second tab and press Join in both.
 */
export const Playground: Story = {};

/** The pre-join screen: camera preview, name, mic and camera toggles, and Join. */
export const PreJoin: Story = {
  name: 'Pre-join',
  render: () =>
    callFrame(
      { room: uniqueRoom('prejoin'), transport: 'local', name: 'Ada Lovelace', 'ice-servers': '[]' },
      {
        expect: {
          state: 'idle',
          localPlaying: true,
          selectors: ['[part="prejoin"]', 'button[part="join-button"]:not([disabled])', 'input#name'],
          text: ['Your name', 'Join'],
        },
      },
    ).frame,
};

/** Pre-join with `audio="off"` and `video="off"`: the user starts muted with the camera off. */
export const PreJoinMutedCameraOff: Story = {
  name: 'Pre-join, mic and camera off',
  render: () =>
    callFrame(
      { room: uniqueRoom('prejoin-off'), transport: 'local', audio: 'off', video: 'off', 'ice-servers': '[]' },
      {
        expect: {
          state: 'idle',
          selectors: ['[part="prejoin"]', '.tile.no-video', '.avatar', 'button[aria-pressed="true"][aria-label="Mute microphone"]'],
        },
      },
    ).frame,
};
