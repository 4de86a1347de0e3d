/**
 * Character classes as BuildKit (Go) sees them. Kept in one place because the parser
 * mixes three notions of "white space" exactly where BuildKit does.
 */

/** Go's unicode.IsSpace for one UTF-16 code unit (no space is outside the BMP). */
export function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0x85) return false;
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** BuildKit's reWhitespace `[\t\v\f\r ]`: the separator of keywords and plain word lists. */
export function isBlank(c: number): boolean {
  return c <= 0x20 && (c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c || c === 0x0d);
}

/** First index in [from, to) that is not isSpace, or `to`. */
export function skipSpace(s: string, from: number, to: number): number {
  while (from < to && isSpace(s.charCodeAt(from))) from++;
  return from;
}

/** Last index + 1 in [from, to) that is not isSpace, or `from` (strings.TrimRightFunc). */
export function trimSpaceEnd(s: string, from: number, to: number): number {
  while (to > from && isSpace(s.charCodeAt(to - 1))) to--;
  return to;
}

/** Index of the first isBlank in [from, to), or `to`. */
export function findBlank(s: string, from: number, to: number): number {
  while (from < to && !isBlank(s.charCodeAt(from))) from++;
  return from;
}

/** First index in [from, to) that is not isBlank, or `to`. */
export function skipBlank(s: string, from: number, to: number): number {
  while (from < to && isBlank(s.charCodeAt(from))) from++;
  return from;
}

/** Splits [from, to) on runs of isBlank, as Go's reWhitespace.Split(s, -1) on a trimmed string. */
export function splitBlank(s: string, from: number, to: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = from;
  for (;;) {
    const e = findBlank(s, i, to);
    out.push([i, e]);
    if (e === to) return out;
    i = skipBlank(s, e, to);
  }
}

export function hasNonAscii(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (s.charCodeAt(i) > 0x7f) return true;
  return false;
}

/**
 * Go's strings.ToLower: simple per-character mapping. JS toLowerCase differs for U+0130
 * (Go gives `i`) and for a final capital sigma (JS gives `ς` by context).
 */
export function goLower(s: string): string {
  const lower = s.toLowerCase();
  if (!hasNonAscii(s, 0, s.length)) return lower;
  let out = '';
  for (const ch of s) out += ch === '\u0130' ? 'i' : ch.toLowerCase();
  return out;
}

/**
 * The keywords by length and first letter (`| 0x20` then `& 0x1f`: a-z and A-Z both map
 * to 1-26), so a lookup compares against one candidate (two for `add`/`arg`).
 */
const KEYWORD_TABLE: ReadonlyArray<readonly string[] | undefined> = (() => {
  const table: string[][] = [];
  for (const k of ['add', 'arg', 'cmd', 'copy', 'entrypoint', 'env', 'expose', 'from', 'healthcheck', 'label', 'maintainer', 'onbuild', 'run', 'shell', 'stopsignal', 'user', 'volume', 'workdir']) {
    (table[k.length * 32 + (k.charCodeAt(0) & 0x1f)] ??= []).push(k);
  }
  return table;
})();

/**
 * goLower(s.slice(from, to)) for the 18 keywords in any ASCII letter case, straight
 * from the characters (keywords repeat on every line; this spares a string and a
 * lookup each). Anything else, undefined.
 */
export function keywordAt(s: string, from: number, to: number): string | undefined {
  const len = to - from;
  if (len < 3 || len > 11) return undefined;
  const first = s.charCodeAt(from) | 0x20;
  // Only ASCII letters can start a keyword; other characters could alias a slot.
  if (first < 0x61 || first > 0x7a) return undefined;
  const candidates = KEYWORD_TABLE[len * 32 + (first & 0x1f)];
  if (candidates === undefined) return undefined;
  next: for (let c = 0; c < candidates.length; c++) {
    const k = candidates[c]!;
    // `| 0x20` folds A-Z onto a-z and maps no other character onto a lowercase letter.
    for (let i = 0; i < k.length; i++) if ((s.charCodeAt(from + i) | 0x20) !== k.charCodeAt(i)) continue next;
    return k;
  }
  return undefined;
}
