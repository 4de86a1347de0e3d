/**
 * Go's time.ParseDuration, which BuildKit uses for HEALTHCHECK intervals: a sequence of
 * decimal numbers with units (`1h30m`, `1.5s`, `300ms`), an optional sign, or a bare `0`.
 * Returns nanoseconds, or undefined when Go would reject the text.
 */
const UNITS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5 micro sign
  'μs': 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const MAX_NANOS = 2 ** 63 - 1;

export function parseGoDuration(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const [whole, int = '', frac] = m;
    if (int === '' && (frac === undefined || frac === '')) return undefined;
    s = s.slice(whole.length);
    const unitMatch = /^[^\d.]+/.exec(s);
    if (!unitMatch) return undefined; // missing unit
    const unit = UNITS[unitMatch[0]];
    if (unit === undefined) return undefined;
    s = s.slice(unitMatch[0].length);
    total += Number(int || '0') * unit + (frac ? Number('0.' + frac) * unit : 0);
    if (total > MAX_NANOS) return undefined;
  }
  return sign * Math.floor(total);
}

/** Formats nanoseconds the way Go prints a time.Duration (`1m30s`, `500ms`, `0s`). */
export function formatGoDuration(nanos: number): string {
  if (nanos === 0) return '0s';
  const neg = nanos < 0;
  let n = Math.abs(nanos);
  let out: string;
  if (n < 1e3) out = `${n}ns`;
  else if (n < 1e6) out = `${trim(n / 1e3)}µs`;
  else if (n < 1e9) out = `${trim(n / 1e6)}ms`;
  else {
    const h = Math.floor(n / 3600e9);
    n -= h * 3600e9;
    const m = Math.floor(n / 60e9);
    n -= m * 60e9;
    out = `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${trim(n / 1e9)}s`;
  }
  return neg ? '-' + out : out;
}

function trim(x: number): string {
  return String(Number(x.toFixed(9)));
}
