import type { Position, Range } from '../syntax/ast.js';

/**
 * The range of `value.slice(from, to)` inside a node whose source is `range`, when the
 * value maps one-to-one onto a single source line (no quotes removed, no continuation);
 * otherwise the whole range, which is still the right place to point at.
 */
export function subRange(range: Range, value: string, from: number, to: number): Range {
  const sameLine = range.start.line === range.end.line;
  if (!sameLine || range.end.offset - range.start.offset !== value.length) return range;
  const at = (i: number): Position => ({ line: range.start.line, column: range.start.column + i, offset: range.start.offset + i });
  return { start: at(from), end: at(to) };
}
