import { plainLevel, type FileReport } from './types.js';

const attr = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
  // XML 1.0 has no way to write most control characters, even escaped.
  .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');

/** Checkstyle XML, as Jenkins' warnings plugin and reviewdog read it. */
export function formatCheckstyle(reports: readonly FileReport[]): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', '<checkstyle version="4.3">'];
  for (const r of reports) {
    out.push(`  <file name="${attr(r.file)}">`);
    for (const d of r.diagnostics) {
      out.push(`    <error line="${d.range.start.line}" column="${d.range.start.column}" severity="${plainLevel(d.level)}" message="${attr(d.message)}" source="${attr(d.code)}"/>`);
    }
    out.push('  </file>');
  }
  out.push('</checkstyle>');
  return `${out.join('\n')}\n`;
}
