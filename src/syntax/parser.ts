import { HEREDOC_KEYWORDS } from '../../grammar/instructions.js';
import type {
  Comment, Diagnostic, Directive, Heredoc, Instruction, ParseCode, ParseOptions, ParseResult, Position, Range,
} from './ast.js';
import { skipSpace, trimSpaceEnd } from './chars.js';
import { DirectiveParser } from './directives.js';
import { heredocsFromLine, type HeredocMarker } from './heredocs.js';
import { Problem, buildInstruction } from './instruction.js';
import { nextLineStart, splitLines, type Lines } from './lexer.js';
import { LogicalLine } from './locations.js';

const NO_COMMENTS: readonly Comment[] = Object.freeze([]);


/** parse() is synchronous and not re-entrant, so one logical-line buffer serves every call. */
const SHARED_LINE = new LogicalLine();

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** bufio.Scanner's limit in BuildKit: a line (with its `\n`) must fit in 64 KiB. */
const MAX_LINE_BYTES = 64 * 1024;

/**
 * Parses a Dockerfile the way BuildKit's parser does (moby/buildkit
 * frontend/dockerfile/parser). Never throws: a problem that makes BuildKit reject the
 * file comes back in `errors` (parsing stops there, as BuildKit's does), with the
 * instructions read so far in `ast`.
 */
export function parse(text: string, options: ParseOptions = {}): ParseResult {
  void options;
  return new Parser(text).run();
}

class Parser {
  private readonly lines: Lines;
  private readonly directiveParser = new DirectiveParser();
  private readonly directives: Directive[] = [];
  private readonly instructions: Instruction[] = [];
  private readonly allComments: Comment[] = [];
  private readonly warnings: Diagnostic[] = [];
  private readonly errors: Diagnostic[] = [];
  private comments: Comment[] = [];
  private i = 0;
  /** Reused for every instruction: nothing built from it keeps a reference. */
  private readonly line = SHARED_LINE;

  private readonly short: boolean;
  /** The first `<<` at or after the last source offset searched (-1: none; -2: not searched yet). */
  private chevron = -2;

  constructor(private readonly text: string) {
    this.lines = splitLines(text);
    this.short = text.length * 3 < MAX_LINE_BYTES;
  }

  run(): ParseResult {
    const { lines } = this;
    while (this.i < lines.count && this.errors.length === 0) this.step();
    this.line.release();
    if (this.errors.length === 0 && this.instructions.length === 0) {
      const at = this.pos(this.text.length);
      this.fail('PARSE_NO_INSTRUCTIONS', 'file with no instructions', { start: at, end: at });
    }
    const start = this.pos(0);
    return {
      ast: {
        type: 'Dockerfile',
        instructions: this.instructions,
        comments: this.allComments,
        range: { start, end: this.pos(this.text.length) },
      },
      directives: this.directives,
      escapeToken: this.directiveParser.escapeToken,
      warnings: this.warnings,
      errors: this.errors,
    };
  }

  /** One iteration of BuildKit's main loop: a comment, a blank line or one instruction. */
  private step(): void {
    const { lines, text } = this;
    const i = this.i;
    if (this.tooLong(i)) return;
    const kind = lines.kind[i]!;
    const ls = skipSpace(text, lines.start[i]!, lines.end[i]!);
    if (kind === 'comment') {
      const comment = this.comment(i, ls);
      this.allComments.push(comment);
      if (comment.text === '') this.comments = [];
      else this.comments.push(comment);
    }
    if (!this.directiveParser.finished) {
      const found = this.directiveParser.line(text, ls, lines.end[i]!);
      if (found.type === 'error') {
        this.fail(found.code, found.message, this.lineRange(i, ls));
        return;
      }
      if (found.type === 'directive') {
        const d = found.directive;
        this.comments.pop();
        this.directives.push({
          type: 'Directive', name: d.name, value: d.value,
          range: this.lineRange(i, ls), valueRange: this.range(d.valueStart, d.valueEnd),
        });
      }
    }
    this.i++;
    if (kind !== 'text') return;
    this.instruction(i, ls);
  }

