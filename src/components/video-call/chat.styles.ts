import { css } from 'lit';

/** The chat panel (its width, `--vc-chat-width`, is set in video-call.styles.ts). */
export const chatStyles = css`
  .chat {
    display: flex;
    flex-direction: column;
    background: var(--_surface);
    border-inline-start: 1px solid color-mix(in srgb, var(--_fg) 12%, transparent);
    min-height: 0;
  }
  .chat header {
    display: flex;
    align-items: center;
    justify-content: space-between;
    padding-block: 8px;
    padding-inline: 16px 8px;
  }
  .chat h2 {
    margin: 0;
    font-size: 16px;
  }
  .messages {
    flex: 1;
    overflow-y: auto;
    margin: 0;
    padding: 0 16px 8px;
    list-style: none;
    display: flex;
    flex-direction: column;
    gap: 10px;
    min-height: 0;
  }
  .messages .empty {
    color: var(--_muted);
    font-size: 14px;
  }
  /* Messages out of view, older than the last 20, are not laid out until scrolled to: 200 long
     messages cost no more than a few. The last ones are, so scrolling to the newest is exact. */
  .messages li:nth-last-child(n + 21) {
    content-visibility: auto;
    contain-intrinsic-size: auto 3em;
  }
  .meta {
    font-size: 12px;
    color: var(--_muted);
  }
  .who {
    font-weight: 600;
    color: var(--_fg);
  }
  .text {
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .own .who {
    color: var(--_accent-text);
  }
  .chat form {
    display: flex;
    gap: 6px;
    padding: 8px;
    border-top: 1px solid color-mix(in srgb, var(--_fg) 12%, transparent);
  }
  .chat textarea {
    flex: 1;
    resize: none;
    field-sizing: content; /* grows with the message, up to max-height */
    min-height: 40px;
    max-height: 120px;
  }
  .send {
    align-self: center;
    color: var(--_accent-text);
  }
  /* The send arrow points the way text runs. */
  [dir='rtl'] .send svg {
    transform: scaleX(-1);
  }
  @container (max-width: 600px) {
    .chat {
      position: absolute;
      inset: 0;
      width: auto;
      z-index: 2;
      border-inline-start: 0;
    }
  }
`;
