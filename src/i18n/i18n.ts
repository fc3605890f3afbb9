/**
 * The element's languages: which one a `<video-call>` speaks, its strings, plurals and times.
 * English is built in; every other language is a table fetched on demand (see load.ts).
 */
import { en, type Plural, type StringId, type Strings, type Translation } from './en.js';
import { loadLanguage } from './load.js';

/** The languages shipped besides English (tables in src/i18n/lang/). */
export const LANGUAGES = ['de', 'fr', 'es', 'it', 'pt', 'nl', 'pl', 'sv', 'tr', 'ru', 'uk', 'ja', 'zh', 'ko', 'ar', 'hi', 'he'] as const;
const RTL = ['ar', 'he'];

/** Values for a string's `{placeholders}`: text, numbers, or Lit templates (for `parts`). */
export type Values = Record<string, unknown>;

/** The one of `available` (or `en`) that a BCP 47 tag means: exact, then its language (`pt-BR` → `pt`). */
export function match(tag: string, available: readonly string[] = LANGUAGES): string | undefined {
  const t = tag.toLowerCase();
  const base = t.split(/[-_]/)[0];
  if (base === 'en') return 'en';
  return available.find((l) => l === t) ?? available.find((l) => l === base);
}

/**
 * The language of `el`: its own `lang`, else the nearest ancestor's (across shadow roots), else
 * the browser's languages; a language not shipped is English.
 */
export function resolveLanguage(el: Element, own?: string | null): string {
  // The element's own `lang` property first: set from script, it reaches the attribute only after this update.
  if (own) return match(own) ?? 'en';
  for (let node: Element | null = el; node; node = node.parentElement ?? (node.getRootNode() as Partial<ShadowRoot>).host ?? null) {
    const lang = node.getAttribute('lang');
    if (lang) return match(lang) ?? 'en';
  }
  for (const lang of (typeof navigator !== 'undefined' && navigator.languages) || []) {
    const m = match(lang);
    if (m) return m;
  }
  return 'en';
}

const tables = new Map<string, Promise<Translation>>();

/** The table of `lang` (loaded once per page). */
export function table(lang: string): Promise<Translation> {
  let p = tables.get(lang);
  if (!p) {
    p = loadLanguage(lang);
    tables.set(lang, p);
    p.catch(() => tables.delete(lang));
  }
  return p;
}

/** One element's strings: its language's table (English until loaded), with its overrides on top. */
export class Translator {
  lang = 'en';
  table: Partial<Translation> = en;
  overrides: Strings = {};
  private _plurals?: Intl.PluralRules;
  private _clock?: Intl.DateTimeFormat;

  /** Switches to `lang` with its `table`. */
  set(lang: string, table: Partial<Translation>): void {
    if (lang === this.lang && table === this.table) return;
    this.lang = lang;
    this.table = table;
    this._plurals = this._clock = undefined;
  }

  get dir(): 'rtl' | 'ltr' {
    return RTL.includes(this.lang) ? 'rtl' : 'ltr';
  }

  /** The raw text of `id` with its plural form chosen (by `values.count`). */
  raw(id: StringId, values?: Values): string {
    const v: string | Plural = this.overrides[id] ?? this.table[id] ?? (en as Partial<Translation>)[id] ?? id;
    if (typeof v === 'string') return v;
    const n = Number(values?.count);
    const category = (this._plurals ??= new Intl.PluralRules(this.lang)).select(n);
    return v[category] ?? v.other;
  }

  /** `id` in this language, its `{placeholders}` filled in. */
  t(id: StringId, values?: Values): string {
    return this.raw(id, values).replace(/\{(\w+)\}/g, (m, k) => (values && k in values ? String(values[k]) : m));
  }

  /** Like `t`, but as parts for a Lit template: placeholders may be templates (e.g. a `<bdi>` name). */
  parts(id: StringId, values: Values): unknown[] {
    return this.raw(id, values)
      .split(/\{(\w+)\}/)
      .map((s, i) => (i % 2 ? (s in values ? values[s] : `{${s}}`) : s));
  }

  /** `at` (epoch ms) as hours and minutes in this language. */
  time(at: number): string {
    return (this._clock ??= new Intl.DateTimeFormat(this.lang, { hour: '2-digit', minute: '2-digit' })).format(at);
  }
}

/**
 * The translator of the element rendering now. An element sets it at the start of its (synchronous)
 * `render()`, so the parts' templates (prejoin.ts, controls.ts, …) call `t()` without passing it on.
 */
let current = new Translator();

export function setCurrent(translator: Translator): void {
  current = translator;
}

/** `id` in the language of the element rendering now. */
export const t = (id: StringId, values?: Values): string => current.t(id, values);

/** `id` as template parts (placeholders may be templates), in the language of the element rendering now. */
export const parts = (id: StringId, values: Values): unknown[] => current.parts(id, values);

/** `at` as hours and minutes, in the language of the element rendering now. */
export const time = (at: number): string => current.time(at);

export { en, type StringId, type Strings, type Translation, type Plural };
