import { randomBytes } from 'node:crypto';
import { linkSync, lstatSync, renameSync, rmSync, type Stats } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StatCache } from '../context/index.js';
import { statMatches } from './borrow.js';
import type { Owner } from './passwd.js';

/**
 * Files of the previous run of the same COPY, hard-linked instead of copied.
 *
 * When a COPY from the context runs again because some of its files changed (its cache
 * key is the same but for the inputs), most files are what the last run already wrote
 * into its kept layer dir. Such a file is linked from there: same content (the context
 * digest recorded then equals the stat-cached digest now), and the kept file has exactly
 * the mode, owner, size and mtime the copy would give. Kept layer dirs are never written
 * to after their step (they are only overlay lower dirs and layer sources), so sharing
 * inodes between them is safe; the layer writer makes a tar hard link only for two paths
 * of the same tree (a stale kept dir taken over by `adopt` only loses and gains names:
 * no file in it is written to). `--no-cache` never reuses.
 *
 * Record per COPY (its key without the inputs) under `build-cache/copies/<hex>`: a
 * header line with the layer's diff_id and blob digest, then `path<TAB>digest` per file.
 */

const HEADER = 'slipway-copy-record 1';

/** Where CopyReuse finds the previous run's kept dir (FsManager.kept and takeStale). */
export interface KeptDirs {
  /** The kept dir of `diffId` if it is there and intact. */
  kept(diffId: string): string | undefined;
  /** The kept dir of `diffId` if it is stale, set aside for this caller alone. */
  takeStale(diffId: string, suspects?: ReadonlySet<number>): string | undefined;
  /** Its borrowed-file record (borrow.ts borrowedRecord). */
  record(diffId: string): Map<string, string> | undefined;
  /** Whether no other build (or pull, or prune) is using the store now. */
  alone(): Promise<boolean>;
}

export class CopyReuse {
  private readonly copied: string[] = [];
  /** The previous run's kept dir, looked up on first need (null: not yet). */
  private previousDir: string | undefined | null = null;
  /** The previous run's `path -> digest`, parsed on first need. */
  private previousDigests: Map<string, string> | undefined;
  /** The borrowed-file record of the tree taken over by `adopt` (rel -> stat line), read on first need. */
  private adoptedRecord: Map<string, string> | undefined | null = null;

  private constructor(
    private readonly file: string,
    private readonly statCache: StatCache,
    /** The previous record's lines, until first needed. */
    private readonly lines: readonly string[],
    /** The previous run's layer, when its record is usable. */
    private readonly previousDiffId: string | undefined,
    private readonly dirs: KeptDirs,
    /** The previous run's layer blob (its gzip members may be reused, see members.ts). */
    readonly previousBlob: string | undefined,
  ) {}

  /**
   * `dirs` finds the previous run's kept dir. It is asked only when a file cannot be linked
   * from the context itself (borrow.ts), which is most often never: checking a kept dir
   * costs an lstat per file it borrowed; or by `adopt`, once per COPY.
   */
  static async open(storeRoot: string, reuseKey: string, statCache: StatCache, dirs: KeptDirs): Promise<CopyReuse> {
    const file = path.join(storeRoot, 'build-cache', 'copies', reuseKey.replace(/^sha256:/, ''));
    const text = await readFile(file, 'utf8').catch(() => undefined);
    const lines = text?.split('\n') ?? [];
    const [header, diffId, blob] = (lines[0] ?? '').split('\t');
    const usable = header === HEADER && diffId !== undefined && diffId !== '';
    // The blob's gzip members stay usable when the kept dir is gone or was dropped as stale
    // (each is checked against its sha256 when read back).
    return new CopyReuse(file, statCache, lines, usable ? diffId : undefined, dirs, header === HEADER && blob ? blob : undefined);
  }

  private digests(): Map<string, string> {
    if (this.previousDigests === undefined) {
      this.previousDigests = new Map();
      for (let i = 1; i < this.lines.length; i++) {
        const tab = this.lines[i]!.lastIndexOf('\t');
        if (tab > 0) this.previousDigests.set(this.lines[i]!.slice(0, tab), this.lines[i]!.slice(tab + 1));
      }
    }
    return this.previousDigests;
  }

  private previous(): string | undefined {
    if (this.previousDir === null) this.previousDir = this.previousDiffId === undefined ? undefined : this.dirs.kept(this.previousDiffId);
    return this.previousDir;
  }

