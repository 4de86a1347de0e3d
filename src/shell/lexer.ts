import { PatternError, replaceAll, replaceFirst, trimPrefix, trimSuffix } from './pattern.js';
import type { ExpandOptions, ShellEnv, ShellErrorCode } from './types.js';
import { WordCollector } from './words.js';

/** Raised while scanning; carries the offset of the construct that failed. */
export class ShellSyntaxError extends Error {
  constructor(readonly code: ShellErrorCode, message: string, readonly offset: number, readonly end: number) {
    super(message);
  }
}

// Go's unicode.IsLetter / IsDigit / IsSpace, which BuildKit's name and word rules use.
const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;
const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);

/**
 * One pass over one word. The structure follows BuildKit's lexer closely on purpose:
 * its odd corners (what `${x:-...}` does with quotes, which escapes survive inside
 * patterns, how words split) are the behaviour users depend on.
 */
export class WordScanner {
  private pos = 0;
  private rawEscapes: boolean;
  private readonly escape: string;
  readonly referenced = new Set<string>();
  readonly unset = new Set<string>();

  constructor(private readonly src: string, private readonly env: ShellEnv, private readonly options: ExpandOptions) {
    this.escape = options.escape ?? '\\';
    this.rawEscapes = options.rawEscapes ?? false;
  }

  private peek(): string | undefined {
    if (this.pos >= this.src.length) return undefined;
    return String.fromCodePoint(this.src.codePointAt(this.pos)!);
  }

  private next(): string | undefined {
    const ch = this.peek();
    if (ch !== undefined) this.pos += ch.length;
    return ch;
  }

  private fail(code: ShellErrorCode, message: string, offset: number): never {
    throw new ShellSyntaxError(code, message, offset, this.pos);
  }

  /** Expands the whole word: the result text and its split words. */
  run(): { value: string; words: string[] } {
    return this.until(undefined, this.rawEscapes);
  }

