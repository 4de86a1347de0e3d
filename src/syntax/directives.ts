import type { Directive, EscapeToken, ParseCode } from './ast.js';

/** `# name = value`, as BuildKit's directive regexp (Go's \s is [\t\n\f\r ]; `.` is not `\n`). */
const DIRECTIVE = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/;

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
  private done = false;
  private readonly seen = new Set<string>();
  escapeToken: EscapeToken = '\\';

  get finished(): boolean {
    return this.done;
  }

  /** `s[from, to)` is the physical line with leading white space and line break removed. */
  line(s: string, from: number, to: number): DirectiveResult {
    if (this.done) return NONE;
    if (s.charCodeAt(from) !== 0x23 /* # */) {
      this.done = true;
      return NONE;
    }
    const text = s.slice(from, to);
    const match = DIRECTIVE.exec(text);
    const name = match?.[1]!.toLowerCase() as Directive['name'] | undefined;
    if (match === null || name === undefined || !VALID.has(name)) {
      this.done = true;
      return NONE;
    }
    if (this.seen.has(name)) {
      return { type: 'error', code: 'PARSE_DUPLICATE_DIRECTIVE', message: `only one ${name} parser directive can be used` };
    }
    this.seen.add(name);
    const value = match[2]!;
    if (name === 'escape') {
      if (value !== '`' && value !== '\\') {
        return { type: 'error', code: 'PARSE_INVALID_ESCAPE', message: `invalid escape token '${value}' does not match \` or \\` };
      }
      this.escapeToken = value;
    }
    // The value is the lazy group: find it from the right, past trailing white space.
    let valueEnd = text.length;
    while (valueEnd > 0 && ' \t\n\f\r'.includes(text[valueEnd - 1]!)) valueEnd--;
    const valueStart = valueEnd - value.length;
    return { type: 'directive', directive: { name, value, valueStart: from + valueStart, valueEnd: from + valueEnd } };
  }
}
