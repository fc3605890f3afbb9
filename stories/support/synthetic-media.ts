/**
 * STORY-ONLY SHIM: synthetic camera, microphone and screen for Storybook.
 *
 * Stories must render the same everywhere, with no camera, no microphone and no permission
 * prompt, so `installSyntheticMedia()` replaces `navigator.mediaDevices.getUserMedia` and
 * `getDisplayMedia` *in the Storybook preview only* (it is imported by .storybook/preview.ts,
 * never by the element or its builds). The element and the call engine run unchanged on top:
 *
 * - video: a `<canvas>` stream (`captureStream`): a face on the persona's colour, and a dot
 *   that moves, so a frozen picture is easy to tell from a live one;
 * - audio: an `OscillatorNode` into a `MediaStreamAudioDestinationNode` (near-silent, so an open
 *   Storybook tab does not beep);
 * - screen: a canvas "slide" with a moving pointer.
 *
 * Which persona a stream shows is `withPersona(...)`'s while the request is made; the visible
 * element gets `defaultPersona`. `setMediaDenied(true)` makes every request made outside
 * `withPersona` (the visible element's) fail as a refused permission does (`NotAllowedError`).
 */

export interface Persona {
  name: string;
  /** Hue (0–360) of the picture's background. */
  hue: number;
}

export const defaultPersona: Persona = { name: 'You', hue: 215 };

let current: Persona | null = null;
let denied = false;
let audioContext: AudioContext | null = null;
const live = new Set<MediaStreamTrack>();

