import { css } from 'lit';

/** The call: the stage, the grid of tiles (columns by how many), the waiting hint. */
export const stageStyles = css`
  .stage {
    position: relative;
    flex: 1;
    display: flex;
    min-height: 0;
  }
  /* Tiles fill equal cells sized to the stage, so they never spill into each other or the
     control bar, whatever the element's height. Columns depend on how many tiles there are. */
  .grid {
    --cols: 3;
    flex: 1;
    min-width: 0;
    min-height: 0;
    display: grid;
    gap: var(--_gap);
    padding: var(--_gap);
    grid-template-columns: repeat(var(--cols), minmax(0, 1fr));
    grid-auto-rows: minmax(0, 1fr);
  }
  .grid.count-1 {
    --cols: 1;
  }
  .grid.count-2,
  .grid.count-3,
  .grid.count-4 {
    --cols: 2;
  }
  .grid .tile {
    aspect-ratio: auto;
    width: 100%;
    height: 100%;
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
  @container (max-width: 600px) {
    .grid.count-2 {
      --cols: 1;
    }
    .grid.count-3,
    .grid.count-4,
    .grid.count-5,
    .grid.count-6,
    .grid.count-7,
    .grid.count-8,
    .grid.count-9 {
      --cols: 2;
    }
  }
`;
