/**
 * A persistent stat cache: for each file hashed before, the (size, mtime, inode,
 * ctime) it had and its content digest. If a file's lstat still shows the same
 * four values, its digest is reused without reading it, so re-hashing an
 * unchanged context costs one lstat per file. ctime catches changes that restore
 * the mtime (touch -r, tar extraction); fine-grained times make a same-tick rewrite
 * after hashing the only (accepted) blind spot, as with git's index.
 *
 * On disk: a version line, then one `path<TAB>size<TAB>mtimeMs<TAB>ino<TAB>ctimeMs<TAB>digest`
 * line per file. Plain lines parse several times faster than JSON objects, which
 * matters because loading the cache is part of every no-op rebuild.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';

const HEADER = 'slipway-statcache 3';

/** The stat part of a record; a file is unchanged if this string is unchanged. */
function statKey(st: Stats): string {
  return `${st.size}\t${st.mtimeMs}\t${st.ino}\t${st.ctimeMs}`;
}

export class StatCache {
  /** path -> `statKey<TAB>digest` */
  private readonly records = new Map<string, string>();
  private dirty = false;
  /** Files served from the cache / read and hashed, since creation. */
  hits = 0;
  misses = 0;
  /** Inodes of the files hashed since creation (changed, or new): see borrowedIntact. */
  readonly rehashed = new Set<number>();

  private constructor(readonly file: string | undefined) {}

  /** An in-memory cache (nothing persisted). */
  static memory(): StatCache {
    return new StatCache(undefined);
  }

  /** Loads `file` if it exists and is readable; a damaged cache is just empty. */
  static async load(file: string): Promise<StatCache> {
    const cache = new StatCache(file);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return cache; // Missing or unreadable: start empty; it is only a cache.
    }
    const lines = text.split('\n');
    if (lines[0] !== HEADER) return cache;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const tab = line.indexOf('\t');
      // path + 5 fields; anything else is damage and is skipped. Counted, not split: that
      // would make six strings per line to throw away.
      let tabs = 0;
      for (let at = tab; at !== -1; at = line.indexOf('\t', at + 1)) tabs++;
      if (tab > 0 && tabs === 5) cache.records.set(line.slice(0, tab), line.slice(tab + 1));
    }
    return cache;
  }

  /** The cached digest of `abs` if its stat is unchanged. */
  lookup(abs: string, st: Stats): string | undefined {
    const r = this.records.get(abs);
    if (r !== undefined) {
      const key = statKey(st);
      if (r.length > key.length && r.startsWith(key) && r.charCodeAt(key.length) === 9) {
        this.hits++;
        return r.slice(key.length + 1);
      }
    }
    this.misses++;
    return undefined;
  }

  /**
   * This process hard-linked or unlinked `abs` (a COPY linking it into a layer): its ctime
   * moved from `before` to `after`, nothing else did. Re-keys its record so the next build
   * does not take that for the user's change; only a record that matched `before` exactly
   * (so it vouched for the content just before the link) and only if size, mtime, inode
   * and mode are unchanged.
   */
  relinked(abs: string, before: Stats, after: Stats): void {
    if (after.ino !== before.ino || after.size !== before.size || after.mtimeMs !== before.mtimeMs || after.mode !== before.mode) return;
    const r = this.records.get(abs);
    const key = statKey(before);
    if (r === undefined || !(r.length > key.length && r.startsWith(key) && r.charCodeAt(key.length) === 9)) return;
    this.records.set(abs, `${statKey(after)}${r.slice(key.length)}`);
    this.dirty = true;
  }

  store(abs: string, st: Stats, digest: string): void {
    this.rehashed.add(st.ino);
    // Names with a tab or newline would break the line format: just not cached.
    if (/[\t\n]/.test(abs)) return;
    this.records.set(abs, `${statKey(st)}\t${digest}`);
    this.dirty = true;
  }

  /** Writes the cache atomically (temp file + rename) if it changed. */
  async save(): Promise<void> {
    if (this.file === undefined || !this.dirty) return;
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    const lines = [HEADER];
    for (const [k, v] of this.records) lines.push(`${k}\t${v}`);
    try {
      await writeFile(tmp, `${lines.join('\n')}\n`);
      await rename(tmp, this.file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    this.dirty = false;
  }
}
