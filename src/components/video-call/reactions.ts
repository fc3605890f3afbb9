import { html, nothing, type ReactiveControllerHost } from 'lit';
import { repeat } from 'lit/directives/repeat.js';

/** How long a reaction floats over its tile (the CSS animation lasts as long). */
export const REACTION_MS = 3000;
/** Reactions on screen at once, all tiles together: past it the oldest go (a flood costs nothing more). */
export const MAX_REACTIONS_SHOWN = 12;

export interface ShownReaction {
  key: number;
  peerId: string;
  emoji: string;
}

/** The reactions floating now: each shown for {@link REACTION_MS}, at most {@link MAX_REACTIONS_SHOWN} at once. */
export class FloatingReactions {
  list: ShownReaction[] = [];
  // TypeScript `private`, not `#`: the bundle targets ES2021, where each `#` member costs a WeakMap.
  private _host: ReactiveControllerHost;
  private _key = 0;

  constructor(host: ReactiveControllerHost) {
    this._host = host;
  }

  add(peerId: string, emoji: string): void {
    const r = { key: ++this._key, peerId, emoji };
    this.list = [...this.list.slice(1 - MAX_REACTIONS_SHOWN), r];
    this._host.requestUpdate();
    setTimeout(() => {
      this.list = this.list.filter((x) => x !== r);
      this._host.requestUpdate();
    }, REACTION_MS);
  }

  /** The reactions of one participant, floating over their tile (hidden from screen readers: they are decoration). */
  render(peerId: string) {
    const mine = this.list.filter((r) => r.peerId === peerId);
    return mine.length
      ? html`<div class="reactions" aria-hidden="true">${repeat(
          mine,
          (r) => r.key,
          (r) => html`<span>${r.emoji}</span>`,
        )}</div>`
      : nothing;
  }
}
