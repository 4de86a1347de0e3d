/**
 * The scanner behind parseScript (shell.ts): one pass by character code, a word's value
 * sliced from the source (pieces are joined only where quotes or escapes drop characters),
 * and tokens handed straight to the command collector instead of being stored as a list of
 * objects first. Every RUN of every linted file goes through here.
 */
import type { SimpleCommand, Word } from './shell.js';

const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', '!', '{', '}', 'esac', 'time', 'in']);
// Every keyword is at most 5 characters: longer first words skip the set lookup (and hashing the word).
const isKeyword = (value: string): boolean => value.length <= 5 && KEYWORDS.has(value);
// Commands without arguments or assignments share these empty lists.
const NO_WORDS: readonly Word[] = [];
const NO_STRINGS: readonly string[] = [];

// Character classes by code; everything else (non-ASCII included) is an ordinary word character.
const PLAIN = 0, BLANK = 1, OPERATOR = 2, BACKSLASH = 3, SQUOTE = 4, DQUOTE = 5, DOLLAR = 6, BACKTICK = 7;
const CLASS = new Uint8Array(128);
for (const ch of ' \t\r') CLASS[ch.charCodeAt(0)] = BLANK;
for (const ch of ';&|<>()\n') CLASS[ch.charCodeAt(0)] = OPERATOR;
CLASS[92] = BACKSLASH; CLASS[39] = SQUOTE; CLASS[34] = DQUOTE; CLASS[36] = DOLLAR; CLASS[96] = BACKTICK;

// What `next()` found.
const END = 0, WORD = 1, OP = 2, REDIRECT = 3;
type Kind = typeof END | typeof WORD | typeof OP | typeof REDIRECT;

/** `VAR=x`, `VAR+=x`, `arr[i]=x` before a command name. */
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;

/**
 * Reads one script: `next()` moves to the following token (its details in the fields) and
 * `run()` gathers the simple commands. Unterminated quotes run to the end of the text.
 */
export class Scanner {
  // Fields are set in the constructor body, not as class fields (whose initializer is an extra call per scanner).
  private pos: number;
  // The current token.
  private op: string;
  private value: string;
  private quoted: boolean;
  private start: number;
  private end: number;
  /** Substitutions inside the current word (`$(...)`, backticks), when it has any. */
  private subs: string[] | undefined;

  // The command being collected: its name, then `argCount` words in `args` (reused).
  private nameWord: Word | undefined;
  private readonly args: Word[];
  private argCount: number;
  private assignments: string[] | undefined;
  private pendingSubs: string[] | undefined;

  constructor(private readonly text: string, private readonly nested: boolean, private readonly commands: SimpleCommand[], private readonly operators: string[] | undefined) {
    this.pos = 0; this.op = ''; this.value = ''; this.quoted = false; this.start = 0; this.end = 0;
    this.subs = undefined; this.nameWord = undefined; this.args = []; this.argCount = 0;
    this.assignments = undefined; this.pendingSubs = undefined;
  }

