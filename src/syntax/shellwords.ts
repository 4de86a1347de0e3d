import { isSpace } from './chars.js';

/**
 * The slice of BuildKit's shell lexer (frontend/dockerfile/shell) that its parser uses
 * to find heredoc markers: split a line into words on unquoted white space, with no
 * variables set and unset ones kept as written (SkipUnsetEnv). Full word expansion
 * lives in src/shell; this copy of the rules stays here so the parser depends on nothing
 * above it. The escape character is always `\`, whatever the escape directive says.
 */
export interface LexOptions {
  /** Keep quote characters in the result. */
  readonly rawQuotes: boolean;
  /** Keep escape characters in the result. */
  readonly rawEscapes: boolean;
}

class LexError extends Error {}

const EOF = -1;
const ESC = 0x5c;

/** The words of s[from, to), or null where BuildKit's lexer reports an error. */
export function lexWords(s: string, options: LexOptions, from = 0, to = s.length): string[] | null {
  const lexer = new Lexer(s, from, to, options);
  try {
    return lexer.stopOn(EOF, options.rawEscapes).words;
  } catch (err) {
    if (err instanceof LexError) return null;
    throw err;
  }
}

class Words {
  word = '';
  inWord = false;
  readonly words: string[] = [];

  addChar(ch: string): void {
    if (isSpace(ch.charCodeAt(0))) {
      if (this.inWord && this.word.length !== 0) {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
    } else {
      this.addRaw(ch);
    }
  }

  addRaw(str: string): void {
    this.word += str;
    this.inWord = true;
  }

  finish(): string[] {
    if (this.word.length > 0) this.words.push(this.word);
    this.word = '';
    return this.words;
  }
}

class Lexer {
  private pos: number;

  constructor(private readonly s: string, from: number, private readonly end: number, private readonly options: LexOptions) {
    this.pos = from;
  }

  private peek(): number {
    return this.pos < this.end ? this.s.charCodeAt(this.pos) : EOF;
  }

  private next(): number {
    return this.pos < this.end ? this.s.charCodeAt(this.pos++) : EOF;
  }

  stopOn(stop: number, rawEscapes: boolean): { text: string; words: string[] } {
    let text = '';
    const words = new Words();
    while (this.peek() !== EOF) {
      let ch = this.peek();
      if (stop !== EOF && ch === stop) {
        this.next();
        return { text, words: words.finish() };
      }
      if (ch === 0x24 /* $ */) {
        const v = this.dollar();
        text += v;
        for (const c of v) words.addChar(c);
      } else if (ch === 0x27 || ch === 0x22) {
        const v = ch === 0x27 ? this.singleQuote() : this.doubleQuote(rawEscapes);
        text += v;
        words.addRaw(v);
      } else {
        ch = this.next();
        if (ch === ESC) {
          if (rawEscapes) {
            words.addRaw('\\');
            text += '\\';
          }
          ch = this.next();
          if (ch === EOF) break;
          const c = String.fromCharCode(ch);
          words.addRaw(c);
          text += c;
        } else if (isSpace(ch)) {
          words.addChar(String.fromCharCode(ch));
          text += String.fromCharCode(ch);
        } else {
          // A run of ordinary characters goes in as one slice.
          const from = this.pos - 1;
          const s = this.s;
          for (let c = this.peek(); c !== EOF && c !== stop && c !== 0x24 && c !== 0x27 && c !== 0x22 && c !== ESC && !isSpace(c); c = this.peek()) this.pos++;
          const run = s.slice(from, this.pos);
          words.addRaw(run);
          text += run;
        }
      }
    }
    if (stop !== EOF) throw new LexError(`unexpected end of statement while looking for matching ${String.fromCharCode(stop)}`);
    return { text, words: words.finish() };
  }

  private singleQuote(): string {
    const raw = this.options.rawQuotes;
    let out = raw ? "'" : '';
    this.next();
    for (;;) {
      const ch = this.next();
      if (ch === EOF) throw new LexError('unexpected end of statement while looking for matching single-quote');
      if (ch === 0x27) return raw ? `${out}'` : out;
      out += String.fromCharCode(ch);
    }
  }

  private doubleQuote(rawEscapes: boolean): string {
    const raw = this.options.rawQuotes;
    let out = raw ? '"' : '';
    this.next();
    for (;;) {
      const p = this.peek();
      if (p === EOF) throw new LexError('unexpected end of statement while looking for matching double-quote');
      if (p === 0x22) {
        this.next();
        return raw ? `${out}"` : out;
      }
      if (p === 0x24) {
        out += this.dollar();
        continue;
      }
      let ch = this.next();
      if (ch === ESC) {
        if (rawEscapes) out += '\\';
        const q = this.peek();
        if (q === EOF) continue;
        if (q === 0x22 || q === 0x24 || q === ESC) ch = this.next();
      }
      out += String.fromCharCode(ch);
    }
  }

  private dollar(): string {
    this.next();
    if (this.peek() !== 0x7b /* { */) {
      const name = this.name();
      return `$${name}`;
    }
    this.next();
    const p = this.peek();
    if (p === EOF) throw new LexError("syntax error: missing '}'");
    if (p === 0x7b || p === 0x7d || p === 0x3a) throw new LexError('syntax error: bad substitution');
    const name = this.name();
    let ch = this.next();
    let chs = ch === EOF ? '' : String.fromCharCode(ch);
    if (ch === 0x7d /* } */) return `\${${name}}`;
    if (ch === 0x2f /* / */) {
      if (this.peek() === 0x2f) this.next();
      const pattern = this.nested(0x2f, "syntax error: missing '/' in ${}");
      const replacement = this.nested(0x7d, "syntax error: missing '}'");
      return `\${${name}/${pattern}/${replacement}}`;
    }
    let colon = false;
    if (ch === 0x3a /* : */) {
      colon = true;
      ch = this.next();
      chs += ch === EOF ? '' : String.fromCharCode(ch);
    } else if (ch !== 0x2b && ch !== 0x2d && ch !== 0x3f && ch !== 0x23 && ch !== 0x25) {
      throw new LexError(`unsupported modifier (${chs}) in substitution`);
    }
    const rawEscapes = ch === 0x23 || ch === 0x25;
    if (colon && rawEscapes) throw new LexError(`unsupported modifier (${chs}) in substitution`);
    const word = this.nested(0x7d, "syntax error: missing '}'", rawEscapes);
    return `\${${name}${chs}${word}}`;
  }

  private nested(stop: number, eofMessage: string, rawEscapes = true): string {
    try {
      return this.stopOn(stop, rawEscapes).text;
    } catch (err) {
      if (this.peek() === EOF) throw new LexError(eofMessage);
      throw err;
    }
  }

  private name(): string {
    let name = '';
    for (let ch = this.peek(); ch !== EOF; ch = this.peek()) {
      const c = String.fromCharCode(ch);
      if (name.length === 0 && isDigit(c)) {
        while (this.peek() !== EOF && isDigit(String.fromCharCode(this.peek()))) name += String.fromCharCode(this.next());
        return name;
      }
      if (name.length === 0 && '@*#?-$!0'.includes(c)) {
        this.next();
        return c;
      }
      if (!isLetter(c) && !isDigit(c) && c !== '_') break;
      name += String.fromCharCode(this.next());
    }
    return name;
  }
}

const DIGIT = /\p{Nd}/u;
const LETTER = /\p{L}/u;

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9' ? true : c > '\x7f' && DIGIT.test(c);
}

function isLetter(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c > '\x7f' && LETTER.test(c));
}
