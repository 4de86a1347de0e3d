import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeLayerToStore } from '../image/layer-writer.js';
import { GZIP_LEVEL } from '../image/pgzip.js';
import type { LayerChange as ImageChange, LayerSource, MemberCache } from '../image/types.js';
import type { Xattrs } from '../image/xattr.js';
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

/** Applies image layers in order onto a directory (the store/image applier). */
export type ApplyLayers = (store: Store, layers: readonly FsLayer[], dir: string) => Promise<void>;

/** What a step's writer may say about the upper dir it wrote. */
export interface StepWritten {
  /** The upper dir's xattrs, read after the last write (absolute path -> attrs). */
  readonly xattrs?: ReadonlyMap<string, Xattrs>;
}

export class FsManager {
  private readonly diffsDir: string;
  private readonly tmpDir: string;
  /** Kept dirs checked against their borrowed-file record in this build (see borrow.ts). */
  private readonly checked = new Map<string, Promise<boolean>>();

  constructor(readonly store: Store, private readonly applyLayers: ApplyLayers) {
    this.diffsDir = path.join(store.root, 'build-diffs');
    this.tmpDir = path.join(store.root, 'build-tmp');
  }

  private diffDir(diffId: Digest): string {
    return path.join(this.diffsDir, digestHex(diffId));
  }

  /** The kept dir of a layer this builder made, if it is still there and intact. */
  async kept(diffId: Digest): Promise<string | undefined> {
    const dir = this.diffDir(diffId);
    return (await exists(dir)) && (await this.intact(diffId, dir)) ? dir : undefined;
  }

  /**
   * Whether a kept dir's borrowed context files are unchanged (once per build). One that
   * changed is moved to `build-trash/` (emptied by prune), so its layer comes from the
   * blob instead. It is not deleted now: unlinking its files would move the ctime of
   * every context file it shares, and the next build would read them all again.
   */
  private intact(diffId: Digest, dir: string): Promise<boolean> {
    let p = this.checked.get(diffId);
    if (p === undefined) {
      p = (async () => {
        if (await borrowedIntact(this.store.root, digestHex(diffId), dir)) return true;
        const trash = path.join(this.store.root, 'build-trash');
        await mkdir(trash, { recursive: true, mode: 0o700 });
        // The record stays: it goes with whatever dir is at this path (a dir placed later
        // writes its own; prune removes one whose dir is gone). If the move fails, the stale
        // dir stays and fails this check again.
        await rename(dir, path.join(trash, `${digestHex(diffId)}-${process.pid}-${randomBytes(6).toString('hex')}`)).catch(() => undefined);
        return false;
      })();
      this.checked.set(diffId, p);
    }
    return p;
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
  async lowers(fs: StageFs): Promise<string[]> {
    const dirs: string[] = [];
    let i = fs.layers.length;
    while (i > 0) {
      const d = await this.kept(fs.layers[i - 1]!.diffId);
      if (d === undefined) break;
      dirs.unshift(d);
      i--;
    }
    if (i > 0) {
      const below = fs.layers.slice(0, i);
      const chain = chainId(below.map((l) => l.diffId));
      dirs.unshift(await this.store.ensureLayerDir(chain, (dir) => this.applyLayers(this.store, below, dir)));
    }
    return dirs;
  }

  /**
   * Runs `fn` on a writable merged view of `fs` (overlay: lowers + a fresh upper), then
   * turns the upper dir into a layer in the store and keeps it as that layer's diff dir.
   * Returns undefined when the step changed nothing. `onlyAdds` skips the diff walk for
   * steps that never delete (the upper dir is then the layer as it is).
   */
  async step(fs: StageFs, fn: (merged: string, lowers: string[], upper: string, work: string) => Promise<void | StepWritten>, options: { epoch?: number; compression?: 'gzip' | 'none'; level?: number; mount?: boolean; onlyAdds?: boolean; members?: { cache?: MemberCache }; beforeKeep?: (diffIdHex: string) => Promise<void> }): Promise<FsLayer | undefined> {
    const lowers = await this.lowers(fs);
    const base = await this.scratch('step');
    const upper = path.join(base, 'upper');
    const work = path.join(base, 'work');
    const merged = path.join(base, 'merged');
    const empty = path.join(base, 'empty');
    await Promise.all([mkdir(upper), mkdir(work), mkdir(merged), mkdir(empty)]);
    let stuck = false;
    let kept = false;
    let written: void | StepWritten;
    try {
      if (options.mount === false) {
        written = await fn(merged, lowers, upper, work);
      } else if (lowers.length === 0) {
        // Nothing below (FROM scratch): write straight into the upper dir, no overlay needed.
        written = await fn(upper, lowers, upper, work);
      } else {
        await mountOverlay(merged, { lowerTopFirst: lowers.length > 0 ? [...lowers].reverse() : [empty], upper, work });
        try {
          written = await fn(merged, lowers, upper, work);
        } finally {
          await unmount(merged).catch((err: unknown) => { stuck = true; throw err; });
        }
      }
      let source: LayerSource;
      if (lowers.length === 0 || options.onlyAdds) {
        // With no lowers every entry of the upper dir is new: the layer is the whole tree. So it
        // is for steps that only create and overwrite (COPY, WORKDIR): what they replace is
        // always recreated at the same path, so the upper holds no bare whiteouts to translate.
        if ((await readdir(upper)).length === 0) return undefined;
        source = { type: 'tree', root: upper, ...(written?.xattrs ? { xattrs: written.xattrs } : {}) };
      } else {
        const changes: ImageChange[] = await diffUpper({ upperDir: upper, lowerDirs: lowers, stateDir: base });
        if (changes.length === 0) return undefined;
        source = { type: 'changes', root: upper, changes };
      }
      const result = await writeLayerToStore(this.store, source, {
        compression: options.compression ?? 'gzip',
        ...(options.level !== undefined ? { level: options.level } : {}),
        ...(options.members ? { members: options.members } : {}),
        ...(options.epoch !== undefined ? { sourceDateEpoch: options.epoch } : {}),
      });
      if (result.members) await saveMemberIndex(this.store.root, result.digest, options.level ?? GZIP_LEVEL, result.members);
      const keep = this.diffDir(result.diffId);
      if (!(await exists(keep))) {
        // What must describe the kept dir (its borrowed files) is in place before the dir is.
        await options.beforeKeep?.(digestHex(result.diffId));
        await mkdir(this.diffsDir, { recursive: true, mode: 0o700 });
        const placed = await rename(upper, keep).then(() => true, (err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
          return false;
        });
        // Made just now from what its record says: no need to check it again in this build.
        if (placed) {
          await options.beforeKeep?.(digestHex(result.diffId));
          this.checked.set(result.diffId, Promise.resolve(true));
        }
        kept = placed;
      }
      return { descriptor: { mediaType: result.mediaType, digest: result.digest, size: result.size }, diffId: result.diffId };
    } finally {
      // Never delete recursively through a mount that is still there: it would reach the lowers.
      // With the upper dir kept, what is left is a few empty dirs: a handful of rmdir calls,
      // cheaper done at once than as a thread-pool round trip each.
      if (!stuck) {
        if (kept) rmSync(base, { recursive: true, force: true });
        else await rm(base, { recursive: true, force: true });
      }
    }
  }

  /** A read-only view of `fs` for `fn` (COPY --from, RUN --mount=from, reading /etc/passwd). */
  async view<T>(fs: StageFs, fn: (root: string) => Promise<T>): Promise<T> {
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
