import { chmodSync, copyFileSync, lchownSync, utimesSync, type Stats } from 'node:fs';
import { chmod, lchown, lstat, mkdir, rm, utimes } from 'node:fs/promises';
import path from 'node:path';
import { minimatch } from 'minimatch';
import { resolveInRoot } from '../context/rootpath.js';
import { SlipwayError } from '../errors.js';
import type { Owner } from './passwd.js';

/**
 * What COPY/ADD do to single paths inside a target root (copyexec.ts walks the sources):
 * `--exclude` matching, parent directories made as BuildKit makes them, a file copied with
 * its owner and mode, a heredoc or download written.
 */

/** Docker pattern semantics: last match wins, `!` re-includes; `**` spans directories. */
export function excludeMatcher(patterns: readonly string[]): (rel: string) => boolean {
  const rules = patterns.filter((p) => p.trim() !== '').map((p) => {
    const negate = p.startsWith('!');
    const body = path.posix.normalize((negate ? p.slice(1) : p).trim()).replace(/^\/+/, '');
    return { negate, body };
  });
  if (rules.length === 0) return () => false;
  return (rel) => {
    let excluded = false;
    for (const r of rules) {
      // A pattern naming a directory excludes everything below it too.
      if (minimatch(rel, r.body, { dot: true }) || minimatch(rel, `${r.body}/**`, { dot: true })) excluded = !r.negate;
    }
    return excluded;
  };
}

async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return await lstat(p);
  } catch {
    return null;
  }
}

/** mkdir -p inside the root, each created directory 0755 owned by `owner` (BuildKit's CreateDestPath). */
export async function mkdirInRoot(root: string, dir: string, owner: Owner | undefined, time: number | undefined): Promise<string> {
  return (await ensureDir(root, dir, owner, time)).host;
}

/** mkdirInRoot, also saying whether the last directory was created (it is then empty). */
export async function ensureDir(root: string, dir: string, owner: Owner | undefined, time: number | undefined): Promise<{ host: string; created: boolean }> {
  const rel = path.posix.relative('/', dir);
  let cur = '/';
  let created = false;
  for (const part of rel.split('/').filter((p) => p !== '')) {
    cur = path.posix.join(cur, part);
    const host = await resolveInRoot(root, cur);
    const st = await lstatOrNull(host);
    created = false;
    if (st?.isDirectory()) continue;
    if (st) throw new SlipwayError('BUILD_COPY_NOT_DIR', `cannot copy to ${dir}: ${cur} is not a directory`);
    await mkdir(host, { mode: 0o755 });
    await chmod(host, 0o755);
    if (owner) await lchown(host, owner.uid, owner.gid);
    if (time !== undefined) await utimes(host, time, time);
    created = true;
  }
  return { host: await resolveInRoot(root, dir), created };
}

/** Files this process creates are already owned by it: no chown when that is the owner wanted. */
export const SELF_UID = process.geteuid?.() ?? -1;
export const SELF_GID = process.getegid?.() ?? -1;

/** Copies the regular file `src` (lstat `st`) to a new `dst` with `mode`, `owner` and the source's times. */
export function copyFileAs(src: string, dst: string, st: Stats, mode: number, owner: Owner, forceChmod = false): void {
  // copyFile creates the file with the source's mode bits (and copies in the kernel).
  copyFileSync(src, dst);
  const chown = owner.uid !== SELF_UID || owner.gid !== SELF_GID;
  if (chown) lchownSync(dst, owner.uid, owner.gid);
  if (chown || forceChmod || mode !== (st.mode & 0o7777)) chmodSync(dst, mode);
  utimesSync(dst, st.atime, st.mtime);
}

/** Writes a heredoc or downloaded file into the target root. */
export async function writeInline(targetRoot: string, to: string, data: string | Uint8Array, mode: number, owner: Owner | undefined, time: number | undefined): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  await mkdirInRoot(targetRoot, path.posix.dirname(to), owner, time);
  const dst = await resolveInRoot(targetRoot, to, false);
  const existing = await lstatOrNull(dst);
  if (existing) await rm(dst, { recursive: true, force: true });
  await writeFile(dst, data);
  await chmod(dst, mode);
  await lchown(dst, owner?.uid ?? 0, owner?.gid ?? 0);
  if (time !== undefined) await utimes(dst, time, time);
}
