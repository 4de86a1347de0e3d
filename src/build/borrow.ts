import { randomBytes } from 'node:crypto';
import { linkSync, lstatSync, unlinkSync, type Stats } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readXattrs, type Xattrs } from '../image/xattr.js';

/**
 * Context files hard-linked into a COPY's layer dir instead of copied ("borrowed").
 *
 * A COPY from the context whose file would come out exactly as it is in the context
 * (same mode, same owner, no xattrs) shares the context file's inode instead of writing
 * its bytes again: a cold COPY of a large context then costs one link() per file. The
 * layer blob is written from the linked files like from copies, so it is byte-identical
 * either way (tests build both ways); a file seen twice in one COPY is copied the second
 * time, so borrowing never makes tar hard links that copying would not.
 *
 * The kept layer dir is then only as unchanging as the user's context: an in-place edit
 * of a context file after the build would reach the kept dir. So each kept dir with
 * borrowed files has a record (`build-cache/borrowed/<diff_id hex>`, written before the
 * dir is put in place) of every borrowed file's inode, size, mtime, mode and owner, and
 * the dir is checked against it (one lstat per file) before it is used as a lower dir or
 * linked from; a dir that no longer matches is set aside (build-trash/, emptied by prune)
 * and its layer is extracted from its verified blob instead. That is the trust BuildKit's
 * context sync gives a file's stat; the layer blob itself never depends on it.
 *
 * Linking (and unlinking) moves a context file's ctime, which the context's stat cache
 * keys on: each link tells the stat cache (StatCache.relinked), so the next build does
 * not read the context again.
 */

const HEADER = 'slipway-borrowed 1';

function recordFile(storeRoot: string, diffIdHex: string): string {
  return path.join(storeRoot, 'build-cache', 'borrowed', diffIdHex);
}

const statLine = (st: Stats): string => `${st.ino}\t${st.size}\t${st.mtimeMs}\t${st.mode}\t${st.uid}\t${st.gid}`;

/** The context's stat cache, told when a link moves a context file's ctime (see StatCache.relinked). */
export interface RelinkListener {
  relinked(abs: string, after: Stats): void;
}

/** The borrowing of one COPY into one upper dir. */
export class Borrower {
  /** `rel` in the layer dir -> its context file and the stat of the inode linked there. */
  readonly borrowed = new Map<string, { src: string; st: Stats }>();
  /** Inodes already in the layer dir through a link (this COPY's, or a reused file's). */
  private readonly placed = new Set<string>();

  constructor(private readonly statCache?: RelinkListener) {}

  /** A link to or unlink of `src`'s inode just happened: its ctime moved, its record must follow. */
  relinked(src: string): void {
    if (this.statCache === undefined) return;
    const after = lstatSync(src, { throwIfNoEntry: false });
    if (after !== undefined) this.statCache.relinked(src, after);
  }

  /**
   * Takes the inode `st` (the file at `src`, or a reused kept file with the same
   * content) into the layer dir at `rel`; false when it is already there under another
   * name, or `rel` cannot be recorded: the caller copies instead.
   */
  claim(rel: string, src: string, st: Stats): boolean {
    const key = `${st.dev}:${st.ino}`;
    if (/[\t\n]/.test(rel) || this.placed.has(key)) return false;
    this.placed.add(key);
    this.borrowed.set(rel, { src, st });
    return true;
  }

  /** Links `src` (lstat `st`, a regular file or a symlink) at `dst` (`rel` in the layer dir); false: copy instead. */
  link(src: string, st: Stats, dst: string, rel: string): boolean {
    if (!this.claim(rel, src, st)) return false;
    try {
      linkSync(src, dst);
      this.relinked(src);
      return true;
    } catch {
      this.borrowed.delete(rel);
      return false; // EXDEV (context on another filesystem), EMLINK, EPERM: copy
    }
  }

  /** Forgets a file claimed but not linked. */
  release(rel: string): void {
    this.borrowed.delete(rel);
  }

  /**
   * After the copy: BuildKit does not carry a context file's xattrs into a COPY, and a
   * linked file has them all, so each borrowed file with kept xattrs (user.*, file
   * capabilities, ACLs) is replaced by a plain copy (`copy(src, dst, st)`). Returns the
   * upper dir's xattrs as read (absolute path -> attrs), which then describe it exactly:
   * the layer writer takes them instead of reading them again.
   */
  async settle(upperDir: string, copy: (src: string, dst: string, st: Stats) => void): Promise<Map<string, Xattrs>> {
    const root = path.resolve(upperDir);
    const xattrs = await readXattrs([root], true);
    for (const file of [...xattrs.keys()]) {
      const b = file.startsWith(`${root}/`) ? this.borrowed.get(file.slice(root.length + 1)) : undefined;
      // (Symlinks cannot carry user.*, capability or ACL xattrs on Linux.)
      if (b === undefined || b.st.isSymbolicLink()) continue;
      unlinkSync(file);
      this.relinked(b.src);
      copy(b.src, file, b.st);
      this.borrowed.delete(file.slice(root.length + 1));
      xattrs.delete(file);
    }
    return xattrs;
  }

  /** Writes the record for the kept dir of `diffIdHex` (temp + rename); nothing when nothing is borrowed. */
  async save(storeRoot: string, diffIdHex: string): Promise<void> {
    if (this.borrowed.size === 0) return;
    const file = recordFile(storeRoot, diffIdHex);
    await mkdir(path.dirname(file), { recursive: true });
    let text = `${HEADER}\n`;
    for (const [rel, { st }] of this.borrowed) text += `${statLine(st)}\t${rel}\n`;
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, file);
  }
}

/**
 * Whether the kept dir `dir` of `diffIdHex` is still what its layer says: every
 * borrowed file has the inode and stat it had when it was linked. A dir without a
 * record borrowed nothing and is always intact.
 */
export async function borrowedIntact(storeRoot: string, diffIdHex: string, dir: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(recordFile(storeRoot, diffIdHex), 'utf8');
  } catch (err) {
    // No record: nothing was linked. An unreadable one: the dir is not trusted.
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
  const lines = text.split('\n');
  if (lines[0] !== HEADER) return false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const cut = nthTab(line, 6);
    if (cut < 0) return false;
    let st: Stats | undefined;
    try {
      st = lstatSync(path.join(dir, line.slice(cut + 1)), { throwIfNoEntry: false });
    } catch {
      return false; // e.g. ENOTDIR: not what was recorded
    }
    if (st === undefined || !(st.isFile() || st.isSymbolicLink()) || statLine(st) !== line.slice(0, cut)) return false;
  }
  return true;
}

/** Removes the record of a kept dir that is gone or dropped. */
export async function dropBorrowedRecord(storeRoot: string, diffIdHex: string): Promise<void> {
  await rm(recordFile(storeRoot, diffIdHex), { force: true });
}

/** Where the records are, one file per kept dir named by its diff_id hex (for prune). */
export function borrowedRecordsDir(storeRoot: string): string {
  return path.join(storeRoot, 'build-cache', 'borrowed');
}

function nthTab(s: string, n: number): number {
  let at = -1;
  for (let i = 0; i < n; i++) {
    at = s.indexOf('\t', at + 1);
    if (at < 0) return -1;
  }
  return at;
}
