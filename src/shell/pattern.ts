/**
 * The glob-like patterns of `${x#p}`, `${x%p}` and `${x/p/r}`: `*` is any run of
 * characters, `?` one character, `\` escapes `*`, `?` and `\` (and drops before `}` and
 * `/`). No bracket expressions, as in BuildKit. Matching follows Go's RE2 semantics, so
 * a wildcard never crosses a newline and replace-all never replaces an empty match that
 * touches the previous one.
 */

/** Thrown inside the shell package only; the expander turns it into a ShellProblem. */
export class PatternError extends Error {}

const REGEX_SPECIAL = new Set(['[', ']', '{', '}', '.', '+', '(', ')', '|', '^', '$']);
// Go's `.` excludes only `\n`; JavaScript's also excludes `\r`, U+2028 and U+2029.
const ANY = '[^\\n]';

export function patternToRegex(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  const chars = Array.from(pattern);
  let out = anchored ? '^' : '';
  for (let i = 0; i < chars.length; i++) {
    let ch = chars[i]!;
    if (ch === '*') {
      out += greedy ? `${ANY}*` : `${ANY}*?`;
      continue;
    }
    if (ch === '?') {
      out += ANY;
      continue;
    }
    if (ch === '\\') {
      const next = chars[i + 1];
      // `\}` and `\/` only kept the brace or slash from closing the ${}.
      if (next === '}' || next === '/') continue;
      if (next !== '*' && next !== '?' && next !== '\\') {
        throw new PatternError(`invalid escape '\\${next ?? ''}'`);
      }
      out += '\\' + next;
      i++;
      continue;
    }
    if (REGEX_SPECIAL.has(ch)) ch = '\\' + ch;
    out += ch;
  }
  return new RegExp(out, 'gu');
}

/** Removes the shortest (or longest) prefix of `value` that matches `pattern`. */
export function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = patternToRegex(pattern, greedy, true).exec(value);
  return m ? value.slice(m.index + m[0].length) : value;
}

/**
 * Removes the shortest (or longest) matching suffix: regular expressions find leftmost
 * matches only, so both the pattern and the value are reversed and the prefix trimmed.
 */
export function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  return reverse(trimPrefix(reversePattern(pattern), reverse(value), greedy));
}

function reverse(s: string): string {
  return Array.from(s).reverse().join('');
}

/** Reverses a pattern but keeps each escape before the character it escapes. */
export function reversePattern(pattern: string): string {
  const chars = Array.from(pattern);
  const out: string[] = new Array<string>(chars.length);
  const last = chars.length - 1;
  for (let i = 0; i <= last; ) {
    const at = last - i;
    if (chars[i] === '\\' && i !== last) {
      out[at - 1] = '\\';
      out[at] = chars[i + 1]!;
      i += 2;
    } else {
      out[at] = chars[i]!;
      i++;
    }
  }
  return out.join('');
}

/** `${x/p/r}`: replaces the first match, inserting `replacement` literally. */
export function replaceFirst(value: string, pattern: string, replacement: string): string {
  const m = patternToRegex(pattern, true, false).exec(value);
  if (!m) return value;
  return value.slice(0, m.index) + replacement + value.slice(m.index + m[0].length);
}

/**
 * `${x//p/r}`: replaces every match. BuildKit hands the replacement to Go's
 * ReplaceAllString, which treats `$0` as the match, `$$` as `$`, and any other `$name`
 * as an (empty) group; that is reproduced so results agree.
 */
export function replaceAll(value: string, pattern: string, replacement: string): string {
  const re = patternToRegex(pattern, true, false);
  let out = '';
  let lastEnd = 0;
  let searchPos = 0;
  while (searchPos <= value.length) {
    re.lastIndex = searchPos;
    const m = re.exec(value);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    out += value.slice(lastEnd, start);
    if (end > lastEnd || start === 0) out += expandTemplate(replacement, m[0]);
    lastEnd = end;
    const cp = value.codePointAt(searchPos);
    const width = cp !== undefined && cp > 0xffff ? 2 : 1;
    if (searchPos + width > end) searchPos += width;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  return out + value.slice(lastEnd);
}

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/** Go's regexp template expansion for a pattern without capture groups. */
function expandTemplate(template: string, match: string): string {
  let out = '';
  let rest = template;
  for (;;) {
    const dollar = rest.indexOf('$');
    if (dollar < 0) break;
    out += rest.slice(0, dollar);
    rest = rest.slice(dollar + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const ref = extractName(rest);
    if (!ref) {
      out += '$';
      continue;
    }
    rest = ref.rest;
    if (ref.name === '0') out += match;
  }
  return out + rest;
}

function extractName(s: string): { name: string; rest: string } | undefined {
  const brace = s.startsWith('{');
  const body = brace ? s.slice(1) : s;
  let i = 0;
  for (const ch of body) {
    if (!NAME_CHAR.test(ch)) break;
    i += ch.length;
  }
  if (i === 0) return undefined;
  const name = body.slice(0, i);
  if (brace) {
    if (body[i] !== '}') return undefined;
    i++;
  }
  return { name, rest: body.slice(i) };
}
