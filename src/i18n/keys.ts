import type { StringId } from './en.js';

/**
 * How the tables are keyed. Here (the sources, the npm build) by the ids themselves. The
 * script-tag build numbers the English table's ids instead (scripts/rollup-lang.mjs): its English
 * table is an array, its calls say `t(12)`, its language files are keyed `{12: …}`, and it swaps in
 * a version of this file holding the ids in order, so that `strings` keeps the documented ids.
 */

/** The id a table key stands for (what `strings` is keyed by). */
export const idOf = (key: StringId): StringId => key;

/** The key of an id in the tables (a call with an id the build could not number, e.g. built at run time). */
export const keyOf = (id: StringId): StringId => id;
