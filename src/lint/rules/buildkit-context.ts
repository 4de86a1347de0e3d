import { readFileSync } from 'node:fs';
import path from 'node:path';
import { minimatch } from 'minimatch';
import type { Rule } from '../types.js';

/** `.dockerignore` lines as Docker reads them: comments and blanks dropped, paths cleaned. */
export function readDockerignore(contextDir: string): string[] {
  let text: string;
  try {
    text = readFileSync(path.join(contextDir, '.dockerignore'), 'utf8');
  } catch {
    return [];
  }
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

interface Pattern { readonly glob: string; readonly negate: boolean }

function compile(lines: readonly string[]): Pattern[] {
  return lines.map((line) => {
    const negate = line.startsWith('!');
    const raw = (negate ? line.slice(1) : line).trim();
    const glob = path.posix.normalize(raw.replace(/\\/g, '/')).replace(/^\/+/, '').replace(/\/+$/, '');
    return { glob, negate };
  });
}

/** Docker's rule: the last matching pattern wins; a pattern matching a parent directory matches its files. */
function excluded(patterns: readonly Pattern[], file: string): boolean {
  const parents: string[] = [];
  const parts = file.split('/');
  for (let i = 1; i <= parts.length; i++) parents.push(parts.slice(0, i).join('/'));
  let result = false;
  for (const p of patterns) {
    if (parents.some((candidate) => minimatch(candidate, p.glob, { dot: true }))) result = !p.negate;
  }
  return result;
}

export const CopyIgnoredFile: Rule = {
  name: 'CopyIgnoredFile',
  source: 'buildkit',
  level: 'warning',
  description: 'Attempting to Copy file that is excluded by .dockerignore',
  url: 'https://docs.docker.com/go/dockerfile/rule/copy-ignored-file/',
  check(ctx) {
    const dir = ctx.settings.contextDir;
    if (dir === undefined && ctx.settings.dockerignore === undefined) return;
    const patterns = compile(ctx.settings.dockerignore ?? readDockerignore(dir!));
    if (patterns.length === 0) return;
    for (const ins of ctx.model.ast.instructions) {
      if ((ins.name !== 'copy' && ins.name !== 'add') || ins.flags.some((f) => f.name === 'from')) continue;
      if (ins.heredocs.length > 0) continue;
      for (const src of ins.args.slice(0, -1)) {
        const value = src.value;
        if (ins.name === 'add' && /^(?:https?|git):\/\/|^git@/.test(value)) continue;
        const file = path.posix.normalize(value.replace(/^\.\//, '')).replace(/^\/+/, '').replace(/\/+$/, '');
        if (file === '.' || file === '' || file.startsWith('..')) continue;
        if (excluded(patterns, file)) {
          ctx.report(src.range, `Attempting to ${ins.name === 'add' ? 'Add' : 'Copy'} file "${value}" that is excluded by .dockerignore`);
        }
      }
    }
  },
};
