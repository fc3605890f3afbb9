import { importSibling } from '../base-path.js';

/**
 * Script-tag build: the recorder (compositor, mixer, MediaRecorder) is the sibling file
 * `video-call-recorder.js`, fetched on the first recording. (Rollup swaps this file in for
 * `recorder-loader.ts`.)
 */
export function loadRecorder(): Promise<typeof import('./recorder.js')> {
  return importSibling('video-call-recorder.js', 'the recorder');
}
