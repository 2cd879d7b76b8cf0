// Inbound text is cleaned once, at the contract, so no later consumer (a database column, a CRM field, a log line,
// an HTTP header) ever sees a control character it might choke on or be fooled by. PostgreSQL refuses NUL in text
// outright: an uncleaned title would make every retry of the request fail the same way.

/**
 * Lone surrogates: not text at all. Each store writes them differently (SQLite as three U+FFFD, PostgreSQL as one),
 * so they become one U+FFFD here and every copy of the text agrees.
 */
const LONE_SURROGATES = /\p{Cs}/gu;

/** C0 and C1 control characters (NUL, CR, LF, ESC, …), DEL, and the Unicode line and paragraph separators. */
const LINE_BREAKS_AND_CONTROLS = /[\p{Cc}\u2028\u2029]+/gu;

/** Control characters that have no place even in multi-line text: all but tab, line feed and carriage return. */
const CONTROLS_BUT_LINE_ENDS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/gu;

/**
 * Characters an identifier (a conversation id, the note's reference token) must not contain: white space, control
 * and format characters (zero-width, bidi overrides) and lone surrogates.
 */
const NOT_IN_IDENTIFIERS = /[\s\p{Cc}\p{Cf}\p{Cs}]/u;

/** One line of text: every run of line breaks and control characters becomes one space. */
export function toSingleLine(text: string): string {
  return text.replace(LINE_BREAKS_AND_CONTROLS, ' ').replace(LONE_SURROGATES, '\ufffd');
}

/** Multi-line text (a summary, notes): line ends and tabs stay, other control characters go. */
export function withoutControlCharacters(text: string): string {
  return text.replace(CONTROLS_BUT_LINE_ENDS, '').replace(LONE_SURROGATES, '\ufffd');
}

/** Whether `text` can serve as an identifier: one word of visible characters. */
export function isIdentifierText(text: string): boolean {
  return !NOT_IN_IDENTIFIERS.test(text);
}
