import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** What a keyboard shortcut does. */
export type ShortcutAction = 'mic' | 'camera' | 'hand' | 'chat';

/**
 * The keyboard shortcuts, as in Google Meet: Ctrl+D (⌘D on a Mac) the microphone, Ctrl+E (⌘E) the
 * camera, Ctrl+Alt+H (⌘⌥H) the hand, Ctrl+Alt+C (⌘⌥C) the chat. Keys by their place on the
 * keyboard (`code`), so ⌥ on a Mac and other layouts do not change them; AltGr (which types
 * characters on many layouts) never triggers one; neither does a key held down.
 */
export const SHORTCUTS: Record<string, [ShortcutAction, boolean]> = {
  KeyD: ['mic', false],
  KeyE: ['camera', false],
  KeyH: ['hand', true],
  KeyC: ['chat', true],
};

/**
 * The action `e` asks of `host`, or null: only while focus is inside `host`, or when it is the
 * page's only `<video-call>`.
 */
export function shortcutFor(e: KeyboardEvent, host: Element): ShortcutAction | null {
  const s = SHORTCUTS[e.code];
  if (
    !s ||
    e.defaultPrevented ||
    e.repeat ||
    e.shiftKey ||
    !(e.ctrlKey || e.metaKey) ||
    e.altKey !== s[1] ||
    e.getModifierState('AltGraph')
  )
    return null;
  return e.composedPath().includes(host) || document.querySelectorAll('video-call').length === 1 ? s[0] : null;
}

/**
 * Listens for the shortcuts on the page while `host` is on it; `act` is called (and the browser's
 * own use of the key, e.g. Ctrl+D's bookmark, prevented) when `enabled()` says they are on.
 */
export class Shortcuts implements ReactiveController {
  // TypeScript `private`, not `#`: the bundle targets ES2021, where each `#` member costs a WeakMap.
  private _host: ReactiveControllerHost & Element;
  private _act: (action: ShortcutAction) => boolean;

  /** `act` returns false when the action does not apply now (not in a call): the key then does what it always does. */
  constructor(host: ReactiveControllerHost & Element, act: (action: ShortcutAction) => boolean) {
    this._host = host;
    this._act = act;
    host.addController(this);
  }

  private _keydown = (e: KeyboardEvent) => {
    const action = shortcutFor(e, this._host);
    if (action && this._act(action)) e.preventDefault();
  };

  hostConnected(): void {
    addEventListener('keydown', this._keydown);
  }

  hostDisconnected(): void {
    removeEventListener('keydown', this._keydown);
  }
}
