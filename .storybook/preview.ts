import { setCustomElementsManifest, type Preview } from '@storybook/web-components-vite';
import manifest from '../custom-elements.json';
import { cleanupStory } from '../stories/support/call-kit.js';
import { installSyntheticMedia } from '../stories/support/synthetic-media.js';

// Autodocs (attributes, properties, methods, events, parts, CSS properties) come from the
// committed manifest, the same file editors read.
setCustomElementsManifest(manifest);
// Story-only: no camera, no microphone, no permission prompt (see synthetic-media.ts).
installSyntheticMedia();

const preview: Preview = {
  parameters: {
    layout: 'padded',
    controls: { expanded: true, sort: 'requiredFirst' },
    // Tall enough for the tallest story frame (720 px) with the padding: the whole call, its
    // control bar included, shows in the docs page as on the canvas.
    docs: { story: { inline: true, height: '780px' } },
  },
  // Remote participants and story transports end when the story does.
  beforeEach: () => cleanupStory,
};

export default preview;
