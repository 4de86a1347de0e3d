import type { Xattrs } from './xattr.js';
import type { Digest } from '../oci/index.js';

/**
 * One change in a layer, relative to the layer's source root. The builder produces
 * these from an overlayfs upper dir (an overlay whiteout char device 0:0 becomes
 * `whiteout`; a dir with `trusted.overlay.opaque=y` becomes `add` + `opaque`).
 * The writer sorts them canonically; the order given does not matter.
 */
export type LayerChange =
  /** Take `path` from disk (lstat under the source root): file, dir, symlink, device,
   * fifo, with its mode, owner, mtime and xattrs. Not recursive: a new directory's
   * children must be listed too. Optional overrides replace what is on disk
   * (COPY --chown/--chmod). Sockets are skipped. */
  | { readonly type: 'add'; readonly path: string; readonly uid?: number; readonly gid?: number; readonly mode?: number }
  /** `path` was deleted: written as `<dir>/.wh.<name>`. */
  | { readonly type: 'whiteout'; readonly path: string }
  /** The directory `path` replaces the lower one's content: `<path>/.wh..wh..opq`. */
  | { readonly type: 'opaque'; readonly path: string };

/** What a layer is written from. */
export type LayerSource =
  /** Everything under `root` (the root dir itself is not an entry). */
  | {
    readonly type: 'tree';
    readonly root: string;
    /**
     * The tree's xattrs when the caller already reads them (absolute path -> attrs; a path
     * not in it has none). A promise is awaited after the walk, which it may overlap.
     */
    readonly xattrs?: ReadonlyMap<string, Xattrs> | Promise<ReadonlyMap<string, Xattrs>>;
  }
  /** Only the listed changes, read from `root`. */
  | { readonly type: 'changes'; readonly root: string; readonly changes: Iterable<LayerChange> };

export interface LayerWriteOptions {
  /** Default 'gzip'. */
  readonly compression?: 'gzip' | 'none';
  /** Deflate level 0-9 for gzip; default GZIP_LEVEL. */
  readonly level?: number;
  /** Clamp every mtime to at most this (seconds since epoch), as SOURCE_DATE_EPOCH asks. */
  readonly sourceDateEpoch?: number;
  /** Parallel gzip workers; default: number of CPUs (max 4). 1 = single-member gzip. */
  readonly workers?: number;
  /** gzip only: list the members in LayerResult.members, and take those `cache` has. */
  readonly members?: { readonly cache?: MemberCache };
}

/**
 * Compressed gzip members known from earlier blobs, by the sha256 (hex) of their tar
 * bytes. Must give exactly what deflating those bytes at this level gives (members
 * are independent and sit at fixed tar offsets, so reuse keeps the blob identical).
 */
export interface MemberCache {
  /** The compressed member and its sha256 (hex), checked when read back. */
  get(sha: string): Promise<{ member: Buffer; compressedSha: string } | undefined>;
}

/** One gzip member of a blob: sha256 (hex) of its tar bytes, compressed size and sha256. */
export interface MemberRecord {
  readonly sha: string;
  readonly size: number;
  readonly compressedSha: string;
}

/** What writing a layer produced. */
export interface LayerResult {
  /** sha256 of the uncompressed tar (goes in config rootfs.diff_ids). */
  readonly diffId: Digest;
  /** sha256 of the blob as stored (compressed) (goes in the manifest). */
  readonly digest: Digest;
  /** Size of the stored blob in bytes. */
  readonly size: number;
  /** Size of the uncompressed tar. */
  readonly uncompressedSize: number;
  /** OCI layer media type matching the compression. */
  readonly mediaType: string;
  /** Number of tar entries written. */
  readonly entries: number;
  /** The gzip members in order, when LayerWriteOptions.members asked for them. */
  readonly members?: readonly MemberRecord[];
}

/** Options of the applier (extracting layers onto a directory). */
export interface ApplyOptions {
  /** Restore uid/gid (default: when running as root). */
  readonly preserveOwner?: boolean;
  /** Restore xattrs other than security.* (default true as root). */
  readonly xattrs?: boolean;
}

export interface ApplyResult {
  readonly diffId: Digest;
  readonly entries: number;
}
