import type { Comment, Dockerfile, Range } from '../syntax/ast.js';

/**
 * Inline ignores: `# slipway ignore=RULE[,RULE]` (and hadolint's `# hadolint ignore=...`,
 * honoured for migration) in the comments right above an instruction silence those rules
 * on that instruction; `# slipway global ignore=...` silences them in the whole file.
 * Anything after the list (`# reason`) is a note for readers.
 */
export interface Pragma {
  readonly rules: readonly string[];
  readonly global: boolean;
  readonly comment: Comment;
}

const PRAGMA = /^(?:slipway|hadolint)\s+(global\s+)?ignore\s*=\s*([A-Za-z0-9_,\s]*?)\s*(?:#.*)?$/;

export function readPragma(comment: Comment): Pragma | undefined {
  const m = PRAGMA.exec(comment.text);
  if (!m) return undefined;
  const rules = m[2]!.split(/[,\s]+/).filter(Boolean);
  return { rules, global: m[1] !== undefined, comment };
}

export interface Suppressions {
  readonly pragmas: readonly Pragma[];
  /** True when a finding of `code` starting at `offset` is silenced. */
  suppressed(code: string, offset: number): boolean;
}

export function collectSuppressions(ast: Dockerfile): Suppressions {
  const pragmas: Pragma[] = [];
  const global = new Set<string>();
  const local: { range: Range; rules: Set<string> }[] = [];
  for (const comment of ast.comments) {
    const p = readPragma(comment);
    if (p?.global) {
      pragmas.push(p);
      for (const r of p.rules) global.add(r);
    }
  }
  for (const ins of ast.instructions) {
    const rules = new Set<string>();
    for (const comment of ins.comments) {
      const p = readPragma(comment);
      if (!p || p.global) continue;
      pragmas.push(p);
      for (const r of p.rules) rules.add(r);
    }
    if (rules.size > 0) local.push({ range: ins.range, rules });
  }
  return {
    pragmas,
    suppressed(code, offset) {
      if (global.has(code)) return true;
      return local.some((l) => l.rules.has(code) && offset >= l.range.start.offset && offset <= l.range.end.offset);
    },
  };
}
