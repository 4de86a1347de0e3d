import type { Diagnostic, Level } from '../types.js';

/** One linted file, as the formatters receive it. */
export interface FileReport {
  /** As given on the command line (`-` for stdin). */
  readonly file: string;
  readonly text: string;
  readonly diagnostics: readonly Diagnostic[];
}

export interface FormatOptions {
  /** ANSI colours (tty format only). */
  readonly color?: boolean;
}

export const FORMATS = ['tty', 'json', 'sarif', 'github', 'checkstyle'] as const;
export type Format = (typeof FORMATS)[number];

/** Checkstyle and GitHub know no `style`; SARIF knows `note` for both info and style. */
export function plainLevel(level: Level): 'error' | 'warning' | 'info' {
  return level === 'style' ? 'info' : level;
}
