/**
 * `.dockerignore` with Docker's rules (moby/patternmatcher + BuildKit's fsutil):
 * - lines starting with `#` are comments; blank lines are skipped; surrounding
 *   whitespace is trimmed; `!` starts an exception;
 * - each pattern is cleaned like Go's filepath.Clean and a leading `/` dropped;
 * - `*` and `?` never match `/`, `**` matches any number of directories, dotfiles
 *   are matched like any other name (minimatch with `dot`, no braces, no extglobs);
 * - a path is excluded when the last pattern matching it or one of its parent
 *   directories is not an exception;
 * - the walk skips an excluded directory unless an exception could re-include
 *   something below it (fsutil's prefix rule), and a re-included file brings its
 *   parent directories along.
 */
import { Minimatch } from 'minimatch';
import path from 'node:path';
import { SlipwayError } from '../errors.js';

interface Pattern {
  text: string;
  exception: boolean;
  matcher: Minimatch;
}

const MM_OPTIONS = { dot: true, nobrace: true, noext: true, nonegate: true, nocomment: true };

/** Go's filepath.Clean for `/`-separated paths ('' becomes '.'). */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const cleaned = path.posix.normalize(p);
  return cleaned.length > 1 && cleaned.endsWith('/') ? cleaned.slice(0, -1) : cleaned;
}

/** Go's filepath.Match rejects an unterminated `[` class (and so does Docker). */
function badClass(p: string): boolean {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') i++;
    else if (p[i] === '[') {
      const end = p.indexOf(']', i + 2);
      if (end < 0) return true;
      i = end;
    }
  }
  return false;
}

/**
 * Parses `.dockerignore` text into patterns, exceptions prefixed with `!`. Patterns
 * Docker refuses (a lone `!`, an unterminated `[`) are CONTEXT_DOCKERIGNORE_INVALID
 * errors naming `file:line`.
 */
export function parseDockerignore(text: string, file = '.dockerignore'): string[] {
  const out: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    if (raw.startsWith('#')) continue;
    let p = raw.trim();
    if (p === '') continue;
    const exception = p.startsWith('!');
    if (exception) p = p.slice(1).trim();
    if ((exception && p === '') || badClass(p)) {
      throw new SlipwayError('CONTEXT_DOCKERIGNORE_INVALID', `${file}:${i + 1}: invalid pattern ${JSON.stringify(raw.trim())}`);
    }
    if (p !== '') {
      p = cleanPath(p);
      if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
    }
    out.push(exception ? `!${p}` : p);
  }
  return out;
}

/** Decides which context paths are excluded. Paths are context-relative, `/`-separated. */
export class IgnoreMatcher {
  readonly patterns: readonly string[];
  private readonly compiled: Pattern[];
  private readonly hasExceptions: boolean;

  constructor(patterns: string[]) {
    this.patterns = patterns;
    this.compiled = patterns
      .map((raw) => {
        const exception = raw.startsWith('!');
        const text = cleanPath(exception ? raw.slice(1) : raw);
        return { text, exception, matcher: new Minimatch(text, MM_OPTIONS) };
      })
      .filter((p) => p.text !== '');
    this.hasExceptions = this.compiled.some((p) => p.exception);
  }

  /** Is the context path `rel` left out of the build context? */
  isExcluded(rel: string): boolean {
    if (this.compiled.length === 0 || rel === '' || rel === '.') return false;
    const parts = rel.split('/');
    let excluded = false;
    for (const p of this.compiled) {
      // Only a pattern that could flip the current answer needs evaluating.
      if (p.exception !== excluded) continue;
      let match = p.matcher.match(rel);
      for (let i = 1; !match && i < parts.length; i++) match = p.matcher.match(parts.slice(0, i).join('/'));
      if (match) excluded = !p.exception;
    }
    return excluded;
  }

  // Must the walk enter the excluded directory `rel` to find re-included entries? As
  // BuildKit's fsutil walker (and buildah): only when an exception's text, as written,
  // starts with `rel/`, so `dir` with `!**/*.keep` leaves dir/x.keep out.
  mayIncludeBelow(rel: string): boolean {
    if (!this.hasExceptions) return false;
    const dirSlash = `${rel}/`;
    return this.compiled.some((p) => p.exception && `${p.text}/`.startsWith(dirSlash));
  }
}
