import { stat } from 'node:fs/promises';
import path from 'node:path';
import { resolveInRoot } from '../context/rootpath.js';
import { SlipwayError } from '../errors.js';
import { containsWildcards, type MatchKind, type SourceMatch } from './copyplan.js';

/**
 * Finding COPY/ADD sources inside a source root (the context or another stage's
 * filesystem) when a step executes. Wildcards go through fast-glob; a symlink never
 * leads outside the root. (Cache keys hash context sources through src/context.)
 */

export interface MatchOptions {
  /** Paths (relative to the root) hidden by .dockerignore; only for the context. */
  readonly ignored?: (rel: string) => boolean;
}

function kindOf(st: { isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean }): MatchKind {
  return st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
}

/**
 * fast-glob 3.3 never matches `?` inside a directory segment (`s?c/*.js`); `[!/]` is the
 * same thing in a form it handles.
 */
export function fastGlobPattern(p: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === '\\') { out += ch + (p[i + 1] ?? ''); i++; continue; }
    if (ch === '[') inClass = true;
    else if (ch === ']') inClass = false;
    out += ch === '?' && !inClass ? '[!/]' : ch;
  }
  return out;
}

/** Matches one source as written; a missing non-wildcard source is BUILD_COPY_SOURCE_MISSING. */
export async function matchSource(root: string, written: string, options: MatchOptions = {}): Promise<SourceMatch[]> {
  const clean = path.posix.normalize(`/${written}`).slice(1);
  if (!containsWildcards(clean)) {
    const rel = clean === '' || clean === '.' ? '' : clean.replace(/\/+$/, '');
    if (rel !== '' && options.ignored?.(rel)) throw missing(written);
    const host = await resolveInRoot(root, rel);
    // Reached through a symlink, the source is what it points at: an excluded target is not
    // there (BuildKit's context never has it).
    const real = path.relative(root, host);
    if (real !== '' && real !== rel && options.ignored?.(real)) throw missing(written);
    let st;
    try {
      st = await stat(host);
    } catch {
      throw missing(written);
    }
    return [{ path: rel, kind: kindOf(st) }];
  }
  // fast-glob loads only for a wildcard source: most COPY sources are plain paths.
  const { default: fg } = await import('fast-glob');
  const found = await fg(fastGlobPattern(clean), { cwd: root, dot: true, onlyFiles: false, followSymbolicLinks: false, unique: true });
  const out: SourceMatch[] = [];
  for (const rel of found.sort()) {
    if (options.ignored?.(rel)) continue;
    const st = await stat(await resolveInRoot(root, rel)).catch(() => undefined);
    if (st) out.push({ path: rel, kind: kindOf(st) });
  }
  return out;
}

function missing(written: string): SlipwayError {
  return new SlipwayError('BUILD_COPY_SOURCE_MISSING', `"${written}": not found`);
}
