import { formatCheckstyle } from './checkstyle.js';
import { formatGithub } from './github.js';
import { formatJson } from './json.js';
import { formatSarif } from './sarif.js';
import { formatTty } from './tty.js';
import type { FileReport, Format, FormatOptions } from './types.js';

export { FORMATS } from './types.js';
export type { FileReport, Format, FormatOptions } from './types.js';
export { formatCheckstyle, formatGithub, formatJson, formatSarif, formatTty };

export const VERSION = '0.1.0';

/** Renders lint results in one of the output formats. */
export function formatReports(format: Format, reports: readonly FileReport[], options: FormatOptions = {}): string {
  switch (format) {
    case 'tty': return formatTty(reports, options);
    case 'json': return formatJson(reports);
    case 'sarif': return formatSarif(reports, VERSION);
    case 'github': return formatGithub(reports);
    case 'checkstyle': return formatCheckstyle(reports);
    default: {
      const never: never = format;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
}
