import { html } from 'lit';

/** While `join()` is under way. */
export function renderJoining() {
  return html`<div class="center" role="status"><div class="spinner" aria-hidden="true"></div><p>Joining…</p></div>`;
}
