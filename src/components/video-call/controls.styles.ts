import { css } from 'lit';

/** The control bar (its buttons are `.control`, shared with the pre-join screen: video-call.styles.ts). */
export const controlsStyles = css`
  .unread {
    position: absolute;
    top: -2px;
    inset-inline-end: -2px;
    min-width: 20px;
    height: 20px;
    padding: 0 5px;
    border-radius: 10px;
    background: var(--_danger);
    color: #fff;
    font-size: 12px;
    font-weight: 700;
    line-height: 20px;
  }

  .controls {
    display: flex;
    justify-content: center;
    flex-wrap: wrap;
    gap: 12px;
    padding: 12px;
    background: color-mix(in srgb, var(--_surface) 70%, var(--_bg));
  }
  @container (max-width: 600px) {
    .controls {
      gap: 8px;
      padding: 8px;
    }
    .control {
      --vc-control-size: 44px;
    }
  }
`;
