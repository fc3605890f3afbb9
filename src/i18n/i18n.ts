/**
 * The element's languages: which one a `<video-call>` speaks, its strings, plurals and times.
 * English is built in; every other language is a table fetched on demand (see load.ts).
 * Written for size (issue 15: the whole mechanism costs about 1 KiB gzipped in the script bundle):
 * plain functions over a {@link Speech}, state the minifier can rename.
 */
import { en, type Plural, type StringId, type Strings, type Translation } from './en.js';
import { idOf, keyOf } from './keys.js';
import { loadLanguage } from './load.js';

/** The languages shipped besides English (tables in src/i18n/lang/). */
export const LANGUAGES: readonly string[] = 'de fr es it pt nl pl sv tr ru uk ja zh ko ar hi he'.split(' ');

/** Values for a string's `{placeholders}`: text, numbers, or Lit templates (for `parts`). */
export type Values = Record<string, unknown>;

/** What one element speaks: its language, that language's table (English until loaded), its overrides. */
export interface Speech {
  lang: string;
  table: Partial<Translation>;
  overrides: Strings;
}

/** The language shipped (or `en`) that a BCP 47 tag means, by its primary subtag (`pt-BR` → `pt`). */
export function match(tag: string): string | undefined {
  const lang = tag.toLowerCase().split(/[-_]/)[0];
  return lang === 'en' || LANGUAGES.includes(lang) ? lang : undefined;
}

/**
 * The language of `el`: `own` (its `lang` property), else its or the nearest ancestor's `lang`
 * attribute (across shadow roots), else the browser's languages; a language not shipped is English.
 */
export function resolveLanguage(el: Element, own?: string | null): string {
  let tag = own;
  for (let node: Element | undefined = el; !tag && node; node = node.parentElement ?? (node.getRootNode() as ShadowRoot).host)
    tag = node.getAttribute('lang');
  if (tag) return match(tag) ?? 'en';
  for (const lang of navigator.languages) if ((tag = match(lang))) return tag;
  return 'en';
}

/** Right to left: Arabic and Hebrew. */
export const dir = (lang: string): 'rtl' | 'ltr' => (lang === 'ar' || lang === 'he' ? 'rtl' : 'ltr');

/**
 * The table of `lang`. Fetched once per page: the browser keeps each imported module (a second
 * element in the same language, or a language switched back to, gets it at once).
 */
export const table = (lang: string): Promise<Translation> => loadLanguage(lang);

/** `Intl` objects per language, made once. */
const intl: Record<string, Intl.PluralRules & Intl.DateTimeFormat> = {};

/**
 * What the element rendering now speaks. An element sets it at the start of its (synchronous)
 * `render()`, so the parts' templates (prejoin.ts, controls.ts, …) call `t()` without passing it on.
 */
let current: Speech = { lang: 'en', table: en, overrides: {} };

export function setCurrent(speech: Speech): void {
  current = speech;
}

/**
 * `id` as parts for a Lit template, in the language of the element rendering now: its plural
 * form chosen by `values.count` (`Intl.PluralRules`), its `{placeholders}` filled in (a value may
 * be a template, e.g. a `<bdi>` name; a placeholder without a value stays as written).
 */
export function parts(id: StringId, values: Values = {}): unknown[] {
  const { lang, table, overrides } = current;
  id = keyOf(id);
  let v: string | Plural = overrides[idOf(id)] ?? table[id] ?? (en as Partial<Translation>)[id]!;
  if (typeof v === 'object') v = v[(intl['p' + lang] ??= new Intl.PluralRules(lang) as never).select(Number(values.count))] ?? v.other;
  return v.split(/\{(\w+)\}/).map((s, i) => (i % 2 ? (s in values ? values[s] : `{${s}}`) : s));
}

/** `id` as text, in the language of the element rendering now. */
export const t = (id: StringId, values?: Values): string => parts(id, values).join('');

/** `at` (epoch ms) as hours and minutes, in the language of the element rendering now. */
export const time = (at: number): string =>
  (intl['t' + current.lang] ??= new Intl.DateTimeFormat(current.lang, { hour: '2-digit', minute: '2-digit' }) as never).format(at);

export { en, type StringId, type Strings, type Translation, type Plural };
