import { randomBytes } from 'node:crypto';
import { linkSync, lstatSync, type Stats } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StatCache } from '../context/index.js';
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
 * of the same tree. `--no-cache` never reuses.
 *
 * Record per COPY (its key without the inputs) under `build-cache/copies/<hex>`: a
 * header line with the layer's diff_id and blob digest, then `path<TAB>digest` per file.
 */

const HEADER = 'slipway-copy-record 1';

export class CopyReuse {
  private readonly copied: string[] = [];
  /** The previous run's kept dir and its `path -> digest`: looked up on first need. */
  private previousDir: { dir: string; digests: Map<string, string> } | undefined | null = null;

  private constructor(
    private readonly file: string,
    private readonly statCache: StatCache,
    /** The previous record's lines and the kept dir finder, until first needed. */
    private readonly lines: readonly string[],
    private readonly findPrevious: (() => string | undefined) | undefined,
    /** The previous run's layer blob (its gzip members may be reused, see members.ts). */
    readonly previousBlob: string | undefined,
  ) {}

  /**
   * `keptDir(diffId)` gives a kept layer dir if it still exists and is intact. It is asked
   * only when a file cannot be linked from the context itself (borrow.ts), which is most
   * often never: checking a kept dir costs an lstat per file it borrowed.
   */
  static async open(storeRoot: string, reuseKey: string, statCache: StatCache, keptDir: (diffId: string) => string | undefined): Promise<CopyReuse> {
    const file = path.join(storeRoot, 'build-cache', 'copies', reuseKey.replace(/^sha256:/, ''));
    const text = await readFile(file, 'utf8').catch(() => undefined);
    const lines = text?.split('\n') ?? [];
    const [header, diffId, blob] = (lines[0] ?? '').split('\t');
    const usable = header === HEADER && diffId !== undefined && diffId !== '';
    // The blob's gzip members stay usable when the kept dir is gone or was dropped as stale
    // (each is checked against its sha256 when read back).
    return new CopyReuse(file, statCache, lines, usable ? () => keptDir(diffId) : undefined, header === HEADER && blob ? blob : undefined);
  }

  private previous(): { dir: string; digests: Map<string, string> } | undefined {
    if (this.previousDir === null) {
      const dir = this.findPrevious?.();
      this.previousDir = undefined;
      if (dir !== undefined) {
        const digests = new Map<string, string>();
        for (let i = 1; i < this.lines.length; i++) {
          const tab = this.lines[i]!.lastIndexOf('\t');
          if (tab > 0) digests.set(this.lines[i]!.slice(0, tab), this.lines[i]!.slice(tab + 1));
        }
        this.previousDir = { dir, digests };
      }
    }
    return this.previousDir;
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
   * Links `dst` (at `rel` in the new layer dir) to the previous run's file when it has
   * `digest` and is what copying a file with `st` would make; says whether it did.
   */
  linkPrevious(rel: string, digest: string, st: Stats, dst: string, mode: number, owner: Owner, claim?: (candidate: Stats) => boolean): boolean {
    const prev = this.previous();
    if (prev === undefined || prev.digests.get(rel) !== digest) return false;
    const candidate = path.join(prev.dir, rel);
    const c = lstatSync(candidate, { throwIfNoEntry: false });
    if (!c?.isFile() || (c.mode & 0o7777) !== mode || c.uid !== owner.uid || c.gid !== owner.gid) return false;
    if (c.size !== st.size || c.mtime.getTime() !== st.mtime.getTime()) return false;
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