  run(): void {
    // Words that are not commands: `for x in a b`, `case x in`, patterns before `)`.
    let skipUntilSeparator = false;
    let casePatterns = false;
    // The values of the two tokens before this one (undefined for operators), for `case x in`.
    let back1: string | undefined;
    let back2: string | undefined;
    let kind = this.next();
    while (kind !== END) {
      if (kind === OP) {
        const op = this.op;
        back2 = back1; back1 = undefined;
        kind = this.next();
        if (casePatterns && op === ')') { casePatterns = false; continue; }
        this.flush();
        skipUntilSeparator = false;
        if (op === ';;') casePatterns = true;
        if (this.operators && op !== '\n' && op !== '(' && op !== ')') this.operators.push(op);
        continue;
      }
      if (kind === REDIRECT) {
        // The target word is not an argument; a heredoc's body is not modelled.
        back2 = back1; back1 = undefined;
        kind = this.next();
        if (kind === WORD) {
          if (this.subs) this.addPending(this.subs);
          back2 = back1; back1 = this.value;
          kind = this.next();
        }
        continue;
      }
      const value = this.value;
      const caseBefore = back2 === 'case';
      back2 = back1; back1 = value;
      if (this.subs) this.addPending(this.subs);
      if (casePatterns) {
        if (value === 'esac') casePatterns = false;
      } else if (skipUntilSeparator) {
        if (value === 'in' && caseBefore) { casePatterns = true; skipUntilSeparator = false; }
      } else if (this.nameWord !== undefined) {
        this.args[this.argCount++] = { value, quoted: this.quoted, start: this.start, end: this.end };
      } else if (!this.quoted && isKeyword(value)) {
        // A reserved word where a command would start.
      } else if (!this.quoted && (value === 'for' || value === 'select' || value === 'case' || value === 'function')) {
        skipUntilSeparator = true;
      } else if (!this.quoted && value.includes('=') && ASSIGNMENT.test(value)) {
        (this.assignments ??= []).push(value);
      } else {
        this.nameWord = { value, quoted: this.quoted, start: this.start, end: this.end };
      }
      kind = this.next();
    }
    this.flush();
  }

  private addPending(subs: readonly string[]): void {
    const list = (this.pendingSubs ??= []);
    for (const s of subs) list.push(s);
  }

  /** Ends the command being collected; commands of its substitutions follow it. */
  private flush(): void {
    const nameWord = this.nameWord;
    if (nameWord !== undefined) {
      const name = nameWord.value;
      let slash = name.length - 1;
      while (slash >= 0 && name.charCodeAt(slash) !== 47) slash--;
      const args = this.argCount === 0 ? NO_WORDS : this.args.slice(0, this.argCount);
      this.argCount = 0;
      this.commands.push({ name, base: slash < 0 ? name : name.slice(slash + 1), nameWord, args, assignments: this.assignments ?? NO_STRINGS, nested: this.nested });
      this.nameWord = undefined;
    }
    this.assignments = undefined;
    const subs = this.pendingSubs;
    if (subs !== undefined) {
      this.pendingSubs = undefined;
      for (const sub of subs) new Scanner(sub, true, this.commands, undefined).run();
    }
  }

