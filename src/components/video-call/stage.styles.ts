import { css } from 'lit';

/** The call: the stage, the grid of tiles (columns by how many), the waiting hint. */
export const stageStyles = css`
  .stage {
    position: relative;
    flex: 1;
    display: flex;
    min-height: 0;
  }
  /* The tiles' sizes come from layout.ts (--tw/--th, and --mw/--mh for the large tile), computed
     for the stage's box, never from the tiles: the stage takes the room the call leaves it
     (contain: size), whatever the host's display, and the tiles fill it best at their picture's ratio. */
  .grid {
    flex: 1;
    min-width: 0;
    min-height: 0;
    contain: size;
    overflow: hidden;
    display: flex;
    flex-wrap: wrap;
    align-content: center;
    justify-content: center;
    gap: var(--_gap);
    padding: var(--_gap);
  }
  .grid .tile {
    flex: none;
    width: var(--tw, min(100%, 360px));
    height: var(--th, auto);
  }
  /* The large tile on a line of its own above the strip (its margins fill the line). */
  .grid .tile.main {
    order: -1;
    width: var(--mw, 100%);
    height: var(--mh, auto);
    margin-inline: calc((100% - var(--mw, 100%)) / 2);
  }
  /* A picture of another shape than its tile is shown whole, never cut. */
  .grid .tile video {
    object-fit: contain;
  }
  .hint {
    position: absolute;
    left: 50%;
    bottom: 16px;
    transform: translateX(-50%);
    margin: 0;
    padding: 10px 16px;
    max-width: calc(100% - 32px);
    border-radius: var(--_radius);
    background: rgb(0 0 0 / 0.7);
    text-align: center;
  }
`;
