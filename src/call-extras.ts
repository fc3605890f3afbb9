/**
 * What only a call needs, fetched when the first join starts (the pre-join screen never waits for
 * it): who is speaking and how each line is (call/presence.ts), and the tiles' best-fit layout
 * (components/video-call/layout.ts), hands, reactions, the participants panel, full screen and
 * shortcuts (components/video-call/social.ts). The script-tag build makes it the sibling file
 * `video-call-extras.js`; the npm build a code-split chunk.
 */
export { Presence } from './call/presence.js';
export { lineText } from './call/quality.js';
export { layoutStage, mainTile } from './components/video-call/layout.js';
export { adoptStyles } from './components/video-call/presence.styles.js';
export { Social } from './components/video-call/social.js';