  private next(): Kind {
    const text = this.text;
    const n = text.length;
    let i = this.pos;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 13) { i++; continue; }
      if (c === 92 && text.charCodeAt(i + 1) === 10) { i += 2; continue; }
      if (c === 35) { const nl = text.indexOf('\n', i); i = nl < 0 ? n : nl; continue; }
      if (c < 128 && CLASS[c] === OPERATOR) return this.operator(i);
      if (this.word(i)) return WORD;
      // A file descriptor number before a redirection: the redirection comes next.
      i = this.pos;
    }
    this.pos = i;
    return END;
  }

  /** The operator or redirection at `i`, longest first. */
  private operator(i: number): Kind {
    const text = this.text;
    const d = text.charCodeAt(i + 1);
    const e = text.charCodeAt(i + 2);
    let op: string;
    let redirect = false;
    switch (text.charCodeAt(i)) {
      case 38: // &
        if (d === 62) { op = e === 62 ? '&>>' : '&>'; redirect = true; } else op = d === 38 ? '&&' : '&';
        break;
      case 124: op = d === 124 ? '||' : d === 38 ? '|&' : '|'; break; // |
      case 59: op = d === 59 ? ';;' : ';'; break; // ;
      case 40: op = '('; break;
      case 41: op = ')'; break;
      case 10: op = '\n'; break;
      case 60: // <
        redirect = true;
        op = d === 60 ? (e === 60 ? '<<<' : e === 45 ? '<<-' : '<<') : d === 38 ? '<&' : d === 62 ? '<>' : '<';
        break;
      default: // >
        redirect = true;
        op = d === 62 ? '>>' : d === 38 ? '>&' : d === 124 ? '>|' : '>';
    }
    this.op = op;
    this.pos = i + op.length;
    return redirect ? REDIRECT : OP;
  }

  /** Reads the word at `start`; false when it is a file descriptor number (`2>`), which is dropped. */
  private word(start: number): boolean {
    const text = this.text;
    const n = text.length;
    let i = start;
    // Source from `seg` to `i` is still to be appended to `value`.
    let seg = start;
    let value = '';
    let quoted = false;
    this.subs = undefined;
    while (i < n) {
      const c = text.charCodeAt(i);
      const k = c < 128 ? CLASS[c]! : PLAIN;
      if (k === PLAIN) { i++; continue; }
      if (k === BLANK || k === OPERATOR) break;
      if (k === BACKSLASH) {
        value += text.slice(seg, i);
        if (text.charCodeAt(i + 1) !== 10) { value += text.charAt(i + 1); quoted = true; }
        i += 2;
        seg = i;
      } else if (k === SQUOTE) {
        const close = text.indexOf("'", i + 1);
        const stop = close < 0 ? n : close;
        value += text.slice(seg, i) + text.slice(i + 1, stop);
        quoted = true;
        i = seg = stop + 1;
      } else if (k === DQUOTE) {
        value += text.slice(seg, i);
        quoted = true;
        seg = ++i;
        while (i < n) {
          const d = text.charCodeAt(i);
          if (d === 34) break;
          if (d === 92) {
            const e = text.charCodeAt(i + 1);
            // Inside double quotes a backslash escapes only $ ` " \ and the line break.
            if (e === 36 || e === 96 || e === 34 || e === 92 || e === 10) {
              value += text.slice(seg, i);
              if (e !== 10) value += text.charAt(i + 1);
              i += 2;
              seg = i;
            } else i++;
          } else if (d === 36 && text.charCodeAt(i + 1) === 40) i = this.dollarParen(i);
          else if (d === 96) i = this.backtick(i);
          else i++;
        }
        value += text.slice(seg, i);
        i = seg = i + 1;
      } else if (k === DOLLAR) {
        const d = text.charCodeAt(i + 1);
        if (d === 40) i = this.dollarParen(i);
        else if (d === 123) { const close = text.indexOf('}', i + 2); i = close < 0 ? n : close + 1; } else i++;
      } else i = this.backtick(i);
    }
    value = seg === start ? text.slice(start, i) : value + text.slice(seg, i);
    if (!quoted && i < n && isDigits(value)) {
      const c = text.charCodeAt(i);
      if (c === 60 || c === 62) { this.pos = i; return false; }
    }
    this.value = value;
    this.quoted = quoted;
    this.start = start;
    this.end = i;
    this.pos = i;
    return true;
  }

  /** `$(...)` at `i` (kept in the word as written; `$((...))` is arithmetic, not a command). */
  private dollarParen(i: number): number {
    const end = matchParen(this.text, i + 1);
    if (this.text.charCodeAt(i + 2) !== 40) (this.subs ??= []).push(this.text.slice(i + 2, end - 1));
    return end;
  }

  private backtick(i: number): number {
    const end = matchBacktick(this.text, i);
    (this.subs ??= []).push(this.text.slice(i + 1, end - 1));
    return end;
  }
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); if (c < 48 || c > 57) return false; }
  return true;
}

/** Index just after the `)` matching the `(` at `open`, honouring quotes and nesting. */
function matchParen(text: string, open: number): number {
  const n = text.length;
  let depth = 0;
  for (let i = open; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) { i++; continue; }
    if (c === 39) { const e = text.indexOf("'", i + 1); if (e < 0) return n; i = e; continue; }
    if (c === 34) {
      i++;
      while (i < n && text.charCodeAt(i) !== 34) { if (text.charCodeAt(i) === 92) i++; i++; }
      continue;
    }
    if (c === 40) depth++;
    else if (c === 41 && --depth === 0) return i + 1;
  }
  return n;
}

function matchBacktick(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) { i++; continue; }
    if (c === 96) return i + 1;
  }
  return text.length;
}
