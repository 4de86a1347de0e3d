import type { Diagnostic } from './ast.js';
import { LineCounter } from './locations.js';

/** How many characters of a long source line the excerpt shows around the caret. */
const WINDOW = 120;

/**
 * Renders a diagnostic for people: `file:line:col: message` (warnings say so), then the
 * source line and a caret line under the range (`^^^`, at least one caret, clipped to
 * the first line of a multi-line range). No colours; never throws.
 */
export function formatDiagnostic(diag: Diagnostic, text: string, file = '<stdin>'): string {
  const { start, end } = diag.range;
  const head = `${file}:${start.line}:${start.column}: ${diag.severity === 'warning' ? 'warning: ' : ''}${diag.message}`;
  const counter = new LineCounter(text);
  if (start.line > counter.lineCount) return `${head}\n`;
  const lineStart = counter.lineStart(start.line);
  let lineEnd = text.indexOf('\n', lineStart);
  if (lineEnd === -1) lineEnd = text.length;
  while (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 0x0d) lineEnd--;
  const col = Math.max(0, Math.min(start.column - 1, lineEnd - lineStart));
  const endCol = end.line === start.line ? Math.max(col + 1, end.column - 1) : lineEnd - lineStart;
  // Clip very long lines to a window that keeps the caret visible.
  let from = 0;
  let to = lineEnd - lineStart;
  if (to > WINDOW) {
    from = Math.max(0, col - WINDOW / 2);
    to = Math.min(to, from + WINDOW);
  }
  const source = text.slice(lineStart + from, lineStart + to);
  const gutter = String(start.line);
  const pad = ' '.repeat(gutter.length);
  // Tabs stay tabs in the padding so the caret lines up in any tab width.
  const lead = source.slice(0, Math.max(0, col - from)).replace(/[^\t]/g, ' ');
  const carets = '^'.repeat(Math.max(1, Math.min(endCol, to) - col));
  return `${head}\n ${gutter} | ${from > 0 ? '…' : ''}${source}${to < lineEnd - lineStart ? '…' : ''}\n ${pad} | ${from > 0 ? ' ' : ''}${lead}${carets}\n`;
}
