import { css } from 'lit';

/** The error message and the notices above the call (sound held back, reconnecting). */
export const bannersStyles = css`
  .error,
  .banner {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 10px 14px;
    background: color-mix(in srgb, var(--_danger) 22%, var(--_surface));
    border-bottom: 1px solid var(--_danger);
  }
  .error span,
  .banner span {
    flex: 1;
  }
  .banner {
    background: color-mix(in srgb, #f5a524 22%, var(--_surface));
    border-color: #f5a524;
  }
`;