/** Runs `fn` with `persona` as the one any media request made synchronously inside it shows. */
export function withPersona<T>(persona: Persona, fn: () => T): T {
  const previous = current;
  current = persona;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/** Makes every camera/mic/screen request fail as a refused permission does (or stop failing). */
export function setMediaDenied(value: boolean): void {
  denied = value;
}

/** Stops every synthetic track still running (story cleanup). */
export function stopSyntheticMedia(): void {
  for (const t of [...live]) t.stop();
}

/**
 * Stops, on the next task, the synthetic tracks running now: the ended story's, once Storybook
 * has removed its element — not those the next story's participants start in the meantime.
 */
export function stopSyntheticMediaSoon(): void {
  const ended = [...live];
  setTimeout(() => ended.forEach((t) => t.stop()), 0);
}

/** Starts drawing on a canvas at ~15 fps; the returned track stops the drawing when stopped. */
function canvasTrack(width: number, height: number, draw: (g: CanvasRenderingContext2D, t: number) => void): MediaStreamTrack {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d')!;
  const started = performance.now();
  const paint = () => draw(g, (performance.now() - started) / 1000);
  paint();
  const timer = setInterval(paint, 66);
  const track = canvas.captureStream(15).getVideoTracks()[0];
  track.contentHint = 'motion';
  return tracked(track, () => clearInterval(timer));
}

function tracked(track: MediaStreamTrack, onStop: () => void): MediaStreamTrack {
  live.add(track);
  const stop = track.stop.bind(track);
  track.stop = () => {
    live.delete(track);
    onStop();
    stop();
  };
  return track;
}

function cameraTrack(p: Persona): MediaStreamTrack {
  return canvasTrack(640, 360, (g, t) => {
    const bg = g.createLinearGradient(0, 0, 640, 360);
    bg.addColorStop(0, `hsl(${p.hue} 55% 42%)`);
    bg.addColorStop(1, `hsl(${(p.hue + 40) % 360} 60% 22%)`);
    g.fillStyle = bg;
    g.fillRect(0, 0, 640, 360);
    // Head and shoulders, breathing a little.
    const bob = Math.sin(t * 2) * 4;
    g.fillStyle = `hsl(${p.hue} 40% 82%)`;
    g.beginPath();
    g.ellipse(320, 380 + bob, 150, 90, 0, Math.PI, 0);
    g.fill();
    g.beginPath();
    g.arc(320, 170 + bob, 74, 0, Math.PI * 2);
    g.fill();
    // A face, symmetric: the local preview is mirrored.
    g.fillStyle = `hsl(${p.hue} 45% 25%)`;
    for (const dx of [-26, 26]) {
      g.beginPath();
      g.arc(320 + dx, 158 + bob, 8, 0, Math.PI * 2);
      g.fill();
    }
    g.lineWidth = 6;
    g.strokeStyle = `hsl(${p.hue} 45% 25%)`;
    g.beginPath();
    g.arc(320, 180 + bob, 28, 0.15 * Math.PI, 0.85 * Math.PI);
    g.stroke();
    // Something that visibly moves.
    const x = 320 + Math.cos(t * 1.3) * 250;
    const y = 60 + Math.abs(Math.sin(t * 2.6)) * 40;
    g.fillStyle = 'rgba(255,255,255,0.85)';
    g.beginPath();
    g.arc(x, y, 10, 0, Math.PI * 2);
    g.fill();
  });
}

function screenTrack(p: Persona): MediaStreamTrack {
  return canvasTrack(1280, 720, (g, t) => {
    g.fillStyle = '#f5f6fa';
    g.fillRect(0, 0, 1280, 720);
    g.fillStyle = `hsl(${p.hue} 60% 40%)`;
    g.fillRect(0, 0, 1280, 90);
    g.fillStyle = '#fff';
    g.font = '600 40px system-ui, sans-serif';
    g.textBaseline = 'middle';
    g.fillText('Quarterly roadmap', 48, 45);
    g.fillStyle = '#2b2f3a';
    g.font = '400 30px system-ui, sans-serif';
    ['Ship the embeddable call widget', 'Storybook for every state', 'Relay scale-out over Redis'].forEach((line, i) =>
      g.fillText(`•  ${line}`, 80, 190 + i * 70),
    );
    // A bar chart and a moving pointer.
    [0.5, 0.8, 0.65, 0.95].forEach((h, i) => {
      g.fillStyle = `hsl(${(p.hue + i * 25) % 360} 55% 55%)`;
      g.fillRect(820 + i * 90, 640 - h * 380, 60, h * 380);
    });
    const x = 700 + Math.cos(t) * 300;
    const y = 420 + Math.sin(t * 1.7) * 150;
    g.fillStyle = '#111';
    g.beginPath();
    g.moveTo(x, y);
    g.lineTo(x + 14, y + 36);
    g.lineTo(x + 20, y + 20);
    g.lineTo(x + 36, y + 14);
    g.closePath();
    g.fill();
    g.fillStyle = '#8a8f9c';
    g.font = '400 20px system-ui, sans-serif';
    g.fillText(`${p.name}'s screen (synthetic)`, 48, 690);
  });
}

function micTrack(p: Persona): MediaStreamTrack {
  audioContext ??= new AudioContext();
  const osc = audioContext.createOscillator();
  osc.frequency.value = 180 + (p.hue % 120);
  const gain = audioContext.createGain();
  gain.gain.value = 0.0005;
  const dest = audioContext.createMediaStreamDestination();
  osc.connect(gain).connect(dest);
  osc.start();
  return tracked(dest.stream.getAudioTracks()[0], () => {
    osc.stop();
    osc.disconnect();
  });
}

function refused(): DOMException {
  return new DOMException('Permission denied (synthetic media: the story refuses access)', 'NotAllowedError');
}

let installed = false;

/** Replaces getUserMedia/getDisplayMedia with the synthetic sources. Idempotent. */
export function installSyntheticMedia(): void {
  if (installed || typeof navigator === 'undefined') return;
  installed = true;
  if (!navigator.mediaDevices) {
    Object.defineProperty(navigator, 'mediaDevices', { value: new EventTarget(), configurable: true });
  }
  const devices = navigator.mediaDevices as MediaDevices;
  devices.getUserMedia = async (constraints?: MediaStreamConstraints) => {
    const persona = current ?? defaultPersona;
    // The refusal is the visible element's user's: a spawned participant (asking inside withPersona) still gets media.
    if (denied && !current) throw refused();
    const tracks: MediaStreamTrack[] = [];
    if (constraints?.audio) tracks.push(micTrack(persona));
    if (constraints?.video) tracks.push(cameraTrack(persona));
    return new MediaStream(tracks);
  };
  // Devices to pick from in the settings panel (the synthetic tracks come from none of them).
  const device = (kind: MediaDeviceKind, deviceId: string, label: string) => ({
    kind,
    deviceId,
    label,
    groupId: deviceId,
    toJSON: () => ({}),
  });
  devices.enumerateDevices = async () => [
    device('videoinput', 'cam-studio', 'Studio camera (USB)'),
    device('videoinput', 'cam-laptop', 'FaceTime HD Camera'),
    device('audioinput', 'mic-headset', 'Headset microphone'),
    device('audioinput', 'mic-laptop', 'MacBook Pro Microphone'),
    device('audiooutput', 'out-headset', 'Headset'),
    device('audiooutput', 'out-laptop', 'MacBook Pro Speakers'),
  ];
  devices.getDisplayMedia = async () => {
    const persona = current ?? defaultPersona;
    if (denied && !current) throw refused();
    return new MediaStream([screenTrack(persona)]);
  };
}
