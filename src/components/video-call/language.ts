import type { ReactiveControllerHost } from 'lit';
import type { VideoCallErrorCode } from '../../errors.js';
import { en, resolveLanguage, setCurrent, t, table, type Speech, type Strings, type Translation } from '../../i18n/i18n.js';

/** An error as `<video-call>` reports and shows it. */
export interface ShownError {
  code: VideoCallErrorCode;
  message: string;
}

/**
 * The element's language: follows its own `lang`, an ancestor's or the browser's; English at
 * once, any other language once its table is fetched (then the host updates again).
 */
export class Language implements Speech {
  // TypeScript `private`, not `#` (the bundle targets ES2021, where each `#` member costs a WeakMap).
  lang = 'en';
  table: Partial<Translation> = en;
  overrides: Strings = {};
  /** The table of the language wanted is on its way (settles once the host is asked to update). */
  loading: Promise<void> | null = null;
  /** The language wanted (its table may still be on its way). */
  private _wanted = 'en';
  private _host: ReactiveControllerHost & Element;

  constructor(host: ReactiveControllerHost & Element) {
    this._host = host;
  }

  /** Follows the language (own `lang`, an ancestor's, the browser's): English at once, others once fetched. */
  apply(own: string, strings: Strings): void {
    this.overrides = strings ?? {};
    const lang = resolveLanguage(this._host, own);
    if (lang === this._wanted) return;
    const use = (strings: Partial<Translation>, as = lang) => {
      if (this._wanted !== lang) return;
      this.lang = as;
      this.table = strings;
    };
    this._wanted = lang;
    this.loading = null;
    if (lang === 'en') return use(en);
    const loading = (this.loading = table(lang)
      .then(use, () => use(en, 'en'))
      .then(() => {
        if (this.loading === loading) this.loading = null;
        this._host.requestUpdate();
      }));
  }

  /** An error as the element shows it: translated per code (English: the message itself, which is English). */
  shownError(error: ShownError): ShownError {
    const id = `error.${error.code}` as const;
    setCurrent(this);
    return (this.overrides[id] ?? (this.lang !== 'en' && this.table[id])) ? { code: error.code, message: t(id) } : error;
  }
}
