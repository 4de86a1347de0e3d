/**
 * A small POSIX-shell tokenizer for RUN bodies: enough structure for lint rules to find
 * the simple commands a script runs (`apt-get install -y x`), their words with quotes
 * removed, and the operators between them (`&&`, `||`, `;`, `|`, `&`).
 *
 * Why not a library: `shell-quote` flattens a script into one token list and loses
 * where commands start inside `if`/`for`/`$(...)`; `bash-parser` is unmaintained and
 * throws on much real-world input. Linting needs a tokenizer that never throws and
 * degrades gracefully on syntax it does not model (arithmetic, arrays, functions).
 */

/** One shell word. `value` has quotes removed and escapes resolved; `$x` stays as written. */
export interface Word {
  readonly value: string;
  /** Some part of the word was quoted. */
  readonly quoted: boolean;
  /** Offsets in the script text (half-open). */
  readonly start: number;
  readonly end: number;
}

/** A simple command: `FOO=1 apt-get install -y curl > /dev/null` has name `apt-get`. */
export interface SimpleCommand {
  readonly name: string;
  /** The name without a directory (`/usr/bin/apt-get` -> `apt-get`). */
  readonly base: string;
  /** The words after the name; redirections and their targets are left out. */
  readonly args: readonly Word[];
  readonly nameWord: Word;
  /** `VAR=value` words before the name. */
  readonly assignments: readonly string[];
  /** Found inside `$(...)`, backticks or `<(...)`. */
  readonly nested: boolean;
}

export interface Script {
  readonly text: string;
  /** In source order (a substitution's commands come right after the command holding it). */
  readonly commands: readonly SimpleCommand[];
  /** Control operators in source order, e.g. `['&&', '|', ';']`. */
  readonly operators: readonly string[];
  /** The base names of all commands, for rules to skip scripts quickly. */
  readonly names: ReadonlySet<string>;
  /** The commands by base name, in source order. */
  readonly byName: ReadonlyMap<string, readonly SimpleCommand[]>;
}

const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', '!', '{', '}', 'esac', 'time', 'in']);
const OPERATORS = ['&&', '||', ';;', '|&', ';', '&', '|', '(', ')', '\n'];
// Most words hold no substitution; they share this empty list.
const NO_SUBS: string[] = [];
const SPECIAL = new Set(['<', '>', '&', '|', ';', '(', ')', '\n']);
// ASCII characters that end a plain run: blanks, operators, quotes, `$`, backslash, backtick.
const STOP = new Uint8Array(128);
for (const ch of ' \t\n\r\v\f;&|<>()\\\'"$`') STOP[ch.charCodeAt(0)] = 1;
const isPlain = (code: number): boolean => code >= 128 ? code !== 0xa0 : STOP[code] === 0;

