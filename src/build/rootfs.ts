import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeLayerToStore } from '../image/layer-writer.js';
import { GZIP_LEVEL } from '../image/pgzip.js';
import { prewarmTarWorker } from '../image/tar-offload.js';
import type { LayerChange as ImageChange, LayerSource, MemberCache } from '../image/types.js';
import { readXattrs, type Xattrs } from '../image/xattr.js';
import { chainId, digestHex, type Descriptor, type Digest } from '../oci/index.js';
import { diffUpper } from '../sandbox/index.js';
import { mountOverlay, unmount } from '../sandbox/overlay.js';
import type { Store } from '../store/index.js';
import { borrowedIntact } from './borrow.js';
import { saveMemberIndex } from './members.js';

/**
 * A stage's filesystem as a stack of directories usable as overlay lower dirs, kept
 * lazily: a fully cached build never extracts anything. Each executed step's overlay
 * upper dir is kept under `<root>/build-diffs/<diff_id>` and stacked on top; a layer
 * whose diff dir is gone (pruned, or only known from the cache index) is covered by
 * materialising the whole chain once through the store's extracted layer dirs.
 */

export interface FsLayer {
  readonly descriptor: Descriptor;
  readonly diffId: Digest;
}

export interface StageFs {
  readonly layers: readonly FsLayer[];
}

/**
 * A layer whose tree is complete on disk and whose blob is still being written: the next
 * step already stacks `tree` as a lower dir meanwhile (see FsManager.step).
 */
export interface PendingLayer {
  readonly tree: string;
  /** Resolves when nothing changes in `tree` any more: wait for it before stacking it. */
  readonly ready: Promise<void>;
  readonly done: Promise<FsLayer>;
}

/** A stage's filesystem while its steps run: the top layers may still be pending. */
export interface WorkingFs {
  readonly layers: readonly (FsLayer | PendingLayer)[];
}

export function isPending(layer: FsLayer | PendingLayer): layer is PendingLayer {
  return 'done' in layer;
}

/** What FsManager keeps about a pending layer until `settle` places its tree. */
interface Unsettled {
  readonly done: Promise<FsLayer>;
  readonly upper: string;
  readonly base: string;
  readonly beforeKeep: ((diffIdHex: string) => Promise<void>) | undefined;
}

/** Applies image layers in order onto a directory (the store/image applier). */
export type ApplyLayers = (store: Store, layers: readonly FsLayer[], dir: string) => Promise<void>;

/** What a step's writer may say about the upper dir it wrote. */
export interface StepWritten {
  /**
   * The upper dir's xattrs, read after the last write (absolute path -> attrs). A promise
   * means the writer is still finishing the tree (borrow.ts settle): the tree is final
   * when it resolves, and undefined then means the layer writer reads them itself.
   */
  readonly xattrs?: ReadonlyMap<string, Xattrs> | Promise<ReadonlyMap<string, Xattrs> | undefined>;
}

export class FsManager {
  private readonly diffsDir: string;
  private readonly tmpDir: string;
  /** Kept dirs checked against their borrowed-file record in this build (see borrow.ts). */
  private readonly checked = new Map<string, boolean>();
  /** Pending layers by tree, until `settle` or `drain`. */
  private readonly unsettled = new Map<string, Unsettled>();
  /** Where this build set aside stale kept dirs (diff_id -> build-trash path), for takeStale. */
  private readonly setAside = new Map<string, string>();

  constructor(readonly store: Store, private readonly applyLayers: ApplyLayers) {
    this.diffsDir = path.join(store.root, 'build-diffs');
    this.tmpDir = path.join(store.root, 'build-tmp');
  }

  private diffDir(diffId: Digest): string {
    return path.join(this.diffsDir, digestHex(diffId));
  }

  /**
   * The kept dir of a layer this builder made, if it is still there and intact: its
   * borrowed context files unchanged (checked once per build, an lstat per file). One that
   * changed is moved to `build-trash/` (emptied by prune), so its layer comes from the
   * blob instead. It is not deleted now: unlinking its files would move the ctime of
   * every context file it shares, and the next build would read them all again. Its
   * record stays: it goes with whatever dir is at this path (a dir placed later writes its
   * own; prune removes one whose dir is gone). Synchronous, as a COPY may ask mid-copy.
   * `suspects`: inodes of context files known to have changed, checked first (borrowedIntact).
   */
  kept(diffId: Digest, suspects?: ReadonlySet<number>): string | undefined {
    const dir = this.diffDir(diffId);
    if (!existsSync(dir)) return undefined;
    let ok = this.checked.get(diffId);
    if (ok === undefined) {
      ok = borrowedIntact(this.store.root, digestHex(diffId), dir, suspects);
      if (!ok) {
        const to = this.toTrash(dir, digestHex(diffId));
        if (to !== undefined) this.setAside.set(diffId, to);
      }
      this.checked.set(diffId, ok);
    }
    return ok ? dir : undefined;
  }

