import { chmodSync, lchownSync, lstatSync, lutimesSync, mkdirSync, readdirSync, readlinkSync, rmdirSync, rmSync, statSync, symlinkSync, utimesSync, type Stats } from 'node:fs';
import path from 'node:path';
import { resolveInRoot } from '../context/rootpath.js';
import { SlipwayError } from '../errors.js';
import type { CopyItem } from './copyplan.js';
import type { Borrower } from './borrow.js';
import { copyFileAs, ensureDir, excludeMatcher, mkdirInRoot, SELF_GID, SELF_UID } from './copyfs.js';
import type { CopyReuse } from './copyreuse.js';
import type { Owner } from './passwd.js';

/**
 * Carries out a planned COPY/ADD: files from a source root (the context, or another
 * stage's filesystem) into the target root (the step's merged overlay view). Source
 * paths resolve inside the source root and destination paths inside the target root,
 * symlinks included, so nothing is read or written outside either.
 */

export interface CopyExecOptions {
  readonly sourceRoot: string;
  readonly targetRoot: string;
  readonly items: readonly CopyItem[];
  /** `--chown`; otherwise `preserveOwner` keeps the source's (COPY --from) or uses 0:0 (context). */
  readonly owner?: Owner;
  readonly preserveOwner: boolean;
  readonly chmod?: (mode: number, isDir: boolean) => number;
  /** `--exclude` patterns, matched against paths relative to each copied source. */
  readonly exclude?: readonly string[];
  /** ADD: extracts a local archive into a directory of the target. */
  readonly extract?: (archive: string, destDir: string, owner: Owner | undefined) => Promise<void>;
  /** .dockerignore of the context (context only), for paths relative to the source root. */
  readonly ignore?: { isExcluded(rel: string): boolean; mayIncludeBelow(rel: string): boolean };
  /** Times for created parent directories (SOURCE_DATE_EPOCH), seconds. */
  readonly createdTime?: number;
  /**
   * The overlay upper dir behind `targetRoot` (a merged mount). A directory this copy
   * creates is new in the upper dir and absent from every lower, so its contents are
   * written into the upper dir directly: writing through overlayfs costs about twice as
   * much. Only for a copy that is the step's sole writer (one item, nothing after it),
   * so the mount never looks up what was written behind its back.
   */
  readonly upper?: { readonly merged: string; readonly dir: string };
  /** Links unchanged files from the previous run of this COPY (files written into `upper` only). */
  readonly reuse?: CopyReuse;
  /** Links context files that need no change instead of copying them (into `upper` only; borrow.ts). */
  readonly borrow?: Borrower;
}

/** Yields to the event loop now and then, so timers (progress) keep running during a long copy. */
function yielder(every: number): () => Promise<void> | undefined {
  let n = 0;
  return () => (++n % every === 0 ? new Promise<void>((r) => setImmediate(r)) : undefined);
}

