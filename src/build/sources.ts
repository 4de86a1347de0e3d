import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import fg from 'fast-glob';
import { resolveInRoot } from '../context/rootpath.js';
import { SlipwayError } from '../errors.js';
import { containsWildcards, type MatchKind, type SourceMatch } from './copyplan.js';
import { excludeMatcher } from './copyexec.js';

/**
 * Finding COPY/ADD sources inside a source root (the context or a stage's filesystem)
 * and hashing what they select for the cache key. Wildcards go through fast-glob;
 * a symlink never leads outside the root.
 */

export interface MatchOptions {
  /** Paths (relative to the root) hidden by .dockerignore; only for the context. */
  readonly ignored?: (rel: string) => boolean;
}

function kindOf(st: { isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean }): MatchKind {
  return st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
}

/** Matches one source as written; a missing non-wildcard source is BUILD_COPY_SOURCE_MISSING. */
export async function matchSource(root: string, written: string, options: MatchOptions = {}): Promise<SourceMatch[]> {
  const clean = path.posix.normalize(`/${written}`).slice(1);
  if (!containsWildcards(clean)) {
    const rel = clean === '' || clean === '.' ? '' : clean.replace(/\/+$/, '');
    if (rel !== '' && options.ignored?.(rel)) throw missing(written);
    const host = await resolveInRoot(root, rel);
    let st;
    try {
      st = await stat(host);
    } catch {
      throw missing(written);
    }
    return [{ path: rel, kind: kindOf(st) }];
  }
  const found = await fg(clean, { cwd: root, dot: true, onlyFiles: false, followSymbolicLinks: false, unique: true });
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

/** Stat-keyed memo of file content hashes, so an unchanged file is not read again. */
export type StatCache = Map<string, { key: string; hash: string }>;

async function fileHash(file: string, st: { size: number; mtimeMs: number; ino: number; ctimeMs: number }, cache: StatCache | undefined): Promise<string> {
  const key = `${st.size}:${st.mtimeMs}:${st.ino}:${st.ctimeMs}`;
  const hit = cache?.get(file);
  if (hit && hit.key === key) return hit.hash;
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  const hash = h.digest('hex');
  cache?.set(file, { key, hash });
  return hash;
}

/**
 * Content hash of what a set of matches selects: relative names, types, modes,
 * owners (when they are kept), link targets and file contents; never mtimes.
 */
export async function hashMatches(root: string, matches: readonly SourceMatch[], o: { exclude?: readonly string[]; ignored?: (rel: string) => boolean; owners: boolean; cache?: StatCache }): Promise<string> {
  const h = createHash('sha256');
  const excluded = excludeMatcher(o.exclude ?? []);
  const entry = async (abs: string, rel: string, follow: boolean): Promise<void> => {
    const st = follow ? await stat(abs) : await lstat(abs);
    h.update(`${rel}\0${kindOf(st)}\0${(st.mode & 0o7777).toString(8)}\0${o.owners ? `${st.uid}:${st.gid}` : ''}\0`);
    if (st.isSymbolicLink()) h.update(`${await readlink(abs)}\0`);
    else if (st.isFile()) h.update(`${await fileHash(abs, st, o.cache)}\0`);
    else if (st.isDirectory()) {
      for (const name of (await readdir(abs)).sort()) {
        const childRel = rel === '' ? name : `${rel}/${name}`;
        if (excluded(childRel) || o.ignored?.(childRel)) continue;
        await entry(path.join(abs, name), childRel, false);
      }
    }
  };
  for (const m of matches) {
    h.update(`match\0${m.path}\0`);
    await entry(await resolveInRoot(root, m.path), m.kind === 'dir' ? '' : path.posix.basename(m.path), true);
  }
  return h.digest('hex');
}
