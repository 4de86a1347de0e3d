import type { Argument, Position, Range } from '../syntax/ast.js';

/** Offset -> line/column for one text, by binary search over line starts. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  position(offset: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1, offset };
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(end) };
  }

  /** The offset where a 1-based line starts. */
  offsetOf(line: number): number {
    return this.starts[line - 1] ?? this.text.length;
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const start = this.starts[line - 1] ?? this.text.length;
    const next = this.starts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, '');
  }

  get lineCount(): number {
    return this.starts.length;
  }
}

/**
 * The range of `value.slice(from, to)` inside an argument, when the argument's value is
 * exactly its source text (one line, nothing unescaped); otherwise the whole argument.
 */
export function subRange(index: LineIndex, arg: Argument, from: number, to: number): Range {
  const src = index.text.slice(arg.range.start.offset, arg.range.end.offset);
  if (src !== arg.value) return arg.range;
  return index.range(arg.range.start.offset + from, arg.range.start.offset + to);
}
