/** Shared formatting of the image store commands (sizes and ages as docker prints them). */

/** Docker's human size: SI units, 3 significant digits ("4.26MB", "897B"). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : Number(v.toPrecision(3))}${units[i]}`;
}

/** "3 hours ago" style age of an ISO time, as docker's CREATED column. */
export function since(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'N/A';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  const steps: [number, string][] = [[365 * 86400, 'year'], [30 * 86400, 'month'], [7 * 86400, 'week'], [86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  for (const [n, unit] of steps) {
    const k = Math.floor(s / n);
    if (k >= 1) return `${k} ${unit}${k > 1 ? 's' : ''} ago`;
  }
  return 'Less than a second ago';
}

/** Left-aligned columns separated by 3 spaces, like docker's tables. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('   ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

export const shortId = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);
