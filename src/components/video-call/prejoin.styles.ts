import { css } from 'lit';

/** The pre-join screen: camera preview, name, Join. */
export const prejoinStyles = css`
  .prejoin {
    flex: 1;
    display: grid;
    grid-template-columns: minmax(0, 3fr) minmax(220px, 2fr);
    align-items: center;
    gap: 24px;
    padding: 24px;
  }
  .preview {
    position: relative;
  }
  .preview-controls {
    position: absolute;
    inset-inline: 0;
    bottom: 12px;
    display: flex;
    justify-content: center;
    gap: 12px;
  }
  .preview figcaption {
    display: none;
  }
  .join-form {
    display: flex;
    flex-direction: column;
    gap: 10px;
  }
  .join-form h2 {
    margin: 0 0 8px;
    font-size: 22px;
  }
  .no-room {
    margin: 0;
    color: var(--_muted);
    font-size: 14px;
  }
  .room {
    color: var(--_accent-text);
    word-break: break-all;
  }
  @container (max-width: 600px) {
    .prejoin {
      grid-template-columns: 1fr;
      padding: 12px;
      gap: 14px;
    }
  }
`;
