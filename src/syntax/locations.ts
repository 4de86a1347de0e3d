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
 *
 * The line is `text.slice(from, to)`, and indexes into it are indexes into `text`. A line
 * of one piece (most of them) is not copied: `text` is then the whole source and its
 * indexes are source offsets. Scanning the flat source is faster than scanning a slice.
 */
export class LogicalLine {
  /** Holds the line at [from, to); valid after `seal()`. */
  text = '';
  from = 0;
  to = 0;
  // Reused across instructions (see reset): `count` pieces are live.
  private count = 0;
  private length = 0;
  private full = '';
  private pieceEnd: number[] = [];
  private logical: number[] = [];
  private source: number[] = [];
  private lineNo: number[] = [];
  private lineStart: number[] = [];

  /** Empties the line for reuse, dropping storage a very long line left behind. */
  reset(): void {
    if (this.count > 1024) {
      this.pieceEnd = [];
      this.logical = [];
      this.source = [];
      this.lineNo = [];
      this.lineStart = [];
    }
    this.count = 0;
    this.length = 0;
  }

  /** Forgets the source text once a parse is done. */
  release(): void {
    this.reset();
    this.text = '';
    this.full = '';
  }

  /** Appends `full.slice(from, to)`, found on 1-based line `line` starting at `lineStart`. */
  append(full: string, from: number, to: number, line: number, lineStart: number): void {
    const k = this.count++;
    this.full = full;
    this.logical[k] = this.length;
    this.source[k] = from;
    this.pieceEnd[k] = to;
    this.lineNo[k] = line;
    this.lineStart[k] = lineStart;
    this.length += to - from;
  }

  /** Makes `text`, `from` and `to` hold the line (one join for several pieces). */
  seal(): void {
    if (this.count === 1) {
      // Index space = source offsets: the piece's logical start is its source start.
      this.text = this.full;
      this.from = this.source[0]!;
      this.to = this.pieceEnd[0]!;
      this.logical[0] = this.from;
      return;
    }
    // Concatenation rather than an array and join: V8 flattens the result once, on the
    // first character read, without join's generic array walk.
    let text = '';
    for (let k = 0; k < this.count; k++) text += this.full.slice(this.source[k], this.pieceEnd[k]);
    this.text = text;
    this.from = 0;
    this.to = this.text.length;
  }

  /** The line as its own string. */
  toString(): string {
    return this.text.slice(this.from, this.to);
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
