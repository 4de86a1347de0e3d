/**
 * Lexer rules for the physical lines of a Dockerfile, compiled with moo by
 * src/syntax/lexer.ts. Every token is exactly one physical line including its `\n`
 * (the last line may lack one), classified the way BuildKit's parser first looks at a
 * line: after skipping leading white space (Go's `unicode.IsSpace`), a line is a
 * comment if it starts with `#`, blank if nothing is left, text otherwise.
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
  comment: { match: new RegExp(`[${SPACE_CLASS}]*#[^\\n]*\\n?`), lineBreaks: true },
  // White space up to the line break, or a white-space-only last line without one
  // (`(?![^])` is end of input: moo compiles with the m flag, where `$` also matches
  // before a lone `\r`).
  blank: { match: new RegExp(`[${SPACE_CLASS}]*\\n|[${SPACE_CLASS}]+(?![^])`), lineBreaks: true },
  text: { match: /[^\n]+\n?/, lineBreaks: true },
};
