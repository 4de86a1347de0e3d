import { readFileSync } from 'node:fs';
import path from 'node:path';
import { IgnoreMatcher, parseDockerignore } from '../../context/index.js';
import type { Rule } from '../types.js';

/** `.dockerignore` of a context as Docker reads it; no file (or one Docker refuses) ignores nothing. */
function matcherFor(contextDir: string | undefined, lines: readonly string[] | undefined): IgnoreMatcher | undefined {
  try {
    if (lines) return new IgnoreMatcher(parseDockerignore(lines.join('\n')));
    const file = path.join(contextDir!, '.dockerignore');
    return new IgnoreMatcher(parseDockerignore(readFileSync(file, 'utf8'), file));
  } catch {
    // A missing file is the common case; an invalid one is the build's error to report.
    return undefined;
  }
}

export const CopyIgnoredFile: Rule = {
  name: 'CopyIgnoredFile',
  source: 'buildkit',
  level: 'warning',
  description: 'Attempting to Copy file that is excluded by .dockerignore',
  url: 'https://docs.docker.com/go/dockerfile/rule/copy-ignored-file/',
  instructions: ['copy', 'add'],
  check(ctx) {
    const { contextDir, dockerignore } = ctx.settings;
    if (contextDir === undefined && dockerignore === undefined) return;
    const matcher = matcherFor(contextDir, dockerignore);
    if (!matcher || matcher.patterns.length === 0) return;
    for (const ins of ctx.model.ast.instructions) {
      if ((ins.name !== 'copy' && ins.name !== 'add') || ins.flags.some((f) => f.name === 'from')) continue;
      if (ins.heredocs.length > 0) continue;
      for (const src of ins.args.slice(0, -1)) {
        const value = src.value;
        if (ins.name === 'add' && /^(?:https?|git):\/\/|^git@/.test(value)) continue;
        const file = path.posix.normalize(value.replace(/^\.\//, '')).replace(/^\/+/, '').replace(/\/+$/, '');
        if (file === '.' || file === '' || file.startsWith('..')) continue;
        if (matcher.isExcluded(file)) {
          ctx.report(src.range, `Attempting to ${ins.name === 'add' ? 'Add' : 'Copy'} file "${value}" that is excluded by .dockerignore`);
        }
      }
    }
  },
};
