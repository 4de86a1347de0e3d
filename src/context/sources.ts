/**
 * Resolving COPY/ADD sources inside the context with Docker's semantics:
 * paths are relative to the context root (a leading `/` and any `..` cannot leave
 * it), wildcards follow Go's filepath.Match per path component (`*`, `?`, `[...]`,
 * `\` escapes; `*` matches dotfiles; `**` is just `*`; braces are literal), matches
 * come back sorted, symlinks are followed only within the context, and entries
 * excluded by `.dockerignore` do not exist. Matching uses fast-glob.
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { SlipwayError } from '../errors.js';
import type { IgnoreMatcher } from './dockerignore.js';
import { listSource } from './hash.js';
import { resolveInRoot } from './rootpath.js';
import type { SourceMatch } from './types.js';

const WILDCARD = /[*?[]/;

/** Splits off the components before the first one with a wildcard. */
function splitWildcard(parts: string[]): [string[], string[]] {
  const i = parts.findIndex((p) => WILDCARD.test(p.replace(/\\./g, '')));
  return i < 0 ? [parts, []] : [parts.slice(0, i), parts.slice(i)];
}

/**
 * Go's filepath.Match syntax rewritten for fast-glob (micromatch): runs of `*`
 * become one `*`, characters micromatch would treat as braces, extglobs or
 * negation are escaped, and `?` becomes `[^/]` (fast-glob drops matches with a
 * `?` in a directory component).
 */
function toFastGlob(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      out += c + pattern[++i]!;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '*') {
      while (pattern[i + 1] === '*') i++;
      out += '*';
    } else if ('(){}|!+@'.includes(c)) {
      out += `\\${c}`;
    } else {
      out += c;
    }
  }
  return out;
}

async function kindAt(abs: string): Promise<SourceMatch['kind'] | null> {
  try {
    const st = await lstat(abs);
    if (st.isFile()) return 'file';
    if (st.isDirectory()) return 'dir';
    if (st.isSymbolicLink()) return 'symlink';
    return 'other';
  } catch {
    return null;
  }
}

/** Does the context path survive `.dockerignore` (itself, or as a parent of something kept)? */
async function visible(root: string, m: SourceMatch, ignore: IgnoreMatcher): Promise<boolean> {
  // Both the name and, through a symlink, its target must have been sent.
  for (const ctx of new Set([m.path, path.relative(root, m.abs)])) {
    if (!ignore.isExcluded(ctx)) continue;
    if (m.kind !== 'dir' || !ignore.mayIncludeBelow(ctx)) return false;
    if ((await listSource(root, m, ignore)).length <= 1) return false;
  }
  return true;
}

async function matchOne(root: string, source: string, ignore: IgnoreMatcher, wildcards: boolean): Promise<SourceMatch[]> {
  const parts = source.split('/').filter((p) => p !== '' && p !== '.');
  const [fixed, rest] = wildcards ? splitWildcard(parts) : [parts, []];
  // `..` is clamped at the root, as Docker cleans `/` + source.
  const base = await resolveInRoot(root, fixed.join('/'));
  const found: SourceMatch[] = [];
  if (rest.length === 0) {
    const kind = await kindAt(base);
    if (kind !== null) found.push({ source, path: path.relative(root, base), abs: base, kind });
  } else if ((await kindAt(base)) === 'dir') {
    // fast-glob loads only for a wildcard source: most COPY sources are plain paths.
    const { default: fg } = await import('fast-glob');
    const names = await fg(toFastGlob(rest.join('/')), {
      cwd: base, dot: true, onlyFiles: false, followSymbolicLinks: false, braceExpansion: false,
      extglob: false, caseSensitiveMatch: true, unique: true,
    });
    names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const name of names) {
      const named = path.join(base, name);
      const abs = await resolveInRoot(root, path.relative(root, named));
      const kind = await kindAt(abs);
      if (kind !== null) found.push({ source, path: path.relative(root, named), abs, kind });
    }
  }
  const kept: SourceMatch[] = [];
  for (const m of found) if (await visible(root, m, ignore)) kept.push(m);
  return kept;
}

/**
 * Resolves each source; a source that matches nothing is an error
 * (CONTEXT_SOURCE_NOT_FOUND) naming it. `wildcards: false` treats `*?[` literally
 * (COPY --from of a literal path, ADD of a literal name).
 */
export async function resolveSources(
  root: string,
  sources: string[],
  ignore: IgnoreMatcher,
  options: { wildcards?: boolean } = {},
): Promise<SourceMatch[]> {
  const all: SourceMatch[] = [];
  for (const source of sources) {
    const matches = await matchOne(root, source, ignore, options.wildcards ?? true);
    if (matches.length === 0) {
      throw new SlipwayError('CONTEXT_SOURCE_NOT_FOUND', `${source}: not found in the build context`);
    }
    all.push(...matches);
  }
  return all;
}
