/**
 * Lexer rules for the physical lines of a Dockerfile, compiled with moo by
 * src/syntax/lexer.ts. Lines are classified the way BuildKit's parser first looks at a
 * line: after skipping leading white space (Go's `unicode.IsSpace`), a line is a
 * comment if it starts with `#`, blank if nothing is left, text otherwise. A token is a
 * maximal run of consecutive lines of one class, each with its `\n` (the last line of
 * the input may lack one); src/syntax/lexer.ts splits runs into lines. Runs rather than
 * single lines keep the lexer's cost per line to a character scan, not a token object.
 *
 * Everything finer (continuations, flags, words, JSON, heredoc markers) depends on the
 * escape directive and on the instruction, so the parser reads it from the joined
 * logical line rather than from a context-free token stream.
 */
import type { Rules } from 'moo';

/**
 * Go's unicode.IsSpace without `\n` (the line separator): \t \v \f \r, space, NEL, NBSP
 * and the Unicode space separators, as one regex character-class body.
 */
export const SPACE_CLASS = '\\t\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const WS = `[${SPACE_CLASS}]`;
/** A line break, or the end of the input (`(?![^])`: moo compiles with the m flag, so `$` would also match before a lone `\r`). */
const EOL = '(?:\\n|(?![^]))';

export type LineKind = 'comment' | 'blank' | 'text';

/**
 * Positions come from offsets (src/syntax/locations.ts), never from moo's line/column
 * counters, so runs do not ask moo to count their line breaks (a regexp pass per line).
 * moo insists on `lineBreaks` only for a rule that can match a bare `\n`: the blank rule.
 */
export const LINE_RULES: Rules = {
  comment: new RegExp(`(?:${WS}*#[^\\n]*${EOL})+`),
  text: new RegExp(`(?:${WS}*[^${SPACE_CLASS}#\\n][^\\n]*${EOL})+`),
  // Never empty: at least one line break, or trailing white space at the end.
  blank: { match: new RegExp(`(?:${WS}*\\n)+(?:${WS}+(?![^]))?|${WS}+(?![^])`), lineBreaks: true },
};
