import { css } from 'lit';

/** The ring flow's card: who is here or calling, Start call / Accept / Decline. */
export const ringStyles = css`
  .ring {
    position: absolute;
    left: 50%;
    top: 50%;
    bottom: auto;
    transform: translate(-50%, -50%);
    margin: 0;
    padding: 20px 24px;
    max-width: calc(100% - 32px);
    border-radius: var(--_radius);
    background: color-mix(in srgb, var(--_surface) 92%, transparent);
    text-align: center;
    display: grid;
    gap: 12px;
    justify-items: center;
    box-shadow: 0 8px 30px rgb(0 0 0 / 0.4);
  }
  .ring p {
    margin: 0;
    font-size: 17px;
  }
  .ring-actions {
    display: flex;
    gap: 12px;
  }
  .accept {
    background: #218358;
  }
`;