  /** Processes up to (and consumes) `stop`, or to the end when `stop` is undefined. */
  private until(stop: string | undefined, rawEscapes: boolean): { value: string; words: string[] } {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      return this.untilInner(stop);
    } finally {
      this.rawEscapes = saved;
    }
  }

  private untilInner(stop: string | undefined): { value: string; words: string[] } {
    let value = '';
    const words = new WordCollector();
    const quotes = !this.options.skipQuotes;
    const start = this.pos;
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (stop !== undefined && ch === stop) {
        this.next();
        return { value, words: words.finish() };
      }
      if (ch === '$') {
        const text = this.dollar();
        value += text;
        words.addExpanded(text);
      } else if (quotes && (ch === "'" || ch === '"')) {
        const text = ch === "'" ? this.singleQuoted() : this.doubleQuoted();
        value += text;
        words.addQuoted(text);
      } else {
        this.next();
        if (ch === this.escape) {
          if (this.rawEscapes) {
            words.addLiteral(ch);
            value += ch;
          }
          // A trailing escape is dropped (a line continuation the parser already joined).
          const escaped = this.next();
          if (escaped === undefined) break;
          words.addLiteral(escaped);
          value += escaped;
        } else {
          words.addPlain(ch);
          value += ch;
        }
      }
    }
    if (stop !== undefined) this.fail('SHELL_MISSING_BRACE', `unexpected end of word while looking for matching ${stop}`, start);
    return { value, words: words.finish() };
  }

  private singleQuoted(): string {
    const start = this.pos;
    let out = this.next()!;
    if (!this.options.rawQuotes) out = '';
    for (;;) {
      const ch = this.next();
      if (ch === undefined) this.fail('SHELL_UNTERMINATED_QUOTE', 'unexpected end of word while looking for matching single-quote', start);
      if (ch === "'") return this.options.rawQuotes ? out + ch : out;
      out += ch;
    }
  }

  private doubleQuoted(): string {
    const start = this.pos;
    let out = this.next()!;
    if (!this.options.rawQuotes) out = '';
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) this.fail('SHELL_UNTERMINATED_QUOTE', 'unexpected end of word while looking for matching double-quote', start);
      if (ch === '"') {
        this.next();
        return this.options.rawQuotes ? out + ch : out;
      }
      if (ch === '$') {
        out += this.dollar();
        continue;
      }
      let c = this.next()!;
      if (c === this.escape) {
        if (this.rawEscapes) out += c;
        const after = this.peek();
        // Inside double quotes the escape only escapes `"`, `$` and itself.
        if (after === undefined) continue;
        if (after === '"' || after === '$' || after === this.escape) c = this.next()!;
      }
      out += c;
    }
  }

  private lookup(name: string): string | undefined {
    this.referenced.add(name);
    const env = this.env;
    const value = env instanceof Map ? env.get(name) : Object.hasOwn(env, name) ? (env as Record<string, string | undefined>)[name] : undefined;
    if (value === undefined) this.unset.add(name);
    return value;
  }

  private dollar(): string {
    const start = this.pos;
    this.next();
    if (this.peek() !== '{') {
      const name = this.name();
      if (name === '') return '$';
      const value = this.lookup(name);
      if (value === undefined && this.options.skipUnset) return '$' + name;
      return value ?? '';
    }
    this.next();
    const first = this.peek();
    if (first === undefined) this.fail('SHELL_MISSING_BRACE', "syntax error: missing '}'", start);
    if (first === '{' || first === '}' || first === ':') this.fail('SHELL_BAD_SUBSTITUTION', 'syntax error: bad substitution', start);
    const name = this.name();
    let op = this.next() ?? '';
    if (op === '') this.fail('SHELL_MISSING_BRACE', "syntax error: missing '}'", start);
    if (op === '}') {
      const value = this.lookup(name);
      if (value === undefined && this.options.skipUnset) return '${' + name + '}';
      return value ?? '';
    }
    if (op === '/') return this.substitute(name, start);
    let modifier = op;
    let nullIsUnset = false;
    if (op === ':') {
      nullIsUnset = true;
      modifier = this.next() ?? '';
      op += modifier;
    }
    if (!'+-?#%'.includes(modifier) || modifier === '') {
      if (!nullIsUnset) this.fail('SHELL_UNSUPPORTED_MODIFIER', `unsupported modifier (${op}) in substitution`, start);
    }
    // Patterns keep their escapes: the pattern syntax gives them meaning.
    const word = this.operand('}', modifier === '#' || modifier === '%', start).value;
    const value = this.lookup(name);
    if (value === undefined && this.options.skipUnset) return '${' + name + op + word + '}';
    const empty = value === undefined || (nullIsUnset && value === '');
    switch (modifier) {
      case '-':
        return empty ? word : value!;
      case '+':
        return empty ? '' : word;
      case '?':
        if (value === undefined) this.fail('SHELL_REQUIRED_VARIABLE', `${name}: ${word || 'is not allowed to be unset'}`, start);
        if (empty) this.fail('SHELL_REQUIRED_VARIABLE', `${name}: ${word || 'is not allowed to be empty'}`, start);
        return value;
      case '#':
      case '%': {
        const greedy = word.startsWith(modifier);
        const pattern = greedy ? word.slice(1) : word;
        return this.pattern(pattern, start, () =>
          modifier === '%' ? trimSuffix(pattern, value ?? '', greedy) : trimPrefix(pattern, value ?? '', greedy));
      }
      default:
        return this.fail('SHELL_UNSUPPORTED_MODIFIER', `unsupported modifier (${op}) in substitution`, start);
    }
  }

  /** `${name/pattern/replacement}` and `${name//pattern/replacement}`. */
  private substitute(name: string, start: number): string {
    const all = this.peek() === '/';
    if (all) this.next();
    const pattern = this.operand('/', true, start, 'SHELL_MISSING_SLASH').value;
    const replacement = this.operand('}', true, start).value;
    const value = this.lookup(name);
    if (value === undefined && this.options.skipUnset) return '${' + name + '/' + pattern + '/' + replacement + '}';
    return this.pattern(pattern, start, () =>
      all ? replaceAll(value ?? '', pattern, replacement) : replaceFirst(value ?? '', pattern, replacement));
  }

  /** The word inside `${...}`; a failure at the end of input means the brace is missing. */
  private operand(stop: string, rawEscapes: boolean, start: number, code: ShellErrorCode = 'SHELL_MISSING_BRACE'): { value: string } {
    try {
      return this.until(stop, rawEscapes);
    } catch (err) {
      if (err instanceof ShellSyntaxError && this.pos >= this.src.length) {
        this.fail(code, code === 'SHELL_MISSING_SLASH' ? "syntax error: missing '/' in ${}" : "syntax error: missing '}'", start);
      }
      throw err;
    }
  }

  private pattern(pattern: string, start: number, apply: () => string): string {
    try {
      return apply();
    } catch (err) {
      if (err instanceof PatternError) this.fail('SHELL_INVALID_PATTERN', `invalid pattern (${pattern}) in substitution: ${err.message}`, start);
      throw err;
    }
  }

  /** A variable name, a run of digits (positional), or one special parameter. */
  private name(): string {
    let name = '';
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (name === '' && DIGIT.test(ch)) {
        while (ch !== undefined && DIGIT.test(ch)) {
          name += this.next();
          ch = this.peek();
        }
        return name;
      }
      if (name === '' && SPECIAL_PARAMS.has(ch)) return this.next()!;
      if (!LETTER.test(ch) && !DIGIT.test(ch) && ch !== '_') break;
      name += this.next();
    }
    return name;
  }
}
