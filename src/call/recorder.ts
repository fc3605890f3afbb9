/**
 * The recorder chunk: `video-call-recorder.js` beside the script-tag bundle (a code-split module
 * in the npm build), loaded by recorder-loader.ts on the first recording. The engine keeps only
 * the loader and the `recording` channel message; everything else is here: the recording's
 * lifecycle (recording.ts), the compositor, the mixer and MediaRecorder (recorder-media.ts).
 */
export {
  Recording,
  startRecording,
  stopRecording,
  offerDownload,
  recordingFileName,
  type RecordingHost,
  type RecordingOptions,
} from './recording.js';
export {
  startRecorder,
  RECORDING_FPS,
  RECORDING_HEIGHT,
  RECORDING_TYPE,
  RECORDING_WIDTH,
  TIMESLICE_MS,
  CHUNKS_PER_PART,
  type Recorder,
  type RecordedTile,
} from './recorder-media.js';