  /**
   * Moves the previous run's tree at `rel` (a directory of its layer) to `into` (an empty
   * directory, replaced) when that run's kept dir is stale: an in-place edit of a context
   * file it linked reached it, so it no longer is its layer (which comes from its blob when
   * needed). The COPY then updates that tree (`stays` says which files stay) instead of
   * linking thousands of files anew. An intact kept dir is never taken: it still serves its
   * layer; nor one while another build uses the store (it may have checked that dir intact
   * before the edit, and be running on it). Says whether it moved anything; asked once,
   * before any other lookup.
   */
  async adopt(rel: string, into: string): Promise<boolean> {
    // Asked first: a build running now may have found that dir intact before the edit and
    // be about to mount it (even setting it aside would then fail that build). One that
    // starts after this finds it stale itself, as the edit came first.
    if (this.previousDiffId === undefined || this.previousDir !== null || !(await this.dirs.alone())) return false;
    const stale = this.dirs.takeStale(this.previousDiffId, this.statCache.rehashed);
    if (stale === undefined) return false;
    this.previousDir = undefined;
    const tree = path.join(stale, rel);
    if (!lstatSync(tree, { throwIfNoEntry: false })?.isDirectory()) return false;
    renameSync(tree, into);
    // What is left are the parent dirs the COPY made: nothing linked, nothing to keep.
    rmSync(stale, { recursive: true, force: true });
    return true;
  }

  /**
   * Whether `c`, the adopted tree's entry at `rel` (not the context file's own inode), is
   * what copying a file with `st` and `digest` would make now. The tree is stale: an inode
   * it borrowed may have been edited since, so a file its record lists stays only while it
   * still has the stat recorded (ctime included); files it does not list are its own copies,
   * which nothing writes to.
   */
  stays(rel: string, digest: string, st: Stats, c: Stats, mode: number, owner: Owner): boolean {
    if (this.adoptedRecord === null) this.adoptedRecord = this.previousDiffId === undefined ? undefined : this.dirs.record(this.previousDiffId);
    const recorded = this.adoptedRecord?.get(rel);
    if (this.adoptedRecord === undefined || (recorded !== undefined && !statMatches(recorded, c))) return false;
    return this.keeps(rel, digest, st, c, mode, owner);
  }

  /**
   * Notes that `src` goes into the new layer at `rel`, for the record of this run, and
   * returns its digest; undefined when it cannot be recorded (no cached digest, or a name
   * the record cannot hold). Call before anything links `src`: that moves its ctime.
   */
  note(rel: string, src: string, st: Stats): string | undefined {
    const digest = this.statCache.lookup(src, st);
    if (digest === undefined || /[\t\n]/.test(rel)) return undefined;
    this.copied.push(`${rel}\t${digest}`);
    return digest;
  }

  /**
   * Whether `c`, the previous run's file at `rel`, is what copying a file with `st` and
   * `digest` would make now: the same content (by the digests recorded then and now),
   * mode, owner, size and mtime.
   */
  private keeps(rel: string, digest: string, st: Stats, c: Stats, mode: number, owner: Owner): boolean {
    if (this.digests().get(rel) !== digest) return false;
    if (!c.isFile() || (c.mode & 0o7777) !== mode || c.uid !== owner.uid || c.gid !== owner.gid) return false;
    return c.size === st.size && c.mtime.getTime() === st.mtime.getTime();
  }

  /**
   * Links `dst` (at `rel` in the new layer dir) to the previous run's file when it has
   * `digest` and is what copying a file with `st` would make; says whether it did.
   */
  linkPrevious(rel: string, digest: string, st: Stats, dst: string, mode: number, owner: Owner, claim?: (candidate: Stats) => boolean): boolean {
    const prev = this.previous();
    if (prev === undefined || this.digests().get(rel) !== digest) return false;
    const candidate = path.join(prev, rel);
    const c = lstatSync(candidate, { throwIfNoEntry: false });
    if (c === undefined || !this.keeps(rel, digest, st, c, mode, owner)) return false;
    if (claim && !claim(c)) return false;
    try {
      linkSync(candidate, dst);
      return true;
    } catch {
      return false; // e.g. EMLINK: copy instead
    }
  }

  /** Writes the record for the layer just made (temp + rename). */
  async save(diffId: string, blob: string): Promise<void> {
    // Nothing was copied through link() (not the step's sole writer): no record to keep.
    if (this.copied.length === 0) return;
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, `${HEADER}\t${diffId}\t${blob}\n${this.copied.join('\n')}\n`);
    await rename(tmp, this.file);
  }
}
