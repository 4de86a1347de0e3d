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

/** A file whose digest the stat cache did not know: read after the walk. */
interface Unread {
  readonly abs: string;
  readonly stat: Stats;
  /** Its line up to the digest. */
  readonly head: string;
}

/**
 * `sha256:<hex>` over the given sources: for each, its name as selected, then
 * every entry's path, type, permission bits, owner and content (file digest or
 * link target), in listSource's order and with its exclusions. Unchanged files are
 * not read again when `cache` knows them.
 *
 * This walk is listSource's, fused with the hashing, because it is most of a no-op
 * rebuild: lines are hashed as they come while every file so far was a cache hit, and
 * nothing per entry outlives its line (a list of entries with their stats would survive
 * young-generation GCs, several ms per 1,000 files). From the first file that must be
 * read, lines wait with it until the reads are done.
 */
export async function hashSources(root: string, matches: SourceMatch[], ignore: IgnoreMatcher, cache: StatCache, exclude?: (rel: string) => boolean): Promise<string> {
  const h = createHash('sha256');
  let text = '';
  let waiting: (string | Unread)[] | undefined;
  const put = (line: string): void => {
    if (waiting !== undefined) waiting.push(line);
    else if ((text += line).length >= 65536) {
      h.update(text);
      text = '';
    }
  };
  // Lines of excluded directories, written only once something below them is.
  const parents: string[] = [];
  const emit = (rel: string, abs: string, st: Stats, kind: ContextEntry['kind']): void => {
    if (parents.length > 0) {
      for (const p of parents) put(p);
      parents.length = 0;
    }
    const head = `${rel}\0${kind}\0${(st.mode & 0o7777).toString(8)}\0${st.uid}\0${st.gid}\0`;
    if (kind === 'file') {
      const d = cache.lookup(abs, st);
      if (d !== undefined) put(`${head}${d}\n`);
      else (waiting ??= []).push({ abs, stat: st, head });
    } else {
      // Synchronous, like the walk: a rootfs has hundreds of symlinks, and a thread-pool
      // round trip each cost more than the whole walk of their directory.
      put(`${head}${kind === 'symlink' ? readlinkSync(abs) : ''}\n`);
    }
  };
  const walk = (dirAbs: string, dirRel: string, dirCtx: string): void => {
    for (const name of sortByBytes(readdirSync(dirAbs))) {
      const abs = `${dirAbs}/${name}`;
      const stat = lstatSync(abs);
      const rel = dirRel === '' ? name : `${dirRel}/${name}`;
      if (exclude?.(rel)) continue;
      const ctx = dirCtx === '' ? name : `${dirCtx}/${name}`;
      const kind = kindOf(stat);
      const excluded = ignore.isExcluded(ctx);
      if (kind === 'dir') {
        if (excluded && !ignore.mayIncludeBelow(ctx)) continue;
        if (!excluded) {
          emit(rel, abs, stat, kind);
          walk(abs, rel, ctx);
          continue;
        }
        // An excluded directory is there only as the parent of something re-included.
        const depth = parents.length;
        parents.push(`${rel}\0${kind}\0${(stat.mode & 0o7777).toString(8)}\0${stat.uid}\0${stat.gid}\0\n`);
        walk(abs, rel, ctx);
        if (parents.length > depth) parents.length = depth;
      } else if (!excluded) {
        emit(rel, abs, stat, kind);
      }
    }
  };
  for (const match of matches) {
    put(`source\0${match.path}\0`);
    const st = await lstat(match.abs);
    const kind = kindOf(st);
    if (kind !== 'dir') {
      // A single file is matched by its own name, as COPY --exclude does.
      if (!exclude?.(path.posix.basename(match.path))) emit('', match.abs, st, kind);
      continue;
    }
    emit('', match.abs, st, kind);
    walk(match.abs, '', path.relative(root, match.abs));
  }
  if (waiting !== undefined) {
    const unread = waiting.filter((w): w is Unread => typeof w !== 'string');
    const digests = new Map<Unread, string>();
    // Only changed files are read, 16 at a time.
    await pool(unread, 16, async (u) => {
      const d = await fileDigest(u.abs);
      cache.store(u.abs, u.stat, d);
      digests.set(u, d);
    });
    for (const w of waiting) text += typeof w === 'string' ? w : `${w.head}${digests.get(w)!}\n`;
  }
  h.update(text);
  return `sha256:${h.digest('hex')}`;
}