  /**
   * The kept dir of `diffId` when it is stale (see kept), already in `build-trash/`, for a
   * COPY re-run to update in place (CopyReuse.adopt) instead of linking every file anew;
   * given out once. Undefined when the dir is intact (it stays the layer's), absent, or taken.
   */
  takeStale(diffId: Digest, suspects?: ReadonlySet<number>): string | undefined {
    this.kept(diffId, suspects);
    const dir = this.setAside.get(diffId);
    this.setAside.delete(diffId);
    return dir;
  }

  /** A fresh scratch directory on the store's filesystem (overlay needs upper and work together). */
  async scratch(prefix: string): Promise<string> {
    await mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
    const dir = path.join(this.tmpDir, `${prefix}-${process.pid}-${randomBytes(6).toString('hex')}`);
    await mkdir(dir, { mode: 0o755 });
    return dir;
  }

  /**
   * Lower dirs for `fs`, bottom first. Uses kept diff dirs from the top down as far as
   * they reach; the rest below is one extracted chain dir from the store.
   */
  async lowers(fs: WorkingFs): Promise<string[]> {
    const dirs: string[] = [];
    let i = fs.layers.length;
    while (i > 0) {
      const top = fs.layers[i - 1]!;
      if (isPending(top)) await top.ready;
      const d = isPending(top) ? top.tree : this.kept(top.diffId);
      if (d === undefined) break;
      dirs.unshift(d);
      i--;
    }
    if (i > 0) {
      // Pending layers sit on top of a stage, above any layer without a kept dir: rare.
      const below = await Promise.all(fs.layers.slice(0, i).map((l) => (isPending(l) ? l.done : l)));
      const chain = chainId(below.map((l) => l.diffId));
      dirs.unshift(await this.store.ensureLayerDir(chain, (dir) => this.applyLayers(this.store, below, dir)));
    }
    return dirs;
  }

  /**
   * Runs `fn` on a writable merged view of `fs` (overlay: lowers + a fresh upper). The
   * upper dir becomes the step's layer: returned as soon as it is complete, as a pending
   * layer whose blob is written into the store in the background, so that the next step
   * (a RUN, most often) runs meanwhile on top of it. `after` runs once the blob is stored
   * (cache records). `settle` later moves the tree to its kept place. Returns undefined
   * when the step changed nothing. `onlyAdds` skips the diff walk for steps that never
   * delete (the upper dir is then the layer as it is).
   */
  async step(fs: WorkingFs, fn: (merged: string, lowers: string[], upper: string, work: string) => Promise<void | StepWritten>, options: { epoch?: number; compression?: 'gzip' | 'none'; level?: number; mount?: boolean; onlyAdds?: boolean; members?: { cache?: MemberCache }; beforeKeep?: (diffIdHex: string) => Promise<void>; after?: (layer: FsLayer) => Promise<void> }): Promise<PendingLayer | undefined> {
    // This step makes a layer: the thread that builds big tars starts while the step runs.
    prewarmTarWorker();
    const lowers = await this.lowers(fs);
    const base = await this.scratch('step');
    const upper = path.join(base, 'upper');
    const work = path.join(base, 'work');
    const merged = path.join(base, 'merged');
    const empty = path.join(base, 'empty');
    await Promise.all([mkdir(upper), mkdir(work), mkdir(merged), mkdir(empty)]);
    let stuck = false;
    let handedOver = false;
    let written: void | StepWritten;
    // A writer still finishing the tree (xattrs as a promise) is observed at once: a failed
    // unmount below must not leave its rejection unhandled.
    const write = async (root: string): Promise<void | StepWritten> => {
      const w = await fn(root, lowers, upper, work);
      if (w?.xattrs instanceof Promise) w.xattrs.catch(() => undefined);
      return w;
    };
    try {
      if (options.mount === false) {
        written = await write(merged);
      } else if (lowers.length === 0) {
        // Nothing below (FROM scratch): write straight into the upper dir, no overlay needed.
        written = await write(upper);
      } else {
        await mountOverlay(merged, { lowerTopFirst: lowers.length > 0 ? [...lowers].reverse() : [empty], upper, work });
        try {
          written = await write(merged);
        } finally {
          await unmount(merged).catch((err: unknown) => { stuck = true; throw err; });
        }
      }
      // The writer may still be finishing the tree (its xattrs then come as a promise): the
      // layer's walk overlaps that, the next step waits for it (PendingLayer.ready).
      const finishing = Promise.resolve(written?.xattrs);
      finishing.catch(() => undefined);
      const ready = finishing.then(() => undefined);
      ready.catch(() => undefined);
      let source: LayerSource;
      if (lowers.length === 0 || options.onlyAdds) {
        // With no lowers every entry of the upper dir is new: the layer is the whole tree. So it
        // is for steps that only create and overwrite (COPY, WORKDIR): what they replace is
        // always recreated at the same path, so the upper holds no bare whiteouts to translate.
        if ((await readdir(upper)).length === 0) {
          await finishing;
          return undefined;
        }
        const known = written?.xattrs instanceof Promise ? finishing.then((x) => x ?? readXattrs([upper], true)) : written?.xattrs;
        source = { type: 'tree', root: upper, ...(known ? { xattrs: known } : {}) };
      } else {
        await finishing;
        const changes: ImageChange[] = await diffUpper({ upperDir: upper, lowerDirs: lowers, stateDir: base });
        if (changes.length === 0) return undefined;
        source = { type: 'changes', root: upper, changes };
      }
      const done = (async (): Promise<FsLayer> => {
        const result = await writeLayerToStore(this.store, source, {
          compression: options.compression ?? 'gzip',
          ...(options.level !== undefined ? { level: options.level } : {}),
          ...(options.members ? { members: options.members } : {}),
          ...(options.epoch !== undefined ? { sourceDateEpoch: options.epoch } : {}),
        });
        if (result.members) await saveMemberIndex(this.store.root, result.digest, options.level ?? GZIP_LEVEL, result.members);
        const layer = { descriptor: { mediaType: result.mediaType, digest: result.digest, size: result.size }, diffId: result.diffId };
        await options.after?.(layer);
        return layer;
      })();
      done.catch(() => undefined);
      this.unsettled.set(upper, { done, upper, base, beforeKeep: options.beforeKeep });
      handedOver = true;
      return { tree: upper, ready, done };
    } finally {
      // Never delete recursively through a mount that is still there: it would reach the lowers.
      if (!stuck && !handedOver) await rm(base, { recursive: true, force: true });
    }
  }

