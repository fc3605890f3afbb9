import { css } from 'lit';
import { bannersStyles } from './banners.styles.js';
import { chatStyles } from './chat.styles.js';
import { controlsStyles } from './controls.styles.js';
import { joiningStyles } from './joining.styles.js';
import { prejoinStyles } from './prejoin.styles.js';
import { recordingStyles } from './recording.styles.js';
import { ringStyles } from './ring.styles.js';
import { stageStyles } from './stage.styles.js';
import { tileStyles } from './tile.styles.js';

/**
 * The element's own styles: the host, its design tokens (every `--vc-*` custom property is read
 * here, and nowhere else), the base rules, and what several parts share (buttons, form fields).
 * Each part's styles live beside its template (`tile.styles.ts`, …); `styles` composes them all,
 * in this order, as the element's `static styles`.
 */
export const hostStyles = css`
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
  :host(:fullscreen) {
    border-radius: 0;
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  /* The content fills the host whatever display the page gives it (a page's
     "video-call { display: block }" included), and the call keeps the height the pre-join
     screen had (--_h, noted by layout.ts), so joining does not make the page jump. */
  .root {
    flex: 1;
    display: flex;
    flex-direction: column;
    height: 100%;
    min-height: var(--vc-min-height, 420px);
  }
  .root:not(:has(> .prejoin)) {
    min-height: max(var(--vc-min-height, 420px), var(--_h, 0px));
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

  /* ---------- shared buttons (the control bar's and the pre-join screen's) ---------- */
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

  /* ---------- form fields (pre-join name, chat message) ---------- */
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

  /* ---------- public sizes, read where they apply (so they can also be set on a part) ---------- */
  .chat {
    width: var(--vc-chat-width, 320px);
  }
`;

export const styles = [
  hostStyles,
  bannersStyles,
  joiningStyles,
  tileStyles,
  prejoinStyles,
  stageStyles,
  ringStyles,
  recordingStyles,
  controlsStyles,
  chatStyles,
];
