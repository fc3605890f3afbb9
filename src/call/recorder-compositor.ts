/** One participant as the recording shows it. */
export interface RecordedTile {
  /** Stable per participant (a peer id, or our own id). */
  id: string;
  /** The name drawn on the tile. */
  name: string;
  stream: MediaStream | null;
  /** Whether they send video (camera or screen); otherwise their initials are drawn. */
  video: boolean;
  /** A shared screen is drawn whole (letterboxed), a camera fills its tile. */
  screen: boolean;
}

/** The recording's frame size: a fixed 720p, whatever the element's size on the page. */
export const RECORDING_WIDTH = 1280;
export const RECORDING_HEIGHT = 720;
const GAP = 8;

/** Columns for `n` tiles, as the element's grid lays them out on a wide screen (stage.styles.ts). */
const columns = (n: number) => (n <= 1 ? 1 : n <= 4 ? 2 : 3);

function initials(name: string): string {
  const words = name
    .replace(/\p{Cf}/gu, '')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  return (words.length > 1 ? words[0][0] + words[1][0] : (words[0] ?? '?').slice(0, 2)).toUpperCase();
}

/**
 * Draws the call onto a canvas: the tiles in a grid (ours first), each video scaled into its tile
 * (or the initials when the camera is off) with the name on it. Each participant's stream plays in
 * a detached, muted `<video>` of its own, made when they appear and dropped when they go; one
 * frame is drawn per `draw()` (the recorder calls it on a timer), so nothing accumulates.
 */
export class Compositor {
  readonly canvas: HTMLCanvasElement;
  private _ctx: CanvasRenderingContext2D;
  private _videos = new Map<string, HTMLVideoElement>();

  constructor() {
    this.canvas = document.createElement('canvas');
    this.canvas.width = RECORDING_WIDTH;
    this.canvas.height = RECORDING_HEIGHT;
    this._ctx = this.canvas.getContext('2d', { alpha: false })!;
  }

  /** Draws one frame of `tiles`. */
  draw(tiles: RecordedTile[]): void {
    const ctx = this._ctx;
    ctx.fillStyle = '#0f1115';
    ctx.fillRect(0, 0, RECORDING_WIDTH, RECORDING_HEIGHT);
    const cols = columns(tiles.length);
    const rows = Math.max(1, Math.ceil(tiles.length / cols));
    const w = (RECORDING_WIDTH - GAP * (cols + 1)) / cols;
    const h = (RECORDING_HEIGHT - GAP * (rows + 1)) / rows;
    tiles.forEach((tile, i) => {
      const x = GAP + (i % cols) * (w + GAP);
      const y = GAP + Math.floor(i / cols) * (h + GAP);
      this._tile(tile, x, y, w, h);
    });
    // Participants who left: their <video> goes.
    const present = new Set(tiles.map((t) => t.id));
    for (const [id, video] of this._videos) {
      if (present.has(id)) continue;
      video.srcObject = null;
      this._videos.delete(id);
    }
  }

  /** Stops every <video>. */
  close(): void {
    for (const video of this._videos.values()) video.srcObject = null;
    this._videos.clear();
  }

  private _tile(tile: RecordedTile, x: number, y: number, w: number, h: number): void {
    const ctx = this._ctx;
    ctx.save();
    ctx.beginPath();
    ctx.roundRect(x, y, w, h, 12);
    ctx.clip();
    ctx.fillStyle = '#1b1e25';
    ctx.fillRect(x, y, w, h);
    const video = this._video(tile);
    if (tile.video && video && video.readyState >= 2 && video.videoWidth) {
      // A camera fills its tile (cropped, like object-fit: cover); a screen is shown whole.
      const vw = video.videoWidth;
      const vh = video.videoHeight;
      const scale = (tile.screen ? Math.min : Math.max)(w / vw, h / vh);
      const dw = vw * scale;
      const dh = vh * scale;
      ctx.drawImage(video, x + (w - dw) / 2, y + (h - dh) / 2, dw, dh);
    } else {
      const r = Math.min(48, w * 0.2, h * 0.3);
      ctx.fillStyle = '#2f3f6f';
      ctx.beginPath();
      ctx.arc(x + w / 2, y + h / 2, r, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = '#f3f4f6';
      ctx.font = `700 ${Math.round(r * 0.7)}px system-ui, sans-serif`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(initials(tile.name), x + w / 2, y + h / 2);
    }
    if (tile.name) {
      ctx.font = '600 18px system-ui, sans-serif';
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      const text = tile.name.length > 40 ? tile.name.slice(0, 39) + '…' : tile.name;
      const tw = Math.min(ctx.measureText(text).width, w - 40);
      ctx.fillStyle = 'rgb(0 0 0 / 0.6)';
      ctx.beginPath();
      ctx.roundRect(x + 8, y + h - 40, tw + 20, 32, 8);
      ctx.fill();
      ctx.fillStyle = '#fff';
      ctx.fillText(text, x + 18, y + h - 24, w - 40);
    }
    ctx.restore();
  }

  /** The participant's <video>, following their stream (a new one replaces the old). */
  private _video(tile: RecordedTile): HTMLVideoElement | null {
    let video = this._videos.get(tile.id);
    if (!tile.stream) return video ?? null;
    if (!video) {
      video = document.createElement('video');
      video.muted = true;
      video.playsInline = true;
      this._videos.set(tile.id, video);
    }
    if (video.srcObject !== tile.stream) {
      video.srcObject = tile.stream;
      video.play().catch(() => {});
    }
    return video;
  }
}