  /**
   * Waits for a stage's pending layers and moves each tree to its kept place (nothing has
   * it mounted any more once the stage's steps are done). The first failure is thrown
   * after every tree was dealt with.
   */
  async settle(fs: WorkingFs): Promise<StageFs> {
    const outcomes = await Promise.allSettled(fs.layers.map(async (l) => (isPending(l) ? this.place(l.tree) : l)));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    return { layers: outcomes.map((o) => (o as PromiseFulfilledResult<FsLayer>).value) };
  }

  /** Settles whatever a failed build left pending: their blobs finish, their trees go. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.unsettled.keys()].map((tree) => this.place(tree)));
  }

  /**
   * Drops a tree that a kept dir already holds (a --no-cache rebuild makes the same layer
   * again): it moves to `build-trash/` at once, and a detached `rm -rf` deletes it after
   * this process has gone on (a big COPY's tree is thousands of unlinks). Prune empties
   * whatever is left.
   */
  private discard(tree: string): void {
    const to = this.toTrash(tree, 'dup');
    if (to === undefined) return; // Left in the scratch dir, removed with it.
    const rm = spawn('rm', ['-rf', '--', to], { detached: true, stdio: 'ignore' });
    rm.on('error', () => undefined);
    rm.unref();
  }

  /**
   * Moves `dir` into `build-trash/` (emptied by prune) under `<prefix>-<pid>-<random>`;
   * undefined if it could not (a stale kept dir then stays, and fails its check again).
   */
  private toTrash(dir: string, prefix: string): string | undefined {
    const trash = path.join(this.store.root, 'build-trash');
    const to = path.join(trash, `${prefix}-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      mkdirSync(trash, { recursive: true, mode: 0o700 });
      renameSync(dir, to);
      return to;
    } catch {
      return undefined;
    }
  }

  private async place(tree: string): Promise<FsLayer> {
    const u = this.unsettled.get(tree);
    if (u === undefined) throw new Error(`no pending layer at ${tree}`);
    this.unsettled.delete(tree);
    let kept = false;
    try {
      const layer = await u.done;
      const keep = this.diffDir(layer.diffId);
      if (!(await exists(keep))) {
        // What must describe the kept dir (its borrowed files) is in place before the dir is.
        await u.beforeKeep?.(digestHex(layer.diffId));
        await mkdir(this.diffsDir, { recursive: true, mode: 0o700 });
        const placed = await rename(u.upper, keep).then(() => true, (err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
          return false;
        });
        // Made just now from what its record says: no need to check it again in this build.
        if (placed) {
          await u.beforeKeep?.(digestHex(layer.diffId));
          this.checked.set(layer.diffId, true);
        }
        kept = placed;
      }
      if (!kept) this.discard(u.upper);
      return layer;
    } finally {
      // With the upper dir kept, what is left is a few empty dirs: a handful of rmdir calls,
      // cheaper done at once than as a thread-pool round trip each.
      if (kept) rmSync(u.base, { recursive: true, force: true });
      else await rm(u.base, { recursive: true, force: true });
    }
  }

  /** A read-only view of `fs` for `fn` (COPY --from, RUN --mount=from, reading /etc/passwd). */
  async view<T>(fs: WorkingFs, fn: (root: string) => Promise<T>): Promise<T> {
    const lowers = await this.lowers(fs);
    if (lowers.length === 1) return fn(lowers[0]!);
    const base = await this.scratch('view');
    let stuck = false;
    try {
      if (lowers.length === 0) return await fn(base);
      const merged = path.join(base, 'merged');
      await mkdir(merged);
      await mountOverlay(merged, { lowerTopFirst: [...lowers].reverse() });
      try {
        return await fn(merged);
      } finally {
        await unmount(merged).catch((err: unknown) => { stuck = true; throw err; });
      }
    } finally {
      if (!stuck) await rm(base, { recursive: true, force: true });
    }
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
