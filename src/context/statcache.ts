/**
 * A persistent stat cache: for each file hashed before, the (size, mtime, inode,
 * ctime) it had and its content digest. If a file's lstat still shows the same
 * four values, its digest is reused without reading it, so re-hashing an
 * unchanged context costs one lstat per file. ctime catches changes that restore
 * the mtime (touch -r, tar extraction); fine-grained times make a same-tick rewrite
 * after hashing the only (accepted) blind spot, as with git's index.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';

/** Times are the float milliseconds Node reports (sub-microsecond resolution);
 * plain numbers keep the walk free of BigInt garbage. */
interface Record {
  size: number;
  mtimeMs: number;
  ino: number;
  ctimeMs: number;
  digest: string;
}

const VERSION = 2;

export class StatCache {
  private readonly records = new Map<string, Record>();
  private dirty = false;
  /** Files served from the cache / read and hashed, since creation. */
  hits = 0;
  misses = 0;

  private constructor(readonly file: string | undefined) {}

  /** An in-memory cache (nothing persisted). */
  static memory(): StatCache {
    return new StatCache(undefined);
  }

  /** Loads `file` if it exists and is readable; a damaged cache is just empty. */
  static async load(file: string): Promise<StatCache> {
    const cache = new StatCache(file);
    try {
      const data = JSON.parse(await readFile(file, 'utf8')) as { version: number; entries: [string, Record][] };
      if (data.version === VERSION && Array.isArray(data.entries)) {
        for (const [k, v] of data.entries) cache.records.set(k, v);
      }
    } catch {
      // Missing or unreadable: start empty; it is only a cache.
    }
    return cache;
  }

  /** The cached digest of `abs` if its stat is unchanged. */
  lookup(abs: string, st: Stats): string | undefined {
    const r = this.records.get(abs);
    if (r !== undefined && r.size === st.size && r.mtimeMs === st.mtimeMs && r.ino === st.ino && r.ctimeMs === st.ctimeMs) {
      this.hits++;
      return r.digest;
    }
    this.misses++;
    return undefined;
  }

  store(abs: string, st: Stats, digest: string): void {
    this.records.set(abs, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, ctimeMs: st.ctimeMs, digest });
    this.dirty = true;
  }

  /** Writes the cache atomically (temp file + rename) if it changed. */
  async save(): Promise<void> {
    if (this.file === undefined || !this.dirty) return;
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, JSON.stringify({ version: VERSION, entries: [...this.records] }));
    await rename(tmp, this.file);
    this.dirty = false;
  }
}
