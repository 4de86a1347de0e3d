import { LineIndex } from '../position.js';
import type { Level } from '../types.js';
import type { FileReport, FormatOptions } from './types.js';

const COLOR: Record<Level, string> = { error: '31', warning: '33', info: '36', style: '35' };

/**
 * Human output, grouped by file: `line:col  level  message  [rule]`, then the source line
 * with a caret underline. Colours only when asked (a TTY without NO_COLOR).
 */
export function formatTty(reports: readonly FileReport[], options: FormatOptions = {}): string {
  const paint = (code: string, s: string): string => (options.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const out: string[] = [];
  const counts: Record<Level, number> = { error: 0, warning: 0, info: 0, style: 0 };
  for (const r of reports) {
    if (r.diagnostics.length === 0) continue;
    const index = new LineIndex(r.text);
    out.push(paint('1;4', r.file));
    for (const d of r.diagnostics) {
      counts[d.level]++;
      const { start, end } = d.range;
      out.push(`  ${paint('2', `${start.line}:${start.column}`)}  ${paint(COLOR[d.level], d.level)}  ${d.message}  ${paint('2', d.code)}`);
      const line = index.lineText(start.line);
      if (start.line > index.lineCount) continue;
      const gutter = String(start.line);
      const width = end.line === start.line ? Math.max(1, end.column - start.column) : Math.max(1, line.length - start.column + 1);
      const lead = line.slice(0, start.column - 1).replace(/[^\t]/g, ' ');
      out.push(`  ${paint('2', `${gutter} |`)} ${line}`);
      out.push(`  ${' '.repeat(gutter.length)} ${paint('2', '|')} ${lead}${paint(COLOR[d.level], '^'.repeat(width))}`);
    }
    out.push('');
  }
  const total = counts.error + counts.warning + counts.info + counts.style;
  if (total === 0) return '';
  const parts = (Object.keys(counts) as Level[]).filter((l) => counts[l] > 0).map((l) => `${counts[l]} ${l}`);
  const fixable = reports.reduce((n, r) => n + r.diagnostics.filter((d) => d.fix).length, 0);
  out.push(`${total} problem${total === 1 ? '' : 's'} (${parts.join(', ')})${fixable > 0 ? `, ${fixable} fixable with --fix` : ''}`);
  return `${out.join('\n')}\n`;
}
