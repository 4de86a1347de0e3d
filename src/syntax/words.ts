import { isSpace } from './chars.js';

/** A word with the span [start, end) of source it was read from. */
export interface Word {
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

/**
 * BuildKit's parseWords (ARG, and ENV/LABEL pairs): words separated by unquoted white
 * space; quotes and escape tokens are kept in the word, an escaped character never
 * ends it, and single quotes cannot be escaped into.
 */
export function parseWords(s: string, from: number, to: number, escape: number): Word[] {
  const n = wordSpans(s, from, to, escape, WORD_SPANS_ALL, 0);
  const words: Word[] = [];
  for (let k = 0; k < n; k += 3) words.push({ value: s.slice(WORD_SPANS[k]!, WORD_SPANS[k + 1]!), start: WORD_SPANS[k]!, end: WORD_SPANS[k + 2]! });
  return words;
}

/**
 * parseWords' words as triples in WORD_SPANS: start, end of the value, end of the source
 * span (they differ only when an escape token ending the input is dropped). Returns the
 * number of entries used; valid until the next call. Writes from entry `first` (to
 * resume after words already read) and stops once `limit` entries are used.
 */
export const WORD_SPANS: number[] = [];
export const WORD_SPANS_ALL = 0x3fffffff;

export function wordSpans(s: string, from: number, to: number, escape: number, limit: number, first: number): number {
  // A word's value is its source text, except that an escape token ending the input is
  // dropped; so words are sliced rather than built character by character. One tight
  // loop per word: outside quotes (quote === 0) white space ends it.
  const out = WORD_SPANS;
  let n = first;
  let pos = from;
  for (;;) {
    while (pos < to && isSpace(s.charCodeAt(pos))) pos++;
    if (pos >= to) return n;
    const start = pos;
    let end = to;
    let quote = 0;
    let blankOK = false;
    let spaced = false;
    for (; pos < to; pos++) {
      const ch = s.charCodeAt(pos);
      if (quote === 0) {
        if (isSpace(ch)) {
          spaced = true;
          break;
        }
        if (ch === 0x27 || ch === 0x22) {
          quote = ch;
          blankOK = true;
        } else if (ch === escape) {
          if (pos + 1 === to) end = pos;
          else pos++;
        }
      } else if (ch === quote) {
        quote = 0;
      } else if (ch === escape && quote !== 0x27) {
        if (pos + 1 === to) {
          quote = 0;
          end = pos;
        } else {
          pos++;
        }
      }
    }
    if (spaced) {
      out[n++] = start;
      out[n++] = pos;
      out[n++] = pos;
      if (n >= limit) return n;
      continue;
    }
    if (blankOK || end > start) {
      out[n++] = start;
      out[n++] = end;
      out[n++] = to;
    }
    return n;
  }
}

/**
 * - `ok`: a JSON array of strings; `element` was called for each, in order.
 * - `notStrings`: valid JSON but some element is not a string (BuildKit's fatal error).
 * - `notJson`: not a JSON array at all (BuildKit falls back to the shell form).
 */
export type JsonArray = 'ok' | 'notStrings' | 'notJson';

/**
 * BuildKit's parseJSON over s[from, to) (already trimmed): the whole text must be one
 * JSON array (Go's json.Unmarshal); its elements must be strings. `element` gets each
 * decoded string with its source span (quotes included).
 */
export function parseJsonArray(s: string, from: number, to: number, element: (value: string, start: number, end: number) => void): JsonArray {
  if (s.charCodeAt(from) !== 0x5b) return 'notJson';
  if (plainStrings(s, from, to)) {
    for (let k = 0; k < spanCount; k += 2) element(s.slice(spans[k]! + 1, spans[k + 1]! - 1), spans[k]!, spans[k + 1]!);
    return 'ok';
  }
  const text = s.slice(from, to);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'notJson';
  }
  if (!Array.isArray(value)) return 'notJson';
  for (const v of value) {
    // Go's decoder rejects numbers that overflow float64 as a decode error, which sends
    // the line to the shell form instead of failing.
    if (typeof v !== 'string') return hasInfinity(value) ? 'notJson' : 'notStrings';
  }
  // Lone surrogates can only come from \u escapes; Go's decoder turns them into U+FFFD.
  const escapes = text.includes('\\u');
  let k = 0;
  for (let i = from + 1; k < value.length; i++) {
    if (s.charCodeAt(i) !== 0x22) continue;
    let j = i + 1;
    while (s.charCodeAt(j) !== 0x22) j += s.charCodeAt(j) === 0x5c ? 2 : 1;
    const v = value[k] as string;
    element(escapes && LONE_SURROGATE.test(v) ? v.replace(LONE_SURROGATE_G, '\ufffd') : v, i, j + 1);
    k++;
    i = j;
  }
  return 'ok';
}

/** Spans [start, end) of the strings plainStrings found (quotes included), as pairs. */
const spans: number[] = [];
let spanCount = 0;

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/**
 * The common case without JSON.parse: s[from, to) is an array of strings with no escapes
 * and no control characters, so each value is its source text between the quotes (and
 * no lone surrogate can come from an escape). Anything else answers false, and the caller
 * takes the general path, which decides everything this does not.
 */
function plainStrings(s: string, from: number, to: number): boolean {
  spanCount = 0;
  let i = from + 1;
  while (i < to && isJsonSpace(s.charCodeAt(i))) i++;
  if (i < to && s.charCodeAt(i) === 0x5d /* ] */) return i + 1 === to;
  for (;;) {
    if (i >= to || s.charCodeAt(i) !== 0x22) return false;
    let j = i + 1;
    for (;;) {
      if (j >= to) return false;
      const c = s.charCodeAt(j);
      if (c === 0x22) break;
      if (c === 0x5c || c < 0x20) return false;
      j++;
    }
    spans[spanCount++] = i;
    spans[spanCount++] = j + 1;
    i = j + 1;
    while (i < to && isJsonSpace(s.charCodeAt(i))) i++;
    if (i >= to) return false;
    const c = s.charCodeAt(i);
    if (c === 0x5d) return i + 1 === to;
    if (c !== 0x2c /* , */) return false;
    i++;
    while (i < to && isJsonSpace(s.charCodeAt(i))) i++;
  }
}

const LONE = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';
const LONE_SURROGATE = new RegExp(LONE);
const LONE_SURROGATE_G = new RegExp(LONE, 'g');

function hasInfinity(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (Array.isArray(v)) return v.some(hasInfinity);
  if (v !== null && typeof v === 'object') return Object.values(v).some(hasInfinity);
  return false;
}
