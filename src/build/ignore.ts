import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { minimatch } from 'minimatch';

/**
 * `.dockerignore` with Docker's rules: one pattern per line, `#` comments, patterns
 * cleaned (leading `/` and `./` dropped, `..` resolved), `**` across directories,
 * `!` re-includes, the last matching line wins, and a matched directory hides
 * everything below it. `<Dockerfile>.dockerignore` beside the Dockerfile wins over
 * the context's `.dockerignore`.
 */

export function parseIgnore(text: string): { negate: boolean; pattern: string }[] {
  const out: { negate: boolean; pattern: string }[] = [];
  for (let line of text.split(/\r?\n/)) {
    if (line.startsWith('#')) continue;
    line = line.trim();
    if (line === '') continue;
    const negate = line.startsWith('!');
    let p = negate ? line.slice(1).trim() : line;
    p = path.posix.normalize(p).replace(/^(\.\/|\/)+/, '');
    if (p === '.' || p === '') continue;
    out.push({ negate, pattern: p });
  }
  return out;
}

export function ignoreMatcher(text: string): (rel: string) => boolean {
  const rules = parseIgnore(text);
  if (rules.length === 0) return () => false;
  const memo = new Map<string, boolean>();
  const test = (rel: string): boolean => {
    const hit = memo.get(rel);
    if (hit !== undefined) return hit;
    // A path is ignored when it or one of its parent directories is.
    const parent = path.posix.dirname(rel);
    let ignored = parent !== '.' && test(parent);
    for (const r of rules) {
      if (minimatch(rel, r.pattern, { dot: true })) ignored = !r.negate;
    }
    memo.set(rel, ignored);
    return ignored;
  };
  return test;
}

/** Loads the ignore file that applies to a build. */
export async function loadIgnore(contextDir: string, dockerfile: string | undefined): Promise<(rel: string) => boolean> {
  const candidates = [...(dockerfile ? [`${dockerfile}.dockerignore`] : []), path.join(contextDir, '.dockerignore')];
  for (const c of candidates) {
    const text = await readFile(c, 'utf8').catch(() => undefined);
    if (text !== undefined) return ignoreMatcher(text);
  }
  return () => false;
}
