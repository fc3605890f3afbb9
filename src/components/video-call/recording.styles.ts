import { css } from 'lit';

/** The recording badge, over the call in its top start corner (after the tiles in the DOM, so above them). */
export const recordingStyles = css`
  .rec {
    position: absolute;
    top: 16px;
    inset-inline-start: 16px;
  }
  .rec span {
    display: flex;
    align-items: center;
    gap: 6px;
    padding: 4px 10px;
    border-radius: 9px;
    background: var(--_danger);
    color: #fff;
    font-weight: 700;
  }
`;
