/**
 * Defines `<video-call>`. Safe to load twice, or beside another version:
 * the first definition wins and later ones do nothing.
 */
import { VideoCall } from './components/video-call/video-call.component.js';

export { VideoCall };
export * from './index.js';

if (typeof customElements !== 'undefined' && !customElements.get('video-call')) {
  customElements.define('video-call', VideoCall);
}
