/**
 * The Dockerfile front end: text -> AST, as BuildKit's parser reads it.
 * Entry point: `parse()`; `dump()` prints BuildKit's dump format; `formatDiagnostic()`
 * renders problems for people.
 */
export { parse } from './parser.js';
export { dump, dumpInstruction, goQuote } from './dump.js';
export { formatDiagnostic } from './format.js';
export { LineCounter } from './locations.js';
export { chompHeredocContent, parseHeredocWord } from './heredocs.js';
export type {
  Argument, Body, CommandBody, Comment, Diagnostic, Directive, Dockerfile, EscapeToken, Flag, Heredoc,
  Instruction, KeyValuePair, ParseCode, ParseOptions, ParseResult, Position, Range, Severity,
} from './ast.js';
