import { isSpace } from './chars.js';

/** A builder flag word as found: `raw` with quotes and backslashes processed. */
export interface RawFlag {
  readonly raw: string;
  /** Indexes into the scanned string. */
  readonly start: number;
  readonly end: number;
}

export interface FlagScan {
  readonly flags: RawFlag[];
  /** Where the arguments start (before trimming). */
  readonly rest: number;
}

const enum Phase { Spaces, Word, Quote }

/**
 * BuildKit's extractBuilderFlags over s[from, to): leading words starting with `--`
 * are flags; a bare `--` word ends them. Quotes are removed and `\` escapes the next
 * character (always backslash, whatever the escape directive says).
 *
 * BuildKit scans bytes, not characters: a non-ASCII character in a flag comes out as
 * its UTF-8 bytes read as Latin-1 (`é` -> `Ã©`), and the bytes 0x85 and 0xA0 inside
 * multi-byte characters separate words. Both are reproduced by scanning the UTF-8 bytes
 * (as a Latin-1 string) whenever the flags contain non-ASCII text.
 */
export function extractFlags(s: string, from: number, to: number): FlagScan {
  let i = from;
  while (i < to && isSpace(s.charCodeAt(i))) i++;
  if (i + 1 >= to || s.charCodeAt(i) !== 0x2d || s.charCodeAt(i + 1) !== 0x2d) return { flags: [], rest: i };
  const ascii = scan(s, from, to, null);
  if (ascii !== null) return ascii;
  const bytes = Buffer.from(s.slice(from, to), 'utf8').toString('latin1');
  // byteToChar[b] = index in s of the character that byte b belongs to.
  const byteToChar = new Int32Array(bytes.length + 1);
  let b = 0;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    const width = c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff && k + 1 < to ? 4 : 3;
    for (let j = 0; j < width; j++) byteToChar[b++] = k;
    if (width === 4) k++;
  }
  byteToChar[bytes.length] = to;
  return scan(bytes, 0, bytes.length, byteToChar)!;
}

/**
 * The scan proper. With `map` null, `s` is the text itself and the scan gives up (null)
 * on meeting a non-ASCII character inside a flag; with `map`, `s` holds one byte per
 * character and `map` turns byte indexes back into text indexes.
 */
function at(map: Int32Array | null, i: number): number {
  return map === null ? i : map[i]!;
}

function scan(s: string, from: number, to: number, map: Int32Array | null): FlagScan | null {
  const flags: RawFlag[] = [];
  let phase = Phase.Spaces;
  // The word so far; null while it is still exactly s[start, pos) (no quotes or escapes).
  let word: string | null = null;
  let quote = 0;
  let blankOK = false;
  let start = from;
  for (let pos = from; pos <= to; pos++) {
    const ch = pos === to ? -1 : s.charCodeAt(pos);
    if (phase === Phase.Spaces) {
      if (pos === to) break;
      // A non-ASCII character never starts with a space byte or `-`: the flags end here.
      if (ch > 0x7f && map === null) return { flags, rest: pos };
      if (isByteSpace(ch)) continue;
      if (ch !== 0x2d || pos + 1 === to || s.charCodeAt(pos + 1) !== 0x2d) return { flags, rest: at(map, pos) };
      phase = Phase.Word;
      start = pos;
      word = null;
      blankOK = false;
    }
    if (ch > 0x7f && map === null) return null;
    if (pos === to) {
      const w = word ?? s.slice(start, to);
      if (w !== '--' && (blankOK || w.length > 0)) flags.push({ raw: w, start: at(map, start), end: at(map, to) });
      break;
    }
    if (phase === Phase.Word) {
      if (isByteSpace(ch)) {
        phase = Phase.Spaces;
        const w = word ?? s.slice(start, pos);
        if (w === '--') return { flags, rest: at(map, pos) };
        if (blankOK || w.length > 0) flags.push({ raw: w, start: at(map, start), end: at(map, pos) });
        continue;
      }
      if (ch === 0x27 || ch === 0x22) {
        word ??= s.slice(start, pos);
        quote = ch;
        blankOK = true;
        phase = Phase.Quote;
        continue;
      }
    } else if (ch === quote) {
      phase = Phase.Word;
      continue;
    }
    if (ch === 0x5c) {
      word ??= s.slice(start, pos);
      if (pos + 1 === to) {
        phase = Phase.Word;
        continue;
      }
      pos++;
    }
    if (word !== null) word += s[pos];
  }
  return { flags, rest: at(map, to) };
}

/** unicode.IsSpace of a byte read as a rune (the scan is byte-wise in BuildKit). */
function isByteSpace(c: number): boolean {
  return c <= 0x20 ? c === 0x20 || (c >= 0x09 && c <= 0x0d) : c === 0x85 || c === 0xa0;
}