export async function executeCopy(o: CopyExecOptions): Promise<void> {
  const excluded = excludeMatcher(o.exclude ?? []);
  const time = o.createdTime;
  const pause = yielder(256);
  const upper = o.upper;
  // Where to write the contents of a directory just created at `dst` (see `upper`).
  const inside = (dst: string): string => (upper && dst.startsWith(`${upper.merged}/`) ? upper.dir + dst.slice(upper.merged.length) : dst);

  // Links into new directories are made on another thread meanwhile (Borrower.linkLater);
  // directory times are then set once they are all made (a link moves its directory's mtime).
  const deferring = o.borrow?.defers === true;
  const dirTimes: [string, Date, Date][] = [];

  const ownerOf = (st: Stats): Owner => o.owner ?? (o.preserveOwner ? { uid: st.uid, gid: st.gid } : { uid: 0, gid: 0 });
  const modeOf = (st: Stats): number => (o.chmod ? o.chmod(st.mode & 0o7777, st.isDirectory()) : st.mode & 0o7777);

  /*
   * The copy itself is synchronous: on a page-cache-warm context (the usual case) each
   * file is a handful of short syscalls, and a thread-pool round trip per syscall cost
   * several times more than the syscall. `fresh` says the destination directory was just
   * created, so nothing in it needs checking or replacing. `adopted` says it is part of
   * the previous run's tree taken over (CopyReuse.adopt): what is right in it stays, and
   * what the source no longer has goes.
   */
  const copyEntry = async (src: string, dst: string, rel: string, follow: boolean, rootRel: string, fresh: boolean, ignored = false, adopted = false): Promise<void> => {
    const st = follow ? statSync(src) : lstatSync(src);
    if (!st.isDirectory()) {
      if (!ignored) copyLeaf(src, dst, st, fresh, follow, adopted);
      // What .dockerignore now leaves out goes from an adopted tree (an exception pattern
      // below its name made it a candidate).
      else if (adopted) removeAdopted(dst);
      return;
    }
    let existing = fresh ? undefined : lstatSync(dst, { throwIfNoEntry: false });
    // An adopted directory that .dockerignore leaves out but for some exception is made
    // afresh: it then holds only what the exceptions bring back.
    if (existing && (!existing.isDirectory() || (adopted && ignored))) {
      if (adopted) removeAdopted(dst);
      else rmSync(dst, { recursive: true, force: true });
      existing = undefined;
    }
    const created = existing === undefined;
    if (created) mkdirSync(dst);
    const into = created ? inside(dst) : dst;
    await copyChildren(src, into, rel, rootRel, created, adopted && !created);
    // An ignored directory is there only as the parent of what an exception re-includes.
    if (ignored && created && deferring) await o.borrow!.flushLinks();
    if (ignored && created && readdirSync(into).length === 0) {
      rmdirSync(dst);
      return;
    }
    const own = ownerOf(st);
    if (own.uid !== SELF_UID || own.gid !== SELF_GID || !created) lchownSync(dst, own.uid, own.gid);
    // After chown, which clears set-id bits.
    chmodSync(dst, modeOf(st));
    if (deferring) dirTimes.push([dst, st.atime, st.mtime]);
    else utimesSync(dst, st.atime, st.mtime);
  };

  const copyLeaf = (src: string, dst: string, st: Stats, fresh: boolean, followed: boolean, adopted: boolean): void => {
    const own = ownerOf(st);
    const layerRel = upper !== undefined && dst.startsWith(`${upper.dir}/`) ? dst.slice(upper.dir.length + 1) : undefined;
    const borrow = layerRel !== undefined ? o.borrow : undefined;
    const reuse = layerRel !== undefined ? o.reuse : undefined;
    const mode = modeOf(st);
    // The context file comes out as it is (same mode and owner): it is linked, not copied. A
    // symlink's target never changes in place, so one with the wanted owner is linked too
    // (link() links the symlink itself; so a followed top-level symlink is not linked).
    const asIs = own.uid === st.uid && own.gid === st.gid && (st.isSymbolicLink() || (!followed && mode === (st.mode & 0o7777)));
    // Noted for the next run's record before anything links the file (that moves its ctime).
    const digest = st.isFile() ? reuse?.note(layerRel!, src, st) : undefined;
    if (!fresh) {
      const existing = lstatSync(dst, { throwIfNoEntry: false });
      if (existing) {
        if (adopted && stays(layerRel, src, st, existing, asIs, digest, mode, own)) return;
        if (adopted) removeAdopted(dst);
        else rmSync(dst, { recursive: true, force: true });
      }
    }
    if (st.isSymbolicLink()) {
      const recreate = () => {
        symlinkSync(readlinkSync(src), dst);
        lchownSync(dst, own.uid, own.gid);
        lutimesSync(dst, st.atime, st.mtime);
      };
      if (borrow && asIs && (fresh ? borrow.linkLater(src, st, dst, layerRel!, recreate) : borrow.link(src, st, dst, layerRel!))) return;
      recreate();
      return;
    }
    if (!st.isFile()) return; // sockets, fifos and devices are not copied from a context
    // The context file itself first; then the last run's file, which needs that run's kept
    // dir checked first. Into a new directory, nothing else is there to link: the link is
    // made on another thread, or else the file is copied.
    if (borrow && asIs && fresh && borrow.linkLater(src, st, dst, layerRel!, () => copyFileAs(src, dst, st, mode, own, o.chmod !== undefined))) return;
    if (borrow && asIs && !fresh && borrow.link(src, st, dst, layerRel!)) return;
    if (digest !== undefined) {
      let sameInode = false;
      const claim = borrow ? (c: Stats) => { sameInode = c.ino === st.ino && c.dev === st.dev; return borrow.claim(layerRel!, src, c); } : undefined;
      if (reuse!.linkPrevious(layerRel!, digest, st, dst, mode, own, claim)) {
        // The record takes the inode's stat after the link; when it is the context file's own
        // inode (linked last time), the stat cache learns its ctime moved.
        borrow?.linked(layerRel!, dst, sameInode ? st : undefined);
        return;
      }
      borrow?.release(layerRel!);
    }
    copyFileAs(src, dst, st, mode, own, o.chmod !== undefined);
  };

  /**
   * Removes an entry of an adopted tree. Its inode may be a context file linked elsewhere in
   * this copy already, whose ctime the unlink moves: noted, so the borrowed files are stat'd
   * again at the end (Borrower.restat).
   */
  let removedFromAdopted = false;
  const removeAdopted = (dst: string): void => {
    removedFromAdopted = true;
    rmSync(dst, { recursive: true, force: true });
  };

  /**
   * Whether `existing`, the adopted tree's entry at `layerRel`, already is what this copy
   * makes of `src`: the context file's own inode where it would be linked now, or the last
   * run's file where it has the content, mode, owner, size and mtime wanted.
   */
  const stays = (layerRel: string | undefined, src: string, st: Stats, existing: Stats, asIs: boolean, digest: string | undefined, mode: number, own: Owner): boolean => {
    if (layerRel === undefined) return false;
    const borrow = o.borrow;
    if (existing.ino === st.ino && existing.dev === st.dev) {
      if (!asIs || !borrow?.claim(layerRel, src, st)) return false;
    } else {
      if (digest === undefined || o.reuse?.stays(layerRel, digest, st, existing, mode, own) !== true) return false;
      if (borrow && !borrow.claim(layerRel, src, existing)) return false;
    }
    borrow?.stayed(layerRel, existing);
    return true;
  };

  const copyChildren = async (srcDir: string, dstDir: string, relDir: string, rootRelDir: string, fresh: boolean, adopted = false): Promise<void> => {
    const todo: { name: string; ignored: boolean }[] = [];
    for (const name of readdirSync(srcDir).sort()) {
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      const rootRel = rootRelDir === '' ? name : `${rootRelDir}/${name}`;
      if (excluded(rel)) continue;
      // Docker: an excluded directory is still walked when an exception may re-include something below it.
      const ignored = o.ignore?.isExcluded(rootRel) ?? false;
      if (ignored && !o.ignore!.mayIncludeBelow(rootRel)) continue;
      todo.push({ name, ignored });
    }
    if (adopted) {
      // What the source no longer has goes first: a context file it shares an inode with
      // (moved elsewhere in the context) then mostly has its ctime moved before it is linked
      // anew; a move into a directory copied earlier is caught by the restat at the end.
      const wanted = new Set(todo.map((t) => t.name));
      for (const name of readdirSync(dstDir)) if (!wanted.has(name)) removeAdopted(`${dstDir}/${name}`);
    }
    for (const { name, ignored } of todo) {
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      const rootRel = rootRelDir === '' ? name : `${rootRelDir}/${name}`;
      await copyEntry(`${srcDir}/${name}`, `${dstDir}/${name}`, rel, false, rootRel, fresh, ignored, adopted);
      await pause();
    }
  };

  try {
    await copyItems();
  } finally {
    // Also after a failure: no link may still be landing in a tree about to be removed.
    if (deferring) await o.borrow!.flushLinks();
  }
  for (const [dir, atime, mtime] of dirTimes) utimesSync(dir, atime, mtime);

  async function copyItems(): Promise<void> {
    for (const item of o.items) {
      const src = await resolveInRoot(o.sourceRoot, item.from);
      // .dockerignore sees where the source really is: through a symlinked directory
      // (`COPY dlink/ ...` with dlink -> real) the files are real/..., as BuildKit's
      // context transfer (which never sends an excluded real/...) has them.
      const realRel = path.relative(o.sourceRoot, src);
      switch (item.type) {
        case 'contents': {
          const { host: dst, created } = await ensureDir(o.targetRoot, item.to, o.owner, time);
          const into = created ? inside(dst) : dst;
          // The previous run's tree for this directory, when it is there to be taken over.
          // It replaces the empty directory just made (in the upper dir only: the merged view is
          // not used for it again), which is then made again as ensureDir made it.
          const adopted = created && upper !== undefined && into.startsWith(`${upper.dir}/`) && ((await o.reuse?.adopt(into.slice(upper.dir.length + 1), into)) ?? false);
          if (adopted) {
            const own = o.owner ?? { uid: SELF_UID, gid: SELF_GID };
            lchownSync(into, own.uid, own.gid);
            chmodSync(into, 0o755);
          }
          await copyChildren(src, into, '', realRel, created && !adopted, adopted);
          if (adopted) {
            const t = time ?? Date.now() / 1000;
            utimesSync(into, t, t);
            if (removedFromAdopted) {
              // Every link answered first: a late answer would put back a stat from before an unlink.
              if (deferring) await o.borrow!.flushLinks();
              o.borrow?.restat(upper!.dir);
            }
          }
          break;
        }
        case 'file': {
          if (excluded(path.posix.basename(item.from))) break;
          await mkdirInRoot(o.targetRoot, path.posix.dirname(item.to), o.owner, time);
          const dst = await resolveInRoot(o.targetRoot, item.to, false);
          // A top-level symlink source is followed (BuildKit's FollowSymlinks), inside the source root.
          await copyEntry(src, dst, path.posix.basename(item.from), true, item.from, false);
          break;
        }
        case 'extract': {
          if (!o.extract) throw new SlipwayError('BUILD_INTERNAL', 'no archive extractor');
          const dst = await mkdirInRoot(o.targetRoot, item.to, o.owner, time);
          await o.extract(src, dst, o.owner);
          break;
        }
        default: {
          const never: never = item;
          throw new Error(`unhandled copy item ${JSON.stringify(never)}`);
        }
      }
    }
  }
}
