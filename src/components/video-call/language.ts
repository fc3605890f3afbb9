import type { ReactiveControllerHost } from 'lit';
import type { VideoCallErrorCode } from '../../errors.js';
import { en, resolveLanguage, table, Translator, type Strings } from '../../i18n/i18n.js';

/** An error as `<video-call>` reports and shows it. */
export interface ShownError {
  code: VideoCallErrorCode;
  message: string;
}

/**
 * The element's language: follows its own `lang`, an ancestor's or the browser's; English at
 * once, any other language once its table is fetched (then the host updates again).
 */
export class Language {
  // TypeScript `private`, not `#` (the bundle targets ES2021, where each `#` member costs a WeakMap).
  /** The strings in the element's language (English until its table arrives). */
  readonly i18n = new Translator();
  /** The language wanted, and its table while it is fetched. */
  private _wanted = 'en';
  private _loading: Promise<void> | null = null;
  private _host: ReactiveControllerHost & Element;

  constructor(host: ReactiveControllerHost & Element) {
    this._host = host;
  }

  /** The table of the language wanted is on its way (settles once the host is asked to update). */
  get loading(): Promise<void> | null {
    return this._loading;
  }

  /** Follows the language (own `lang`, an ancestor's, the browser's): English at once, others once fetched. */
  apply(own: string, strings: Strings): void {
    this.i18n.overrides = strings ?? {};
    const lang = resolveLanguage(this._host, own);
    if (lang === this._wanted) return;
    this._wanted = lang;
    if (lang === 'en') {
      this._loading = null;
      this.i18n.set('en', en);
      return;
    }
    const loading = table(lang).then(
      (strings) => {
        if (this._wanted === lang) this.i18n.set(lang, strings);
      },
      () => {
        if (this._wanted === lang) this.i18n.set('en', en);
      },
    );
    this._loading = loading.then(() => {
      if (this._loading === done) this._loading = null;
      this._host.requestUpdate();
    });
    const done = this._loading;
  }

  /** An error as the element shows it: translated per code (English: the message itself, which is English). */
  shownError(error: ShownError): ShownError {
    const id = `error.${error.code}` as const;
    const own = this.i18n.overrides[id] !== undefined || (this.i18n.lang !== 'en' && id in this.i18n.table);
    return own ? { code: error.code, message: this.i18n.t(id) } : error;
  }
}
