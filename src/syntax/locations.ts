import type { Position, Range } from './ast.js';

/**
 * Offsets to positions by binary search over line starts (the convention is in ast.ts).
 * Used by the formatter and by anyone holding only offsets; the parser builds positions
 * directly from the line it is on.
 */
export class LineCounter {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  position(offset: number): Position {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1, offset };
  }

  /** Offset of the first character of a 1-based line. */
  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length) - 1)]!;
  }

  get lineCount(): number {
    return this.starts.length;
  }
}

/**
 * A logical line: pieces of physical lines joined after continuations were removed.
 * Keeps, per piece, where it came from so that any index into the joined string maps
 * back to a source position.
 */
export class LogicalLine {
  /** The joined text; valid after `seal()`. */
  text = '';
  // Reused across instructions (see reset): `count` pieces are live.
  private count = 0;
  private length = 0;
  private pieces: string[] = [];
  private logical: number[] = [];
  private source: number[] = [];
  private lineNo: number[] = [];
  private lineStart: number[] = [];

  /** Empties the line for reuse, dropping storage a very long line left behind. */
  reset(): void {
    this.text = '';
    if (this.count > 1024) {
      this.pieces = [];
      this.logical = [];
      this.source = [];
      this.lineNo = [];
      this.lineStart = [];
    }
    this.count = 0;
    this.length = 0;
  }

  /** Forgets the pieces (slices keep their whole source text alive) once a parse is done. */
  release(): void {
    this.reset();
    this.pieces = [];
  }

  /** Appends `full.slice(from, to)`, found on 1-based line `line` starting at `lineStart`. */
  append(full: string, from: number, to: number, line: number, lineStart: number): void {
    const k = this.count++;
    this.logical[k] = this.length;
    this.source[k] = from;
    this.lineNo[k] = line;
    this.lineStart[k] = lineStart;
    this.pieces[k] = full.slice(from, to);
    this.length += to - from;
  }

  /** Joins the pieces into `text` (one join, not a rope of many concatenations). */
  seal(): void {
    this.text = this.count === 1 ? this.pieces[0]! : this.pieces.slice(0, this.count).join('');
  }

  /** The source position of logical index `i` (0 <= i <= text.length). */
  pos(i: number): Position {
    return this.at(i, 0);
  }

  /** The source range of logical indexes [from, to). */
  range(from: number, to: number): Range {
    const start = this.at(from, 0);
    if (to <= from) return { start, end: start };
    // The end is just after the last character, on that character's line: a range that
    // ends where a piece ends must not jump to where the next piece starts.
    return { start, end: this.at(to - 1, 1) };
  }

  /** `range(from, to).end` without building the start. */
  endOf(from: number, to: number): Position {
    return to <= from ? this.at(from, 0) : this.at(to - 1, 1);
  }

  /** The position of logical index `i`, moved `delta` characters along its source line. */
  private at(i: number, delta: number): Position {
    const logical = this.logical;
    let k = this.count - 1;
    if (k > 0) {
      // Binary search for the last piece starting at or before i; empty pieces share a
      // start with the following one, so prefer the later piece.
      let lo = 0;
      let hi = k;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (logical[mid]! <= i) lo = mid;
        else hi = mid - 1;
      }
      k = lo;
    }
    const offset = this.source[k]! + (i - logical[k]!) + delta;
    return { line: this.lineNo[k]!, column: offset - this.lineStart[k]! + 1, offset };
  }
}
