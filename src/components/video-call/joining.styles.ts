import { css } from 'lit';

/** The "Joining…" screen. */
export const joiningStyles = css`
  .center {
    flex: 1;
    display: grid;
    place-content: center;
    justify-items: center;
    gap: 12px;
    color: var(--_muted);
  }
  .spinner {
    width: 32px;
    height: 32px;
    border: 3px solid var(--_surface);
    border-top-color: var(--_accent);
    border-radius: 50%;
    animation: spin 0.8s linear infinite;
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .spinner {
      animation-duration: 3s;
    }
  }
`;