/** Adds a substitution to a word's list, allocating the list on first use. */
function withSub(subs: string[], sub: string): string[] {
  const list = subs === NO_SUBS ? [] : subs;
  list.push(sub);
  return list;
}
const DQ_PLAIN = /[^"\\$`]+/y;
const REDIRECTS = ['<<<', '<<-', '<<', '>>', '>&', '<&', '&>>', '&>', '<>', '>|', '>', '<'];

type Token =
  | { readonly type: 'word'; readonly word: Word; readonly subs: readonly string[] }
  | { readonly type: 'op'; readonly op: string }
  | { readonly type: 'redirect'; readonly op: string };

/** Reads a script into tokens; unterminated quotes run to the end of the text. */
function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    if (c === '\\' && text[i + 1] === '\n') { i += 2; continue; }
    if (c === '#') { while (i < n && text[i] !== '\n') i++; continue; }
    if (SPECIAL.has(c)) {
      const token = operatorAt(text, i);
      if (token) { tokens.push(token); i += token.op.length; continue; }
    }
    const start = i;
    let value = '';
    let quoted = false;
    let subs: string[] = NO_SUBS;
    while (i < n) {
      // Fast path: a run of ordinary characters.
      let j = i;
      while (j < n && isPlain(text.charCodeAt(j))) j++;
      if (j > i) { value += text.slice(i, j); i = j; continue; }
      const ch = text[i]!;
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === ';' || ch === '&' || ch === '|' || ch === '<' || ch === '>' || ch === '(' || ch === ')') {
        // `<(cmd)` and `>(cmd)` process substitution: keep inside the word.
        if ((ch === '<' || ch === '>') && text[i + 1] === '(' && i === start) {
          const end = matchParen(text, i + 1);
          subs = withSub(subs, text.slice(i + 2, end - 1));
          value += text.slice(i, end);
          i = end;
          continue;
        }
        break;
      }
      if (ch === '\\') {
        if (text[i + 1] === '\n') { i += 2; continue; }
        value += text[i + 1] ?? '';
        quoted = true;
        i += 2;
        continue;
      }
      if (ch === "'") {
        const end = text.indexOf("'", i + 1);
        const stop = end < 0 ? n : end;
        value += text.slice(i + 1, stop);
        quoted = true;
        i = stop + 1;
        continue;
      }
      if (ch === '"') {
        quoted = true;
        i++;
        while (i < n && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < n && '$`"\\\n'.includes(text[i + 1]!)) {
            if (text[i + 1] !== '\n') value += text[i + 1];
            i += 2;
          } else if (text[i] === '$' && text[i + 1] === '(') {
            const end = matchParen(text, i + 1);
            if (text[i + 2] !== '(') subs = withSub(subs, text.slice(i + 2, end - 1));
            value += text.slice(i, end);
            i = end;
          } else if (text[i] === '`') {
            const end = matchBacktick(text, i);
            subs = withSub(subs, text.slice(i + 1, end - 1));
            value += text.slice(i, end);
            i = end;
          } else {
            DQ_PLAIN.lastIndex = i;
            const run = DQ_PLAIN.exec(text);
            const chunk = run ? run[0] : text[i]!;
            value += chunk;
            i += chunk.length;
          }
        }
        i++;
        continue;
      }
      if (ch === '$' && text[i + 1] === '(') {
        const end = matchParen(text, i + 1);
        if (text[i + 2] !== '(') subs = withSub(subs, text.slice(i + 2, end - 1));
        value += text.slice(i, end);
        i = end;
        continue;
      }
      if (ch === '$' && text[i + 1] === '{') {
        const close = text.indexOf('}', i + 2);
        const end = close < 0 ? n : close + 1;
        value += text.slice(i, end);
        i = end;
        continue;
      }
      if (ch === '`') {
        const end = matchBacktick(text, i);
        subs = withSub(subs, text.slice(i + 1, end - 1));
        value += text.slice(i, end);
        i = end;
        continue;
      }
      value += ch;
      i++;
    }
    // `2>/dev/null`: a bare number right before a redirection is a file descriptor.
    if (!quoted && (text[i] === '>' || text[i] === '<') && /^\d+$/.test(value)) continue;
    tokens.push({ type: 'word', word: { value, quoted, start, end: i }, subs });
  }
  return tokens;
}

const OP_TOKENS = new Map(OPERATORS.map((op) => [op, { type: 'op' as const, op }]));
const REDIRECT_TOKENS = new Map(REDIRECTS.map((op) => [op, { type: 'redirect' as const, op }]));

