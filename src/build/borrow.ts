import { randomBytes } from 'node:crypto';
import { linkSync, lstatSync, readFileSync, unlinkSync, utimesSync, type Stats } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readXattrs, type Xattrs } from '../image/xattr.js';
import { LinkQueue, type Linker } from './linkqueue.js';

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

const HEADER = 'slipway-borrowed 2';

function recordFile(storeRoot: string, diffIdHex: string): string {
  return path.join(storeRoot, 'build-cache', 'borrowed', diffIdHex);
}

// ctime too: xattrs, capabilities, ACLs and an mtime put back after a rewrite change nothing
// else. Our own later links of the same inode move it as well, which only makes an older
// kept dir look stale (it is then re-extracted), never the other way round.
const statLine = (st: Stats): string => `${st.ino}\t${st.size}\t${st.mtimeMs}\t${st.ctimeMs}\t${st.mode}\t${st.uid}\t${st.gid}`;

/** The context's stat cache, told when a link moves a context file's ctime (see StatCache.relinked). */
export interface RelinkListener {
  relinked(abs: string, before: Stats, after: Stats): void;
}

export type { Linker } from './linkqueue.js';

/** The borrowing of one COPY into one upper dir. */
export class Borrower {
  /** `rel` in the layer dir -> its context file and the inode's stat once linked there. */
  readonly borrowed = new Map<string, { readonly src: string; st: Stats }>();
  /** Inodes already in the layer dir through a link (this COPY's, or a reused file's). */
  private readonly placed = new Set<string>();
  /** The record's text, once saved (see save). */
  private record: string | undefined;

  /** Links made on another thread (linkLater), when there is one. */
  private readonly queue: LinkQueue | undefined;

  constructor(private readonly statCache?: RelinkListener, linker?: Linker) {
    this.queue = linker !== undefined ? new LinkQueue(linker, this) : undefined;
  }

  /** Whether linkLater can hand links to another thread. */
  get defers(): boolean {
    return this.queue !== undefined;
  }

  /**
   * link(), done on another thread while this one goes on: true when `src` is claimed and
   * queued (flushLinks then finishes it; `instead` makes the copy if the link fails), false
   * when it is not to be linked (copy now).
   */
  linkLater(src: string, st: Stats, dst: string, rel: string, instead: () => void): boolean {
    if (this.queue === undefined) return this.link(src, st, dst, rel);
    if (!this.claim(rel, src, st)) return false;
    this.queue.add({ rel, src, st, dst, instead });
    return true;
  }

  /**
   * Waits for every queued link: after it, each is made or its copy is. Throws the first
   * failure (a copy that could not be made), once all are settled.
   */
  async flushLinks(): Promise<void> {
    await this.queue?.flush();
  }

  /**
   * `dst` (at `rel`) was just linked to the inode claimed for it: records the inode's stat
   * as it now is, and when that inode is the context file `src` itself (lstat `before`
   * the link), tells the stat cache its ctime moved.
   */
  linked(rel: string, dst: string, before?: Stats): void {
    this.recordLinked(rel, lstatSync(dst), before);
  }

  /** linked(), with the inode's stat after the link (`after`) taken already. */
  recordLinked(rel: string, after: Stats, before?: Stats): void {
    const b = this.borrowed.get(rel);
    if (b === undefined) return;
    b.st = after;
    if (before !== undefined) this.statCache?.relinked(b.src, before, after);
  }

