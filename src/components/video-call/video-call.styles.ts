import { css } from 'lit';

export const styles = css`
  :host {
    --_bg: var(--vc-bg, #0f1115);
    --_fg: var(--vc-fg, #f3f4f6);
    --_muted: var(--vc-muted-fg, #a1a7b3);
    --_surface: var(--vc-surface, #1b1e25);
    --_accent: var(--vc-accent, #3b66e6);
    --_accent-fg: var(--vc-accent-fg, #ffffff);
    --_danger: var(--vc-danger, #d13438);
    --_focus: var(--vc-focus, #9ab8ff);
    /* The accent as text or an icon on the surfaces: by default lightened for the dark theme. */
    --_accent-text: var(--vc-accent-text, color-mix(in srgb, var(--_accent) 50%, #ffffff));
    --_radius: var(--vc-radius, 12px);
    --_gap: var(--vc-gap, 8px);
    display: flex;
    flex-direction: column;
    position: relative;
    min-height: var(--vc-min-height, 420px);
    color: var(--_fg);
    background: var(--_bg);
    font-family: var(--vc-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    font-size: 15px;
    line-height: 1.4;
    border-radius: var(--_radius);
    overflow: hidden;
    box-sizing: border-box;
    container-type: inline-size;
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  .root {
    flex: 1;
    display: flex;
    flex-direction: column;
    min-height: 0;
  }
  button {
    font: inherit;
    color: inherit;
    cursor: pointer;
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.5;
  }
  :focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  svg {
    width: 22px;
    height: 22px;
    flex: none;
  }

  /* ---------- messages ---------- */
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

  /* ---------- buttons ---------- */
  .primary,
  .danger {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 8px;
    min-height: 44px;
    padding: 0 20px;
    border: 0;
    border-radius: 999px;
    font-weight: 600;
    background: var(--_accent);
    color: var(--_accent-fg);
  }
  .danger {
    background: var(--_danger);
    color: #fff;
  }
  .primary:hover:not(:disabled),
  .danger:hover {
    filter: brightness(1.1);
  }
  .icon-button {
    display: inline-grid;
    place-items: center;
    width: 36px;
    height: 36px;
    padding: 0;
    border: 0;
    border-radius: 50%;
    background: transparent;
  }
  .icon-button:hover {
    background: color-mix(in srgb, var(--_fg) 12%, transparent);
  }
  .control {
    position: relative;
    display: inline-grid;
    place-items: center;
    width: var(--vc-control-size, 48px);
    height: var(--vc-control-size, 48px);
    padding: 0;
    border: 0;
    border-radius: 50%;
    background: color-mix(in srgb, var(--_fg) 14%, var(--_surface));
  }
  .control:hover {
    background: color-mix(in srgb, var(--_fg) 24%, var(--_surface));
  }
  .control.off {
    background: var(--_fg);
    color: var(--_bg);
  }
  .control.active {
    background: var(--_accent);
    color: var(--_accent-fg);
  }
  .control.leave {
    width: calc(var(--vc-control-size, 48px) * 1.4);
    border-radius: 999px;
    background: var(--_danger);
    color: #fff;
  }
  .unread {
    position: absolute;
    top: -2px;
    right: -2px;
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

  /* ---------- tiles ---------- */
  .tile {
    position: relative;
    margin: 0;
    min-width: 0;
    min-height: 0;
    aspect-ratio: 16 / 9;
    border-radius: var(--_radius);
    overflow: hidden;
    background: var(--_surface);
  }
  /* Out of flow: a video's intrinsic size must never grow its tile (or the element). */
  .tile video {
    position: absolute;
    inset: 0;
    width: 100%;
    height: 100%;
    object-fit: cover;
    display: block;
    background: #000;
  }
  .tile.local:not(.screen) video {
    transform: scaleX(-1);
  }
  .tile.screen video {
    object-fit: contain;
  }
  .tile.no-video video {
    visibility: hidden;
  }
  .avatar {
    position: absolute;
    inset: 0;
    margin: auto;
    width: min(96px, 40%);
    aspect-ratio: 1;
    display: grid;
    place-items: center;
    border-radius: 50%;
    background: color-mix(in srgb, var(--_accent) 45%, var(--_surface));
    font-size: clamp(16px, 5cqi, 34px);
    font-weight: 700;
  }
  .status {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
    background: rgb(0 0 0 / 0.45);
    font-weight: 600;
  }
  figcaption {
    position: absolute;
    left: 8px;
    bottom: 8px;
    max-width: calc(100% - 16px);
    display: flex;
    align-items: center;
    gap: 6px;
    padding: 3px 10px;
    border-radius: 999px;
    background: rgb(0 0 0 / 0.6);
    color: #fff;
    font-size: 13px;
  }
  figcaption .name {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .badge {
    display: inline-grid;
    color: #ff8a8d;
  }
  .badge svg {
    width: 16px;
    height: 16px;
  }
  .screen-badge {
    color: #9ab8ff;
  }

  /* ---------- pre-join ---------- */
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
    left: 0;
    right: 0;
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
  .room {
    color: var(--_accent-text);
    word-break: break-all;
  }
  label {
    color: var(--_muted);
    font-size: 14px;
  }
  input,
  textarea {
    font: inherit;
    color: inherit;
    background: var(--_surface);
    border: 1px solid color-mix(in srgb, var(--_fg) 50%, transparent);
    border-radius: 8px;
    padding: 10px 12px;
  }
  input:focus-visible,
  textarea:focus-visible {
    outline-offset: 0;
  }

  /* ---------- in call ---------- */
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
  .hint,
  .ring {
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
  .ring {
    top: 50%;
    bottom: auto;
    transform: translate(-50%, -50%);
    display: grid;
    gap: 12px;
    justify-items: center;
    padding: 20px 24px;
    background: color-mix(in srgb, var(--_surface) 92%, transparent);
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
  .controls {
    display: flex;
    justify-content: center;
    flex-wrap: wrap;
    gap: 12px;
    padding: 12px;
    background: color-mix(in srgb, var(--_surface) 70%, var(--_bg));
  }

  /* ---------- chat ---------- */
  .chat {
    width: var(--vc-chat-width, 320px);
    display: flex;
    flex-direction: column;
    background: var(--_surface);
    border-left: 1px solid color-mix(in srgb, var(--_fg) 12%, transparent);
    min-height: 0;
  }
  .chat header {
    display: flex;
    align-items: center;
    justify-content: space-between;
    padding: 8px 8px 8px 16px;
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

  /* ---------- narrow (phones, ~360 px) ---------- */
  @container (max-width: 600px) {
    .prejoin {
      grid-template-columns: 1fr;
      padding: 12px;
      gap: 14px;
    }
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
    .chat {
      position: absolute;
      inset: 0;
      width: auto;
      z-index: 2;
      border-left: 0;
    }
    .controls {
      gap: 8px;
      padding: 8px;
    }
    .control {
      --vc-control-size: 44px;
    }
  }
`;
