import type { Directive, EscapeToken, ParseCode } from './ast.js';

/**
 * BuildKit's directive regexp, `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` (Go's \s is
 * [\t\n\f\r ]), matched by hand: s[from, to) -> [name, valueStart, valueEnd] or null.
 */
function matchDirective(s: string, from: number, to: number): [string, number, number] | null {
  let i = from + 1;
  while (i < to && isGoSpace(s.charCodeAt(i))) i++;
  const nameStart = i;
  if (i >= to || !isLetter(s.charCodeAt(i))) return null;
  while (i < to && (isLetter(s.charCodeAt(i)) || isDigit(s.charCodeAt(i)))) i++;
  const name = s.slice(nameStart, i);
  while (i < to && isGoSpace(s.charCodeAt(i))) i++;
  if (i >= to || s.charCodeAt(i) !== 0x3d) return null;
  const afterEq = ++i;
  while (i < to && isGoSpace(s.charCodeAt(i))) i++;
  let end = to;
  while (end > i && isGoSpace(s.charCodeAt(end - 1))) end--;
  // `(.+?)` needs one character: with only white space after `=`, backtracking leaves it
  // the last one.
  if (end === i) return to > afterEq ? [name, to - 1, to] : null;
  return [name, i, end];
}

function isGoSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

const VALID = new Set<Directive['name']>(['syntax', 'escape', 'check']);

export interface FoundDirective {
  readonly name: Directive['name'];
  readonly value: string;
  /** Index range of the value in the scanned string. */
  readonly valueStart: number;
  readonly valueEnd: number;
}

export type DirectiveResult =
  | { readonly type: 'none' }
  | { readonly type: 'directive'; readonly directive: FoundDirective }
  | { readonly type: 'error'; readonly code: ParseCode; readonly message: string };

const NONE: DirectiveResult = { type: 'none' };

/**
 * BuildKit's DirectiveParser: looks at every leading line (left-trimmed) until the first
 * one that is not a known directive (a blank line, an instruction, an ordinary comment or
 * an unknown `# key=value`); after that nothing is a directive. Each directive may
 * appear once, and `escape` must be `\` or a backtick.
 */
export class DirectiveParser {
  /** True once a line was not a directive: nothing after it is one. */
  finished = false;
  private readonly seen: string[] = [];
  escapeToken: EscapeToken = '\\';

  /** `s[from, to)` is the physical line with leading white space and line break removed. */
  line(s: string, from: number, to: number): DirectiveResult {
    if (this.finished) return NONE;
    if (s.charCodeAt(from) !== 0x23 /* # */) {
      this.finished = true;
      return NONE;
    }
    const match = matchDirective(s, from, to);
    const name = match?.[0].toLowerCase() as Directive['name'] | undefined;
    if (match === null || name === undefined || !VALID.has(name)) {
      this.finished = true;
      return NONE;
    }
    if (this.seen.includes(name)) {
      return { type: 'error', code: 'PARSE_DUPLICATE_DIRECTIVE', message: `only one ${name} parser directive can be used` };
    }
    this.seen.push(name);
    const value = s.slice(match[1], match[2]);
    if (name === 'escape') {
      if (value !== '`' && value !== '\\') {
        return { type: 'error', code: 'PARSE_INVALID_ESCAPE', message: `invalid escape token '${value}' does not match \` or \\` };
      }
      this.escapeToken = value;
    }
    return { type: 'directive', directive: { name, value, valueStart: match[1], valueEnd: match[2] } };
  }
}
