import moo from 'moo';
import { LINE_RULES, type LineKind } from '../../grammar/lexer.js';

/**
 * The physical lines of a text, as parallel arrays (one entry per line) so that a
 * 10 MB file costs a few typed arrays rather than an object per line.
 *
 * - `start[i]`: offset of the line's first character (after the BOM on line 1).
 * - `end[i]`: offset just after the content: before the `\n` and any `\r`/`\n` run that
 *   BuildKit's trimNewline strips.
 * - `next[i]`: offset of the next line (after the `\n`), or the text length.
 * - `kind[i]`: see grammar/lexer.ts.
 */
export interface Lines {
  readonly text: string;
  readonly count: number;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly next: Int32Array;
  readonly kind: readonly LineKind[];
}

const lexer = moo.compile(LINE_RULES);

const BOM = 0xfeff;

export function splitLines(text: string): Lines {
  const base = text.charCodeAt(0) === BOM ? 1 : 0;
  let capacity = 64;
  let start = new Int32Array(capacity);
  let end = new Int32Array(capacity);
  let next = new Int32Array(capacity);
  const kind: LineKind[] = [];
  let count = 0;
  lexer.reset(base === 0 ? text : text.slice(1));
  for (let token = lexer.next(); token !== undefined; token = lexer.next()) {
    if (count === capacity) {
      capacity *= 2;
      start = grow(start, capacity);
      end = grow(end, capacity);
      next = grow(next, capacity);
    }
    const s = token.offset + base;
    const n = s + token.text.length;
    let e = n;
    // trimNewline: BuildKit trims every trailing \r and \n, not just one line break.
    while (e > s && (text.charCodeAt(e - 1) === 10 || text.charCodeAt(e - 1) === 13)) e--;
    start[count] = s;
    end[count] = e;
    next[count] = n;
    kind.push(token.type as LineKind);
    count++;
  }
  return { text, count, start, end, next, kind };
}

function grow(a: Int32Array<ArrayBuffer>, capacity: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(capacity);
  b.set(a);
  return b;
}
