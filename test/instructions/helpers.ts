import { parse } from '../../src/syntax/index.js';
import { toInstructions, type InstructionsResult } from '../../src/instructions/index.js';
import type { Range } from '../../src/syntax/index.js';

/** Parses and types a Dockerfile given as lines; fails the test on a parse error. */
export function typed(...lines: string[]): InstructionsResult {
  const parsed = parse(lines.join('\n') + '\n');
  if (parsed.errors.length > 0) throw new Error(`parse failed: ${parsed.errors[0]!.code} ${parsed.errors[0]!.message}`);
  return toInstructions(parsed.ast);
}

/** `line:col-line:col`, 1-based, end exclusive: compact for tables. */
export function where(r: Range): string {
  return `${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column}`;
}
