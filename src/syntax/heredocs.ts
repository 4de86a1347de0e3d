import { isSpace } from './chars.js';
import { lexWords } from './shellwords.js';

/** A heredoc marker found on an instruction line, before its body is read. */
export interface HeredocMarker {
  readonly name: string;
  readonly quoted: boolean;
  readonly chomp: boolean;
  readonly fd: number;
  /** Index range of the marker word in the scanned line, when it could be located. */
  readonly start: number;
  readonly end: number;
}

/** A line the shell lexer would only split on white space: no quotes, escapes or `$`. */
const PLAIN_LINE = /^[^'"\\$]*$/;
/** A delimiter of word characters, bare or wholly in one kind of quotes. */
const PLAIN_WORD = /^(['"]?)([A-Za-z0-9_.\-]+)\1$/;

/** A marker word: optional fd digits, `<<`, optional `-`, then a delimiter without `<`. */
const MARKER = /^([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)$/;

export type MarkerResult =
  | { readonly ok: true; readonly markers: HeredocMarker[] }
  | { readonly ok: false; readonly message: string };

/**
 * BuildKit's heredocsFromLine: split the whole logical line into shell words (quotes
 * and escapes kept; a line the shell lexer rejects yields no heredocs at all) and take
 * every word that is a heredoc marker, in order.
 */
export function heredocsFromLine(line: string): MarkerResult {
  // Without quotes, escapes or variables the shell lexer only splits on white space.
  const words = PLAIN_LINE.test(line) ? plainWords(line) : lexWords(line, { rawQuotes: true, rawEscapes: true }) ?? [];
  const markers: HeredocMarker[] = [];
  let cursor = 0;
  for (const word of words) {
    const at = line.indexOf(word, cursor);
    if (at !== -1) cursor = at + word.length;
    const c = word.charCodeAt(0);
    if (c !== 0x3c && (c < 0x30 || c > 0x39)) continue;
    const match = MARKER.exec(word);
    if (match === null) continue;
    const parsed = markerFromMatch(match);
    if (parsed === 'error') return { ok: false, message: `invalid heredoc delimiter ${JSON.stringify(match[3])}` };
    if (parsed === null) continue;
    const start = at === -1 ? 0 : at;
    markers.push({ name: parsed.name, quoted: parsed.quoted, chomp: parsed.chomp, fd: parsed.fd, start, end: at === -1 ? 0 : start + word.length });
  }
  return { ok: true, markers };
}

/** The words of a line with nothing for the shell lexer to do but split on white space. */
function plainWords(line: string): string[] {
  const words: string[] = [];
  for (let i = 0; i < line.length;) {
    while (i < line.length && isSpace(line.charCodeAt(i))) i++;
    const start = i;
    while (i < line.length && !isSpace(line.charCodeAt(i))) i++;
    if (i > start) words.push(line.slice(start, i));
  }
  return words;
}

/** BuildKit's ParseHeredoc on one word (used by the instruction checker for COPY/ADD sources). */
export function parseHeredocWord(word: string): Omit<HeredocMarker, 'start' | 'end'> | null {
  const match = MARKER.exec(word);
  if (match === null) return null;
  const parsed = markerFromMatch(match);
  return parsed === 'error' ? null : parsed;
}

function markerFromMatch(match: RegExpExecArray): Omit<HeredocMarker, 'start' | 'end'> | null | 'error' {
  const rest = match[3]!;
  if (rest === '') return null;
  const chomp = match[2] === '-';
  const fd = match[1] === '' ? 0 : Number(match[1]);
  // The common delimiters, EOF, 'EOF' and "EOF", need no shell lexing.
  const plain = PLAIN_WORD.exec(rest);
  if (plain !== null) return { name: plain[2]!, quoted: plain[1] !== '', chomp, fd };
  const words = lexWords(rest, { rawQuotes: false, rawEscapes: false });
  if (words === null) return 'error';
  if (words.length !== 1) return null;
  const raw = lexWords(rest, { rawQuotes: true, rawEscapes: false });
  if (raw === null || raw.length !== 1) return 'error';
  // Some part of the delimiter was quoted when quotes disappear on processing.
  const quoted = countQuotes(words[0]!) !== countQuotes(raw[0]!);
  return { name: words[0]!, quoted, chomp, fd };
}

function countQuotes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x27 || c === 0x22) n++;
  }
  return n;
}

/** Strips leading tabs from every line, as BuildKit does for `<<-` bodies (lines end at `\n` only). */
export function chompHeredocContent(content: string): string {
  return content.replace(/(^|\n)\t+/g, '$1');
}
