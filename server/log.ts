/**
 * Log lines are plain text read by people and parsed by tools: a client string in
 * one (a room name, an origin, an error message) must not be able to break the
 * line (newlines, U+2028/U+2029, U+0085), reorder what a terminal shows (bidi
 * controls such as U+202E), hide text (zero-width characters) or smuggle terminal
 * escapes (C0/C1 controls). Every line the relay writes goes through
 * {@link escapeLogLine}; client strings are also quoted with {@link quote}.
 */

// C0 and C1 controls and DEL; Arabic letter mark; zero-width and direction marks
// (U+200B–U+200F); line/paragraph separators and bidi embeddings/overrides
// (U+2028–U+202E); word joiner, invisible operators and bidi isolates (U+2060–U+206F);
// BOM / zero-width no-break space; interlinear annotation controls; lone surrogates.
const UNSAFE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `line` with every character that could break, reorder or hide log text written as `\uXXXX`. */
export function escapeLogLine(line: string): string {
  return line.replace(UNSAFE, escape);
}

/** A client string as a quoted JSON string, safe in a log line. */
export function quote(value: string): string {
  return escapeLogLine(JSON.stringify(value));
}

/** A logger that escapes every line before handing it to `sink`. */
export function safeLogger(sink: (line: string) => void): (line: string) => void {
  return (line) => sink(escapeLogLine(line));
}
