import { plainLevel, type FileReport } from './types.js';

// GitHub's workflow-command escaping: data escapes %, CR, LF; properties also `:` and `,`.
const data = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const prop = (s: string): string => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

const COMMAND = { error: 'error', warning: 'warning', info: 'notice' } as const;

/** GitHub Actions annotations: `::warning file=F,line=L,col=C,...::message`. */
export function formatGithub(reports: readonly FileReport[]): string {
  const lines = reports.flatMap((r) => r.diagnostics.map((d) => {
    const { start, end } = d.range;
    const props = [`file=${prop(r.file)}`, `line=${start.line}`, `col=${start.column}`, `endLine=${end.line}`, `endColumn=${end.column}`, `title=${prop(d.code)}`];
    return `::${COMMAND[plainLevel(d.level)]} ${props.join(',')}::${data(`${d.code}: ${d.message}`)}`;
  }));
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