  /** `rel` was in the layer dir already (a tree taken over, CopyReuse.adopt) as the inode claimed for it, with stat `st`. */
  stayed(rel: string, st: Stats): void {
    const b = this.borrowed.get(rel);
    if (b !== undefined) b.st = st;
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
    } catch {
      this.borrowed.delete(rel);
      return false; // EXDEV (context on another filesystem), EMLINK, EPERM: copy
    }
    this.linked(rel, dst, st);
    return true;
  }

  /**
   * Takes each borrowed file's stat again (in the layer dir `root`): after a tree taken over
   * lost names (CopyReuse.adopt), an unlink may have moved the ctime of an inode linked
   * earlier in the same copy. The stat cache learns of each such move.
   */
  restat(root: string): void {
    for (const [rel, b] of this.borrowed) {
      const after = lstatSync(path.join(root, rel), { throwIfNoEntry: false });
      if (after === undefined || statLine(after) === statLine(b.st)) continue;
      this.statCache?.relinked(b.src, b.st, after);
      b.st = after;
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
   * upper dir's xattrs as read (absolute path -> attrs) when they still describe it
   * exactly, so the layer writer need not read them again; undefined when a file was
   * replaced (a new file may inherit a default ACL: the writer reads them itself).
   */
  async settle(upperDir: string, copy: (src: string, dst: string, st: Stats) => void): Promise<Map<string, Xattrs> | undefined> {
    const root = path.resolve(upperDir);
    const xattrs = await readXattrs([root], true);
    let replaced = false;
    for (const file of xattrs.keys()) {
      const rel = file.startsWith(`${root}/`) ? file.slice(root.length + 1) : undefined;
      const b = rel === undefined ? undefined : this.borrowed.get(rel);
      // (Symlinks cannot carry user.*, capability or ACL xattrs on Linux.)
      if (b === undefined || b.st.isSymbolicLink()) continue;
      const before = lstatSync(b.src, { throwIfNoEntry: false });
      // The copy replaces an entry of a directory whose times the copy has set already.
      const parent = lstatSync(path.dirname(file));
      unlinkSync(file);
      const after = lstatSync(b.src, { throwIfNoEntry: false });
      if (before !== undefined && after !== undefined) this.statCache?.relinked(b.src, before, after);
      copy(b.src, file, b.st);
      utimesSync(path.dirname(file), parent.atime, parent.mtime);
      this.borrowed.delete(rel!);
      replaced = true;
    }
    return replaced ? undefined : xattrs;
  }

  /**
   * Writes the record for the kept dir of `diffIdHex` (temp + rename); nothing when nothing
   * is borrowed. Written before the dir is put in place and again after (prune removes a
   * record whose dir is absent, which it is until then).
   */
  async save(storeRoot: string, diffIdHex: string): Promise<void> {
    if (this.borrowed.size === 0) return;
    const file = recordFile(storeRoot, diffIdHex);
    await mkdir(path.dirname(file), { recursive: true });
    // Built once: by the first save the copy and settle are over, so the second is the same.
    if (this.record === undefined) {
      let text = `${HEADER}\n`;
      for (const [rel, { st }] of this.borrowed) text += `${statLine(st)}\t${rel}\n`;
      this.record = text;
    }
    const text = this.record;
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, file);
  }
}

/**
 * Whether the kept dir `dir` of `diffIdHex` is still what its layer says: every
 * borrowed file has the inode and stat it had when it was linked. A dir without a
 * record borrowed nothing and is always intact. `suspects`: inodes of context files known
 * to have changed (the stat cache hashed them again), checked first: a dir that borrowed
 * one of them before an in-place edit is found stale after an lstat or two, not thousands.
 */
export function borrowedIntact(storeRoot: string, diffIdHex: string, dir: string, suspects?: ReadonlySet<number>): boolean {
  const record = borrowedRecord(storeRoot, diffIdHex);
  if (record === undefined) return false;
  const checked = new Set<string>();
  if (suspects !== undefined && suspects.size > 0) {
    for (const [rel, line] of record) {
      if (!suspects.has(Number(line.slice(0, line.indexOf('\t'))))) continue;
      if (!stillAsRecorded(dir, rel, line)) return false;
      checked.add(rel);
    }
  }
  for (const [rel, line] of record) if (!checked.has(rel) && !stillAsRecorded(dir, rel, line)) return false;
  return true;
}

function stillAsRecorded(dir: string, rel: string, line: string): boolean {
  let st: Stats | undefined;
  try {
    st = lstatSync(path.join(dir, rel), { throwIfNoEntry: false });
  } catch {
    return false; // e.g. ENOTDIR: not what was recorded
  }
  return st !== undefined && (st.isFile() || st.isSymbolicLink()) && statLine(st) === line;
}

/**
 * The record of the kept dir of `diffIdHex` as `rel -> stat line` (what each borrowed file
 * was when linked); undefined when it cannot be read or is damaged (nothing in that dir is
 * then trusted). A dir with no record borrowed nothing: an empty map.
 */
export function borrowedRecord(storeRoot: string, diffIdHex: string): Map<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(recordFile(storeRoot, diffIdHex), 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? new Map() : undefined;
  }
  const lines = text.split('\n');
  if (lines[0] !== HEADER) return undefined;
  const record = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const cut = nthTab(line, 7);
    if (cut < 0) return undefined;
    record.set(line.slice(cut + 1), line.slice(0, cut));
  }
  return record;
}

/** Whether `st` is the stat a record line (borrowedRecord's value) gives. */
export function statMatches(line: string, st: Stats): boolean {
  return statLine(st) === line;
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
