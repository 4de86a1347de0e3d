import { chmod, copyFile, lchown, lstat, lutimes, mkdir, readdir, readlink, rm, stat, symlink, utimes } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { minimatch } from 'minimatch';
import { resolveInRoot } from '../context/rootpath.js';
import { SlipwayError } from '../errors.js';
import type { CopyItem } from './copyplan.js';
import type { Owner } from './passwd.js';

/**
 * Carries out a planned COPY/ADD: files from a source root (the context, or another
 * stage's filesystem) into the target root (the step's merged overlay view). Source
 * paths resolve inside the source root and destination paths inside the target root,
 * symlinks included, so nothing is read or written outside either.
 */

export interface CopyExecOptions {
  readonly sourceRoot: string;
  readonly targetRoot: string;
  readonly items: readonly CopyItem[];
  /** `--chown`; otherwise `preserveOwner` keeps the source's (COPY --from) or uses 0:0 (context). */
  readonly owner?: Owner;
  readonly preserveOwner: boolean;
  readonly chmod?: (mode: number, isDir: boolean) => number;
  /** `--exclude` patterns, matched against paths relative to each copied source. */
  readonly exclude?: readonly string[];
  /** ADD: extracts a local archive into a directory of the target. */
  readonly extract?: (archive: string, destDir: string, owner: Owner | undefined) => Promise<void>;
  /** .dockerignore verdict for a path relative to the source root (context only). */
  readonly ignored?: (rel: string) => boolean;
  /** Times for created parent directories (SOURCE_DATE_EPOCH), seconds. */
  readonly createdTime?: number;
}

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
async function mkdirInRoot(root: string, dir: string, owner: Owner | undefined, time: number | undefined): Promise<string> {
  const rel = path.posix.relative('/', dir);
  let cur = '/';
  for (const part of rel.split('/').filter((p) => p !== '')) {
    cur = path.posix.join(cur, part);
    const host = await resolveInRoot(root, cur);
    const st = await lstatOrNull(host);
    if (st?.isDirectory()) continue;
    if (st) throw new SlipwayError('BUILD_COPY_NOT_DIR', `cannot copy to ${dir}: ${cur} is not a directory`);
    await mkdir(host, { mode: 0o755 });
    await chmod(host, 0o755);
    if (owner) await lchown(host, owner.uid, owner.gid);
    if (time !== undefined) await utimes(host, time, time);
  }
  return resolveInRoot(root, dir);
}

/** At most `n` operations at once (copying wide directories without exhausting file handles). */
function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

export async function executeCopy(o: CopyExecOptions): Promise<void> {
  const gate = limiter(32);
  const excluded = excludeMatcher(o.exclude ?? []);
  const time = o.createdTime;

  const ownerOf = (st: Stats): Owner => o.owner ?? (o.preserveOwner ? { uid: st.uid, gid: st.gid } : { uid: 0, gid: 0 });
  const modeOf = (st: Stats): number => (o.chmod ? o.chmod(st.mode & 0o7777, st.isDirectory()) : st.mode & 0o7777);

  // Copies one entry (not following a final symlink unless `follow`), recursing into directories.
  const copyEntry = async (src: string, dst: string, rel: string, follow: boolean, rootRel: string): Promise<void> => {
    const st = await gate(() => (follow ? stat(src) : lstat(src)));
    if (!st.isDirectory()) return gate(() => copyLeaf(src, dst, st));
    const existing = await lstatOrNull(dst);
    if (existing && !existing.isDirectory()) await rm(dst, { recursive: true, force: true });
    if (!existing?.isDirectory()) await mkdir(dst);
    await copyChildren(src, dst, rel, rootRel);
    await chmod(dst, modeOf(st));
    const own = ownerOf(st);
    await lchown(dst, own.uid, own.gid);
    await utimes(dst, st.atime, st.mtime);
  };

  const copyLeaf = async (src: string, dst: string, st: Stats): Promise<void> => {
    const existing = await lstatOrNull(dst);
    if (existing) await rm(dst, { recursive: true, force: true });
    const own = ownerOf(st);
    if (st.isSymbolicLink()) {
      await symlink(await readlink(src), dst);
      await lchown(dst, own.uid, own.gid);
      await lutimes(dst, st.atime, st.mtime);
      return;
    }
    if (!st.isFile()) return; // sockets, fifos and devices are not copied from a context
    await copyFile(src, dst);
    await lchown(dst, own.uid, own.gid);
    await chmod(dst, modeOf(st));
    await utimes(dst, st.atime, st.mtime);
  };

  const copyChildren = async (srcDir: string, dstDir: string, relDir: string, rootRelDir: string): Promise<void> => {
    const names = (await readdir(srcDir)).sort();
    // Siblings never touch each other's paths, so they are copied concurrently (file work is gated).
    await Promise.all(names.map(async (name) => {
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      const rootRel = rootRelDir === '' ? name : `${rootRelDir}/${name}`;
      if (excluded(rel) || o.ignored?.(rootRel)) return;
      await copyEntry(path.join(srcDir, name), path.join(dstDir, name), rel, false, rootRel);
    }));
  };

  for (const item of o.items) {
    const src = await resolveInRoot(o.sourceRoot, item.from);
    switch (item.type) {
      case 'contents': {
        const dst = await mkdirInRoot(o.targetRoot, item.to, o.owner, time);
        await copyChildren(src, dst, '', item.from === '.' ? '' : item.from);
        break;
      }
      case 'file': {
        if (excluded(path.posix.basename(item.from))) break;
        await mkdirInRoot(o.targetRoot, path.posix.dirname(item.to), o.owner, time);
        const dst = await resolveInRoot(o.targetRoot, item.to, false);
        // A top-level symlink source is followed (BuildKit's FollowSymlinks), inside the source root.
        await copyEntry(src, dst, path.posix.basename(item.from), true, item.from);
        break;
      }
      case 'extract': {
        if (!o.extract) throw new SlipwayError('BUILD_INTERNAL', 'no archive extractor');
        const dst = await mkdirInRoot(o.targetRoot, item.to, o.owner, time);
        await o.extract(src, dst, o.owner);
        break;
      }
      default: {
        const never: never = item;
        throw new Error(`unhandled copy item ${JSON.stringify(never)}`);
      }
    }
  }
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
