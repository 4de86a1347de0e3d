/**
 * Lexer rules for the physical lines of a Dockerfile, compiled with moo by
 * src/syntax/lexer.ts. A line is at most two tokens: its content, classified the way
 * BuildKit's parser first looks at a line (after skipping leading white space, Go's
 * `unicode.IsSpace`: a comment if it starts with `#`, blank if nothing is left, text
 * otherwise), then `nl` for its line break. An empty line is just `nl`.
 *
 * Keeping `\n` out of the content tokens lets moo skip its per-token line-break count,
 * and `nl` is a one-character literal that moo matches without running the regexp.
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

export type LineKind = 'comment' | 'blank' | 'text';

export const LINE_RULES: Rules = {
  nl: { match: '\n', lineBreaks: true },
  comment: new RegExp(`[${SPACE_CLASS}]*#[^\\n]*`),
  text: new RegExp(`[${SPACE_CLASS}]*[^${SPACE_CLASS}\\n][^\\n]*`),
  blank: new RegExp(`[${SPACE_CLASS}]+`),
};
