/**
 * User text (names, chat) as it is shown: control characters never reach the screen, where they
 * would render as boxes or reorder lines. Isolation from the surrounding UI (a right-to-left
 * override in a name must not reverse the labels around it) is the template's job: every user
 * string is rendered in a `<bdi>` (or an element with `dir="auto"`).
 */

// C0 and C1 controls and DEL, except tab and newline (which chat text keeps).
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROLS_BUT_TAB_NEWLINE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
const TAB_NEWLINE_CR = /[\t\n\r]+/g;

/** Chat text for display: C0/C1 controls removed, except newline and tab; `\r\n` becomes `\n`. */
export function displayText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROLS_BUT_TAB_NEWLINE, '');
}

/** A name for display, on one line: C0/C1 controls removed, tabs and line breaks become a space. */
export function displayName(name: string): string {
  return name.replace(TAB_NEWLINE_CR, ' ').replace(CONTROLS_BUT_TAB_NEWLINE, '');
}
