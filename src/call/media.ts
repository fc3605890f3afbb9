import { VideoCallError } from '../errors.js';

/** Maps a getUserMedia/getDisplayMedia rejection to a user-facing error. */
export function mediaError(err: unknown, what: string): VideoCallError {
  const name = (err as { name?: string })?.name ?? '';
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    if (what === 'screen') {
      // Chromium rejects a cancelled picker with the same NotAllowedError as a blocked one.
      return new VideoCallError('permission-denied', 'Screen sharing was cancelled or is not allowed.', { cause: err });
    }
    return new VideoCallError(
      'permission-denied',
      `Access to your ${what} was refused. You can still join and see and hear the others; allow access in the browser's site settings to be seen or heard.`,
      { cause: err },
    );
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError') {
    return new VideoCallError(
      'no-device',
      name === 'NotReadableError' ? `Your ${what} is in use by another application or could not be started.` : `No ${what} was found.`,
      { cause: err },
    );
  }
  if (typeof navigator !== 'undefined' && !navigator.mediaDevices) {
    return new VideoCallError('no-device', 'Camera and microphone need a secure page (https or localhost).', { cause: err });
  }
  return new VideoCallError('no-device', `Could not start your ${what}: ${(err as Error)?.message ?? err}`, { cause: err });
}

type PermissionAnswer = PermissionState | 'unknown';

/** The page's permission for `name`, or `unknown` where the browser cannot tell (no Permissions API, or not for this name). */
async function permissionState(name: 'camera' | 'microphone'): Promise<PermissionAnswer> {
  try {
    if (!navigator.permissions?.query) return 'unknown';
    return (await navigator.permissions.query({ name: name as PermissionName })).state;
  } catch {
    return 'unknown';
  }
}

/**
 * Gets camera and/or microphone. When both are asked for and refused together,
 * tries each alone so a user without a camera still gets their mic, and a user who
 * blocked only the camera (or only the mic) still gets the other.
 * Resolves with the tracks it got and the error for what it did not get.
 */
export async function getUserTracks(
  want: { audio: boolean; video: boolean },
  /** More constraints for each kind (a device, noise suppression), over the defaults. */
  extra: { audio?: MediaTrackConstraints; video?: MediaTrackConstraints } = {},
): Promise<{
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
  error: VideoCallError | null;
}> {
  const result = { audio: null as MediaStreamTrack | null, video: null as MediaStreamTrack | null, error: null as VideoCallError | null };
  if (!want.audio && !want.video) return result;
  const what = want.audio && want.video ? 'camera and microphone' : want.video ? 'camera' : 'microphone';
  try {
    if (!navigator.mediaDevices?.getUserMedia) throw Object.assign(new Error('no mediaDevices'), { name: 'TypeError' });
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: want.audio ? { echoCancellation: true, noiseSuppression: true, ...extra.audio } : false,
      video: want.video ? { width: { ideal: 1280 }, height: { ideal: 720 }, ...extra.video } : false,
    });
    result.audio = stream.getAudioTracks()[0] ?? null;
    result.video = stream.getVideoTracks()[0] ?? null;
    return result;
  } catch (err) {
    result.error = mediaError(err, what);
    if (want.audio && want.video && result.error.code === 'no-device') {
      // One of the two may exist on its own (e.g. a desktop with a mic but no camera).
      const [a, v] = await Promise.all([
        getUserTracks({ audio: true, video: false }, extra),
        getUserTracks({ audio: false, video: true }, extra),
      ]);
      result.audio = a.audio;
      result.video = v.video;
      if (a.audio || v.video) result.error = a.error ?? v.error;
    } else if (want.audio && want.video && result.error.code === 'permission-denied') {
      // Only when the browser says exactly one of the two is blocked: a dismissed prompt
      // (nothing denied) or both blocked must not turn into more prompts.
      const [camera, mic] = await Promise.all([permissionState('camera'), permissionState('microphone')]);
      const known = camera !== 'unknown' && mic !== 'unknown';
      if (known && (camera === 'denied') !== (mic === 'denied')) {
        const onlyMic = camera === 'denied';
        const other = await getUserTracks({ audio: onlyMic, video: !onlyMic }, extra);
        if (other.audio || other.video) {
          result.audio = other.audio;
          result.video = other.video;
          result.error = mediaError(err, onlyMic ? 'camera' : 'microphone');
        }
      }
    }
    return result;
  }
}

/** Asks for a screen, window or tab to share. */
export async function getScreenTrack(): Promise<MediaStreamTrack> {
  if (!navigator.mediaDevices?.getDisplayMedia) {
    throw new VideoCallError('no-device', 'Screen sharing is not supported by this browser.');
  }
  try {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    return stream.getVideoTracks()[0];
  } catch (err) {
    throw mediaError(err, 'screen');
  }
}
