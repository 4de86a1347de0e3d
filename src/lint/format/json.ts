import type { FileReport } from './types.js';

/** hadolint's JSON: one flat array of `{code, file, line, column, level, message}`. */
export function formatJson(reports: readonly FileReport[]): string {
  const rows = reports.flatMap((r) => r.diagnostics.map((d) => ({
    code: d.code,
    column: d.range.start.column,
    file: r.file,
    level: d.level,
    line: d.range.start.line,
    message: d.message,
  })));
  return `${JSON.stringify(rows)}\n`;
}
