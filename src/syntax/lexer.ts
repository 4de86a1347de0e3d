import moo from 'moo';
import { LINE_RULES, type LineKind } from '../../grammar/lexer.js';

/**
 * The physical lines of a text, as parallel arrays (one entry per line) so that a
 * 10 MB file costs a few arrays of small integers rather than an object per line.
 *
 * - `start[i]`: offset of the line's first character (after the BOM on line 1).
 * - `end[i]`: offset just after the content: before the `\n` and any `\r`/`\n` run that
 *   BuildKit's trimNewline strips.
 * - `kind[i]`: see grammar/lexer.ts.
 */
export interface Lines {
  readonly text: string;
  readonly count: number;
  readonly start: readonly number[];
  readonly end: readonly number[];
  readonly kind: readonly LineKind[];
}

const lexer = moo.compile(LINE_RULES);

const BOM = 0xfeff;

export function splitLines(text: string): Lines {
  const base = text.charCodeAt(0) === BOM ? 1 : 0;
  const start: number[] = [];
  const end: number[] = [];
  const kind: LineKind[] = [];
  let count = 0;
  lexer.reset(base === 0 ? text : text.slice(1));
  for (let token = lexer.next(); token !== undefined; token = lexer.next()) {
    const lineKind = token.type as LineKind;
    const runEnd = token.offset + base + token.text.length;
    for (let lineStart = token.offset + base; lineStart < runEnd; count++) {
      const nl = text.indexOf('\n', lineStart);
      const n = nl === -1 || nl >= runEnd ? runEnd : nl + 1;
      let e = n;
      // trimNewline: BuildKit trims every trailing \r and \n, not just one line break.
      while (e > lineStart && (text.charCodeAt(e - 1) === 10 || text.charCodeAt(e - 1) === 13)) e--;
      start.push(lineStart);
      end.push(e);
      kind.push(lineKind);
      lineStart = n;
    }
  }
  return { text, count, start, end, kind };
}

/** Offset of the line after line i (just past its `\n`), or the text length. */
export function nextLineStart(lines: Lines, i: number): number {
  return i + 1 < lines.count ? lines.start[i + 1]! : lines.text.length;
}