  private instruction(first: number, ls: number): void {
    const { lines, text } = this;
    const escape = this.directiveParser.escapeToken.charCodeAt(0);
    const line = this.line;
    line.reset();
    let cont = this.appendSegment(line, first, ls, escape);
    let emptyContinuation = false;
    let last = first;
    while (cont && this.i < lines.count) {
      const j = this.i;
      if (this.tooLong(j)) return;
      this.i++;
      last = j;
      const kind = lines.kind[j]!;
      if (kind === 'comment') {
        this.allComments.push(this.comment(j, skipSpace(text, lines.start[j]!, lines.end[j]!)));
        continue;
      }
      if (kind === 'blank') {
        emptyContinuation = true;
        continue;
      }
      cont = this.appendSegment(line, j, lines.start[j]!, escape);
    }
    line.seal();
    if (emptyContinuation) {
      this.warnings.push({
        code: 'PARSE_EMPTY_CONTINUATION' satisfies ParseCode,
        message: `Empty continuation line found in: ${line.toString()}`,
        range: this.lineRange(last, lines.start[last]!),
        severity: 'warning',
      });
    }
    const comments = this.comments.length === 0 ? NO_COMMENTS : this.comments;
    const built = buildInstruction(line, line.from, line.to, escape, comments, this.posAt(last, lines.end[last]!));
    if (built instanceof Problem) {
      const p = built.problem;
      this.fail(p.code, p.message, line.range(p.from, p.to));
      return;
    }
    const node = built;
    const target = node.body.type === 'Onbuild' ? node.body.instruction : node;
    if (!target.json && HEREDOC_KEYWORDS.has(target.name) && this.hasChevrons(line)) {
      const found = heredocsFromLine(line.toString());
      if (!found.ok) {
        this.fail('PARSE_INVALID_HEREDOC', found.message, node.range);
        return;
      }
      const heredocs: Heredoc[] = [];
      for (const marker of found.markers) {
        const doc = this.heredoc(marker, line, node.range.start);
        if (doc === null) return;
        heredocs.push(doc);
      }
      if (heredocs.length > 0) {
        // The node was created just above and nothing else holds it: set the fields in
        // place rather than copying, so every Instruction keeps one object shape.
        const end = heredocs[heredocs.length - 1]!.range.end;
        if (target !== node) (target as Mutable<Instruction>).heredocs = heredocs;
        (node as Mutable<Instruction>).heredocs = heredocs;
        (node as Mutable<Instruction>).range = { start: node.range.start, end };
      }
    }
    this.instructions.push(node);
    if (this.comments.length > 0) this.comments = [];
  }

  /**
   * Whether the line contains `<<` (BuildKit looks for heredocs only then). For a line
   * that is a slice of the source, the next `<<` in the source is found once and reused
   * by every later line before it, so the source is searched once per parse, natively.
   */
  private hasChevrons(line: LogicalLine): boolean {
    const { from, to } = line;
    let at: number;
    if (line.text === this.text) {
      if (this.chevron !== -1 && this.chevron < from) this.chevron = this.text.indexOf('<<', from);
      at = this.chevron;
    } else {
      at = line.text.indexOf('<<', from);
    }
    return at !== -1 && at + 2 <= to;
  }

  /** Appends line j from `from` (continuation removed); returns whether the line continues. */
  private appendSegment(line: LogicalLine, j: number, from: number, escape: number): boolean {
    const { lines, text } = this;
    const end = lines.end[j]!;
    let k = end;
    while (k > from && (text.charCodeAt(k - 1) === 0x20 || text.charCodeAt(k - 1) === 0x09)) k--;
    // BuildKit's continuation regexp: an escape at the end, not itself escaped.
    const cont = k > from && text.charCodeAt(k - 1) === escape && (k - 1 === from || text.charCodeAt(k - 2) !== escape);
    line.append(text, from, cont ? k - 1 : end, j + 1, j === 0 ? 0 : lines.start[j]!);
    return cont;
  }