/** The operator or redirection starting at `i`, longest first; tokens are shared objects. */
function operatorAt(text: string, i: number): Extract<Token, { op: string }> | undefined {
  const d = text[i + 1];
  const e = text[i + 2];
  const op = (o: string): Extract<Token, { op: string }> => OP_TOKENS.get(o)!;
  const re = (o: string): Extract<Token, { op: string }> => REDIRECT_TOKENS.get(o)!;
  switch (text[i]) {
    case '&': return d === '&' ? op('&&') : d === '>' ? re(e === '>' ? '&>>' : '&>') : op('&');
    case '|': return d === '|' ? op('||') : d === '&' ? op('|&') : op('|');
    case ';': return op(d === ';' ? ';;' : ';');
    case '(': return op('(');
    case ')': return op(')');
    case '\n': return op('\n');
    case '<': return d === '<' ? re(e === '<' ? '<<<' : e === '-' ? '<<-' : '<<') : d === '&' ? re('<&') : d === '>' ? re('<>') : re('<');
    case '>': return d === '>' ? re('>>') : d === '&' ? re('>&') : d === '|' ? re('>|') : re('>');
    default: return undefined;
  }
}

/** Index just after the `)` matching the `(` at `open`, honouring quotes and nesting. */
function matchParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') { i++; continue; }
    if (c === "'") { const e = text.indexOf("'", i + 1); if (e < 0) return text.length; i = e; continue; }
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') { if (text[i] === '\\') i++; i++; }
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return text.length;
}

function matchBacktick(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') { i++; continue; }
    if (text[i] === '`') return i + 1;
  }
  return text.length;
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;

/** Tokenizes a script; never throws. */
export function parseScript(text: string, nested = false): Script {
  const tokens = lex(text);
  const commands: SimpleCommand[] = [];
  const operators: string[] = [];
  let words: Word[] = [];
  let assignments: string[] = [];
  let pendingSubs: string[] = [];
  // Words that are not commands: `for x in a b`, `case x in`, patterns before `)`.
  let skipUntilSeparator = false;
  let casePatterns = false;
  const flush = (): void => {
    if (words.length > 0) {
      const nameWord = words[0]!;
      const name = nameWord.value;
      commands.push({ name, base: name.slice(name.lastIndexOf('/') + 1), nameWord, args: words.slice(1), assignments, nested });
      words = [];
    }
    if (assignments.length > 0) assignments = [];
    if (pendingSubs.length > 0) {
      for (const sub of pendingSubs) commands.push(...parseScript(sub, true).commands);
      pendingSubs = [];
    }
    skipUntilSeparator = false;
  };
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t]!;
    if (token.type === 'op') {
      if (casePatterns && token.op === ')') { casePatterns = false; continue; }
      flush();
      if (token.op === ';;') casePatterns = true;
      if (token.op !== '\n' && token.op !== '(' && token.op !== ')') operators.push(token.op);
      continue;
    }
    if (token.type === 'redirect') {
      // The target word is not an argument; a heredoc's body is not modelled.
      const next = tokens[t + 1];
      if (next?.type === 'word') { if (next.subs.length > 0) pendingSubs.push(...next.subs); t++; }
      continue;
    }
    if (token.subs.length > 0) pendingSubs.push(...token.subs);
    const value = token.word.value;
    if (casePatterns) { if (value === 'esac') casePatterns = false; continue; }
    if (skipUntilSeparator) {
      if (value === 'in' && isCase(tokens, t)) { casePatterns = true; skipUntilSeparator = false; }
      continue;
    }
    if (words.length === 0 && !token.word.quoted) {
      if (KEYWORDS.has(value)) continue;
      if (value === 'for' || value === 'select' || value === 'case' || value === 'function') { skipUntilSeparator = true; continue; }
      if (ASSIGNMENT.test(value)) { assignments.push(value); continue; }
    }
    words.push(token.word);
  }
  flush();
  const byName = new Map<string, SimpleCommand[]>();
  for (const c of commands) {
    const list = byName.get(c.base);
    if (list) list.push(c);
    else byName.set(c.base, [c]);
  }
  return { text, commands, operators, names: new Set(byName.keys()), byName };
}

function isCase(tokens: Token[], inIndex: number): boolean {
  const kw = tokens[inIndex - 2];
  return kw?.type === 'word' && kw.word.value === 'case';
}
