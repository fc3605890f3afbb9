/**
 * The best-fit grid: the size `[width, height]` of `n` tiles of width/height `ratio` in a
 * `width` × `height` box with `gap` between them, and how many columns. Tries every column count
 * and keeps the one whose tiles are largest, so a 16:9 camera stays 16:9 at any count, on a wide
 * desktop, a phone held upright or beside the chat. Whole pixels (rounded down): a row never wraps.
 */
export function bestFit(n: number, width: number, height: number, ratio: number, gap: number): [w: number, h: number, cols: number] {
  let best: [number, number, number] = [0, 0, 1];
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const w = Math.floor(Math.min((width + gap) / cols - gap, ((height + gap) / rows - gap) * ratio));
    if (w > best[0]) best = [w, Math.floor(w / ratio), cols];
  }
  return best;
}

/** What the choice of the large tile reads from the call (the engine). */
export interface Speakers {
  selfId: string;
  screenSharing: boolean;
  activeSpeaker: string | null;
  presence: { last: string | null } | null;
}

/**
 * Whose tile is shown large, or null for the plain grid: the pinned one, else a screen share (theirs
 * before ours), else in the speaker layout (`speaker`) who speaks (never us), who spoke last, or the first of `peers`.
 */
export function mainTile(e: Speakers, peers: { id: string; screen: boolean }[], pinned: string | null, speaker: boolean): string | null {
  const self = e.selfId;
  const here = (id: string | null) => (id && (id === self || peers.some((p) => p.id === id)) ? id : null);
  const big =
    speaker && peers.length
      ? (here(e.activeSpeaker !== self ? e.activeSpeaker : null) ?? here(e.presence?.last ?? null) ?? peers[0].id)
      : null;
  return here(pinned) ?? peers.find((p) => p.screen)?.id ?? (e.screenSharing ? self : null) ?? big;
}

/** A tile's picture ratio, once its video has frames (and is shown); 0 otherwise. */
const ratioOf = (tile?: Element) => {
  const v = tile?.querySelector('video');
  return v && v.videoHeight && !tile!.matches('.no-video') ? v.videoWidth / v.videoHeight : 0;
};

/**
 * Sizes the call's tiles to the stage (`.grid`, inside `root`): writes `--tw`/`--th` (every tile,
 * or the strip's) and `--mw`/`--mh` (the large tile: speaker layout, pin, screen share) on it.
 * Called after each render and by a ResizeObserver (the element resized) and a video's `resize`
 * (its picture changed size): nothing runs per frame. The grid takes the first picture's ratio
 * (16:9 before any), and a picture of another shape shows whole in its tile (`object-fit: contain`).
 * The large tile takes its own picture's ratio above a strip at most a fifth of the height (64–200 px).
 */
export function layoutStage(root: HTMLElement): void {
  const stage = root.querySelector<HTMLElement>('.grid');
  if (!stage) return;
  const gap = parseFloat(getComputedStyle(stage).rowGap) || 0;
  const width = stage.clientWidth - 2 * gap;
  let height = stage.clientHeight - 2 * gap;
  const tiles = [...stage.querySelectorAll('.tile')];
  const main = tiles.find((t) => t.matches('.main'));
  const rest = tiles.filter((t) => t !== main);
  const ratio = rest.map(ratioOf).find(Boolean) || 16 / 9;
  const set = (name: string, px: number) => stage.style.setProperty(name, `${Math.max(0, px)}px`);
  if (width <= 0 || height <= 0) return;
  const [w, h, cols] = bestFit(rest.length, width, main ? Math.min(200, Math.max(64, height / 5)) : height, ratio, gap);
  set('--tw', w);
  set('--th', h);
  if (main) {
    if (rest.length) height -= Math.ceil(rest.length / cols) * (h + gap);
    const [mw, mh] = bestFit(1, width, height, ratioOf(main) || 16 / 9, 0);
    set('--mw', mw);
    set('--mh', mh);
  }
}