  /** Reads a heredoc body after the current position up to its terminator line. */
  private heredoc(marker: HeredocMarker, line: LogicalLine, start: Position): Heredoc | null {
    const { lines, text } = this;
    const name = marker.name;
    const bodyStart = this.i;
    for (let j = this.i; j < lines.count; j++) {
      if (this.tooLong(j)) return null;
      let s = lines.start[j]!;
      const e = lines.end[j]!;
      if (marker.chomp) while (s < e && text.charCodeAt(s) === 0x09) s++;
      if (e - s !== name.length || !text.startsWith(name, s)) continue;
      this.i = j + 1;
      const from = bodyStart < lines.count ? lines.start[bodyStart]! : text.length;
      const to = lines.start[j]!;
      const bodyFrom = this.pos(from);
      return {
        type: 'Heredoc', name, quoted: marker.quoted, chomp: marker.chomp, fd: marker.fd,
        content: text.slice(from, to),
        markerRange: marker.end > marker.start ? line.range(line.from + marker.start, line.from + marker.end) : { start, end: start },
        contentRange: { start: bodyFrom, end: this.pos(to) },
        range: { start: bodyFrom, end: this.pos(e) },
      };
    }
    this.i = lines.count;
    this.fail('PARSE_UNTERMINATED_HEREDOC', `unterminated heredoc ${name}`, { start, end: this.pos(text.length) });
    return null;
  }

  private comment(i: number, ls: number): Comment {
    const { text, lines } = this;
    const end = lines.end[i]!;
    const from = skipSpace(text, ls + 1, end);
    return { type: 'Comment', text: text.slice(from, trimSpaceEnd(text, from, end)), range: this.lineRange(i, ls) };
  }

  private tooLong(i: number): boolean {
    // No line of a text this short can reach the limit, even at 3 UTF-8 bytes a character.
    if (this.short) return false;
    const { lines, text } = this;
    // Bytes as BuildKit's scanner sees them: the BOM and a trailing \r count, the \n does not.
    const s = i === 0 ? 0 : lines.start[i]!;
    let n = nextLineStart(lines, i);
    if (n > s && text.charCodeAt(n - 1) === 0x0a) n--;
    if ((n - s) * 3 < MAX_LINE_BYTES || Buffer.byteLength(text.slice(s, n)) < MAX_LINE_BYTES) return false;
    this.fail('PARSE_LINE_TOO_LONG', `dockerfile line greater than max allowed size of ${MAX_LINE_BYTES - 1}`, this.lineRange(i, s));
    this.i = lines.count;
    return true;
  }

  private fail(code: ParseCode, message: string, range: Range): void {
    this.errors.push({ code, message, range, severity: 'error' });
  }

  /** Line i from `from` to its end (line break excluded). */
  private lineRange(i: number, from: number): Range {
    return { start: this.posAt(i, from), end: this.posAt(i, this.lines.end[i]!) };
  }

  /** Position of an offset known to be on line index i. */
  private posAt(i: number, offset: number): Position {
    return { line: i + 1, column: offset - (i === 0 ? 0 : this.lines.start[i]!) + 1, offset };
  }

  private range(from: number, to: number): Range {
    return { start: this.pos(from), end: this.pos(to) };
  }

  /** Position of an offset, by binary search over the lexed lines. */
  private pos(offset: number): Position {
    const { lines } = this;
    let lo = 0;
    let hi = lines.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lines.start[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    if (hi < 0) return { line: 1, column: offset + 1, offset };
    const next = nextLineStart(lines, lo);
    // Past the last line break: the empty line after it.
    if (offset >= next && next > 0 && this.text.charCodeAt(next - 1) === 0x0a) return { line: lo + 2, column: offset - next + 1, offset };
    const lineStart = lo === 0 ? 0 : lines.start[lo]!;
    return { line: lo + 1, column: offset - lineStart + 1, offset };
  }
}

