/**
 * Walking selected sources (minus `.dockerignore` exclusions) and hashing them
 * for the build cache: names, types, modes, owners and contents, never times.
 */
import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { sortByBytes } from '../oci/index.js';
import type { IgnoreMatcher } from './dockerignore.js';
import type { StatCache } from './statcache.js';
import type { ContextEntry, SourceMatch } from './types.js';


function kindOf(st: Stats): ContextEntry['kind'] {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}

/**
 * Entries of one source in walk order (the source itself first, then its contents
 * depth-first, names in byte order), with excluded entries left out and excluded
 * directories kept only as parents of re-included entries.
 */
export async function listSource(root: string, match: SourceMatch, ignore: IgnoreMatcher, exclude?: (rel: string) => boolean): Promise<ContextEntry[]> {
  const out: ContextEntry[] = [];
  const st = await lstat(match.abs);
  const ctxRel = path.relative(root, match.abs);
  const top: ContextEntry = { rel: '', abs: match.abs, contextPath: ctxRel, kind: kindOf(st), stat: st };
  if (top.kind !== 'dir') {
    // A single file is matched by its own name, as COPY --exclude does.
    if (!exclude?.(path.posix.basename(match.path))) out.push(top);
    return out;
  }
  out.push(top);
  // Synchronous on purpose: one lstat per entry without a promise and a thread-pool
  // hop each is several times faster, and that is what an unchanged context costs.
  const walk = (dirAbs: string, dirRel: string, dirCtx: string): void => {
    const names = sortByBytes(readdirSync(dirAbs));
    for (const name of names) {
      const abs = `${dirAbs}/${name}`;
      const stat = lstatSync(abs);
      const entry: ContextEntry = {
        rel: dirRel === '' ? name : `${dirRel}/${name}`,
        abs,
        contextPath: dirCtx === '' ? name : `${dirCtx}/${name}`,
        kind: kindOf(stat),
        stat,
      };
      if (exclude?.(entry.rel)) continue;
      const excluded = ignore.isExcluded(entry.contextPath);
      if (entry.kind === 'dir') {
        if (excluded && !ignore.mayIncludeBelow(entry.contextPath)) continue;
        const at = out.length;
        out.push(entry);
        walk(entry.abs, entry.rel, entry.contextPath);
        // An excluded directory stays only as the parent of something re-included.
        if (excluded && out.length === at + 1) out.pop();
      } else if (!excluded) {
        out.push(entry);
      }
    }
  };
  walk(match.abs, '', ctxRel);
  return out;
}

async function fileDigest(abs: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(abs)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * `sha256:<hex>` over the given sources: for each, its name as selected, then
 * every entry's path, type, permission bits, owner and content (file digest or
 * link target). Unchanged files are not read again when `cache` knows them.
 */
export async function hashSources(root: string, matches: SourceMatch[], ignore: IgnoreMatcher, cache: StatCache, exclude?: (rel: string) => boolean): Promise<string> {
  const lists = await Promise.all(matches.map((m) => listSource(root, m, ignore, exclude)));
  const digests = new Map<ContextEntry, string>();
  // Cache hits are settled synchronously; only changed files are read, 16 at a time.
  const toRead: ContextEntry[] = [];
  for (const list of lists) {
    for (const e of list) {
      if (e.kind !== 'file') continue;
      const d = cache.lookup(e.abs, e.stat);
      if (d === undefined) toRead.push(e);
      else digests.set(e, d);
    }
  }
  await pool(toRead, 16, async (e) => {
    const d = await fileDigest(e.abs);
    cache.store(e.abs, e.stat, d);
    digests.set(e, d);
  });
  const h = createHash('sha256');
  for (let i = 0; i < matches.length; i++) {
    h.update(`source\0${matches[i]!.path}\0`);
    for (const e of lists[i]!) {
      let payload = '';
      if (e.kind === 'file') payload = digests.get(e)!;
      // Synchronous, like the walk: a rootfs has hundreds of symlinks, and a thread-pool
      // round trip each cost more than the whole walk of their directory.
      else if (e.kind === 'symlink') payload = readlinkSync(e.abs);
      const mode = (e.stat.mode & 0o7777).toString(8);
      h.update(`${e.rel}\0${e.kind}\0${mode}\0${e.stat.uid}\0${e.stat.gid}\0${payload}\n`);
    }
  }
  return `sha256:${h.digest('hex')}`;
}
