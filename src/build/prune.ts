import { existsSync } from 'node:fs';
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Digest } from '../oci/index.js';
import type { Store } from '../store/index.js';
import { borrowedRecordsDir } from './borrow.js';
import { BuildCache } from './cache.js';

/**
 * Pruning what the builder keeps beside the store: cache index entries whose layer blob
 * is gone (a store prune removed it), kept upper dirs no entry refers to any more, and,
 * with `all`, every entry, kept dir and RUN cache mount (as `docker builder prune -a`).
 * Meant to run after the store's own prune, under the same exclusive `gc` lock.
 */
export interface BuildPruneReport {
  readonly entries: number;
  readonly diffDirs: number;
  readonly cacheMounts: number;
}

export async function pruneBuildCache(store: Store, options: { all?: boolean } = {}): Promise<BuildPruneReport> {
  const cache = new BuildCache(store.root);
  const all = options.all ?? false;
  const dangling = new Set<string>();
  for (const e of await cache.entries()) {
    if (all || (e.layer !== null && !(await store.hasBlob(e.layer.digest as Digest)))) dangling.add(e.key);
  }
  const entries = await cache.prune((e) => dangling.has(e.key));
  const wanted = new Set((await cache.entries()).flatMap((e) => (e.layer ? [e.layer.diffId.replace(/^sha256:/, '')] : [])));
  const diffsDir = path.join(store.root, 'build-diffs');
  let diffDirs = 0;
  for (const name of await readdir(diffsDir).catch(() => [] as string[])) {
    if (wanted.has(name)) continue;
    await rm(path.join(diffsDir, name), { recursive: true, force: true });
    diffDirs++;
  }
  // COPY records (copyreuse.ts) whose kept dir is gone can never link anything again.
  const copies = path.join(store.root, 'build-cache', 'copies');
  for (const name of await readdir(copies).catch(() => [] as string[])) {
    const file = path.join(copies, name);
    const head = all ? '' : (await readFile(file, 'utf8').catch(() => '')).split('\n', 1)[0]!;
    const diffId = head.split('\t')[1]?.replace(/^sha256:/, '');
    if (all || diffId === undefined || !wanted.has(diffId)) await rm(file, { force: true });
  }
  // Kept dirs dropped as stale (rootfs.ts): never used again.
  const trash = path.join(store.root, 'build-trash');
  for (const name of await readdir(trash).catch(() => [] as string[])) {
    await rm(path.join(trash, name), { recursive: true, force: true });
    diffDirs++;
  }
  // Borrowed-file records (borrow.ts), only once their kept dir is gone: a build places a
  // dir before its cache entry names it, and a dir without its record would be trusted for
  // good. A temp file is left alone for an hour: a build may be about to rename it in.
  const borrowed = borrowedRecordsDir(store.root);
  for (const name of await readdir(borrowed).catch(() => [] as string[])) {
    const file = path.join(borrowed, name);
    if (existsSync(path.join(diffsDir, name.split('.')[0]!))) continue;
    if (name.endsWith('.tmp') && Date.now() - ((await stat(file).catch(() => undefined))?.mtimeMs ?? 0) < 3600_000) continue;
    await rm(file, { force: true });
  }
  // Gzip member indexes (members.ts) of blobs the store no longer has.
  const members = path.join(store.root, 'build-cache', 'members');
  for (const name of await readdir(members).catch(() => [] as string[])) {
    if (all || !/^[a-f0-9]{64}$/.test(name) || !(await store.hasBlob(`sha256:${name}` as Digest))) await rm(path.join(members, name), { force: true });
  }
  let cacheMounts = 0;
  if (all) {
    const mounts = path.join(store.root, 'build-cache-mounts');
    for (const name of await readdir(mounts).catch(() => [] as string[])) {
      await rm(path.join(mounts, name), { recursive: true, force: true });
      cacheMounts++;
    }
  }
  return { entries, diffDirs, cacheMounts };
}
