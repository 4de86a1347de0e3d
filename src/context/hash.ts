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

/** Called for each entry of a source, in walk order. */
type Visit = (rel: string, abs: string, contextPath: string, stat: Stats, kind: ContextEntry['kind']) => void;

/**
 * Visits one source in walk order (the source itself first, then its contents
 * depth-first, names in byte order), leaving excluded entries out and visiting an
 * excluded directory only as the parent of something re-included (just before it).
 * Synchronous below the top on purpose: one lstat per entry without a promise and a
 * thread-pool hop each is several times faster, and that is what an unchanged context
 * costs.
 */
async function walkSource(root: string, match: SourceMatch, ignore: IgnoreMatcher, exclude: ((rel: string) => boolean) | undefined, visit: Visit): Promise<void> {
  const st = await lstat(match.abs);
  const ctxRel = path.relative(root, match.abs);
  const kind = kindOf(st);
  if (kind !== 'dir') {
    // A single file is matched by its own name, as COPY --exclude does.
    if (!exclude?.(path.posix.basename(match.path))) visit('', match.abs, ctxRel, st, kind);
    return;
  }
  visit('', match.abs, ctxRel, st, kind);
  // Excluded directories on the current path, visited once something below them is.
  const parents: [rel: string, abs: string, ctx: string, stat: Stats][] = [];
  const enter: Visit = (rel, abs, ctx, stat, k) => {
    for (const [pr, pa, pc, ps] of parents) visit(pr, pa, pc, ps, 'dir');
    parents.length = 0;
    visit(rel, abs, ctx, stat, k);
  };
  const walk = (dirAbs: string, dirRel: string, dirCtx: string): void => {
    for (const name of sortByBytes(readdirSync(dirAbs))) {
      const abs = `${dirAbs}/${name}`;
      const stat = lstatSync(abs);
      const rel = dirRel === '' ? name : `${dirRel}/${name}`;
      if (exclude?.(rel)) continue;
      const ctx = dirCtx === '' ? name : `${dirCtx}/${name}`;
      const k = kindOf(stat);
      const excluded = ignore.isExcluded(ctx);
      if (k === 'dir') {
        if (excluded && !ignore.mayIncludeBelow(ctx)) continue;
        if (!excluded) {
          enter(rel, abs, ctx, stat, k);
          walk(abs, rel, ctx);
          continue;
        }
        const depth = parents.length;
        parents.push([rel, abs, ctx, stat]);
        walk(abs, rel, ctx);
        if (parents.length > depth) parents.length = depth;
      } else if (!excluded) {
        enter(rel, abs, ctx, stat, k);
      }
    }
  };
  walk(match.abs, '', ctxRel);
}

/** Entries of one source in walk order (see walkSource). */
export async function listSource(root: string, match: SourceMatch, ignore: IgnoreMatcher, exclude?: (rel: string) => boolean): Promise<ContextEntry[]> {
  const out: ContextEntry[] = [];
  await walkSource(root, match, ignore, exclude, (rel, abs, contextPath, stat, kind) => out.push({ rel, abs, contextPath, kind, stat }));
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
 * The lines are made as walkSource visits, not from listSource's list, because this is
 * most of a no-op rebuild: lines are hashed as they come while every file so far was a
 * cache hit, and nothing per entry outlives its line (a list of entries with their stats
 * would survive young-generation GCs, several ms per 1,000 files). From the first file that must be
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
  const emit: Visit = (rel, abs, _ctx, st, kind) => {
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
  for (const match of matches) {
    put(`source\0${match.path}\0`);
    await walkSource(root, match, ignore, exclude, emit);
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
