import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { SlipwayError } from '../errors.js';
import { sha256Digest, type Descriptor, type Digest, type ImageConfig, type Manifest } from '../oci/index.js';
import * as blobs from './blobs.js';
import type { BlobExpectation, BlobInfo, BlobSource } from './blobs.js';
import { cleanStaleTemps } from './fsutil.js';
import * as layers from './layers.js';
import { acquireLock, heldByOthers, withLock, type LockMode } from './locks.js';
import * as images from './images.js';
import type { ImageRecord } from './images.js';

/** `$SLIPWAY_ROOT`, else `/var/lib/slipway` for root, else `~/.local/share/slipway`. */
export function defaultStoreRoot(env: Record<string, string | undefined> = process.env): string {
  if (env.SLIPWAY_ROOT) return path.resolve(env.SLIPWAY_ROOT);
  if (process.getuid?.() === 0) return '/var/lib/slipway';
  const data = env.XDG_DATA_HOME || path.join(env.HOME || os.homedir(), '.local', 'share');
  return path.join(data, 'slipway');
}

export interface OpenStoreOptions {
  /** Store directory; default defaultStoreRoot(env). */
  root?: string;
  env?: Record<string, string | undefined>;
}

/**
 * The local content-addressed store. Layout under `root`:
 *   blobs/sha256/<hex>   every blob (layers, configs, manifests), named by digest
 *   refs.json            images kept and tags -> manifest digest (see refs.ts)
 *   layers/<hex>/        extracted filesystems by chain ID (see layers.ts)
 *   tmp/                 temp files and dirs, named with the writer's pid
 *   locks/               lock files (see locks.ts)
 * All methods are safe to call from several processes at once.
 */
export class Store {
  private constructor(readonly root: string) {}

  /**
   * Opens (creating if needed) the store at `root` and removes temp files left by
   * killed processes. Cheap; open once per command.
   */
  static async open(options: OpenStoreOptions = {}): Promise<Store> {
    const root = path.resolve(options.root ?? defaultStoreRoot(options.env));
    for (const d of ['blobs/sha256', 'layers', 'tmp', 'locks']) await fs.mkdir(path.join(root, d), { recursive: true, mode: 0o700 });
    await cleanStaleTemps(path.join(root, 'tmp'));
    return new Store(root);
  }

  // ---- blobs ----

  /** Path of a blob file; read-only access for callers that need a file (e.g. hardlinking into an archive). */
  blobPath(digest: Digest): string {
    return blobs.blobPath(this.root, digest);
  }

  async hasBlob(digest: Digest): Promise<boolean> {
    return (await blobs.statBlob(this.root, digest)) !== undefined;
  }

  /** Size of a stored blob, or undefined when absent. */
  statBlob(digest: Digest): Promise<BlobInfo | undefined> {
    return blobs.statBlob(this.root, digest);
  }

  /**
   * Streams a blob in verified form (errors STORE_BLOB_CORRUPT at the end if disk
   * content no longer matches). Throws STORE_BLOB_UNKNOWN when absent.
   */
  openBlob(digest: Digest, options: { verify?: boolean } = {}): Promise<Readable> {
    return blobs.openBlob(this.root, digest, options);
  }

  /** Whole blob in memory, verified; for manifests and configs. */
  readBlob(digest: Digest): Promise<Buffer> {
    return blobs.readBlob(this.root, digest);
  }

  /**
   * Stores a blob from a stream, verifying while streaming (see blobs.putBlob): with
   * `expected.digest`/`size` a mismatch throws STORE_DIGEST_MISMATCH/STORE_SIZE_MISMATCH
   * and stores nothing; without them the digest is computed and returned.
   * Atomic (temp + fsync + rename) and idempotent. Hold `lease()` across putting blobs and
   * `addImage`, so a concurrent prune cannot remove them in between.
   */
  putBlob(source: BlobSource, expected: BlobExpectation = {}): Promise<BlobInfo> {
    return blobs.putBlob(this.root, source, expected);
  }

  /** Stores in-memory bytes (a manifest or config) and returns its descriptor. */
  async putBytes(data: Uint8Array | string, mediaType: string, expected: BlobExpectation = {}): Promise<Descriptor> {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    // Already stored with these exact bytes (a cached rebuild's config and manifest): nothing
    // to write or sync. A stored copy that differs (damaged) is replaced as usual.
    const digest = sha256Digest(buf);
    if ((expected.digest === undefined || expected.digest === digest) && (expected.size === undefined || expected.size === buf.length)) {
      const have = await fs.readFile(this.blobPath(digest)).catch(() => undefined);
      if (have !== undefined && Buffer.compare(have, buf) === 0) return { mediaType, digest, size: buf.length };
    }
    const info = await blobs.putBlob(this.root, [buf], expected);
    return { mediaType, digest: info.digest, size: info.size };
  }

  /** Serialises `value` (JSON.stringify, no whitespace: the bytes are the identity) and stores it. */
  putJson(value: unknown, mediaType: string): Promise<Descriptor> {
    return this.putBytes(JSON.stringify(value), mediaType);
  }

  /** Reads, verifies and parses a JSON blob. */
  async readJson<T>(digest: Digest): Promise<T> {
    const data = await this.readBlob(digest);
    try {
      return JSON.parse(data.toString('utf8')) as T;
    } catch {
      throw new SlipwayError('STORE_BLOB_NOT_JSON', `blob ${digest} is not valid JSON`);
    }
  }

  deleteBlob(digest: Digest): Promise<boolean> {
    return blobs.deleteBlob(this.root, digest);
  }

  listBlobs(): AsyncGenerator<BlobInfo> {
    return blobs.listBlobs(this.root);
  }

  // ---- images and tags (see images.ts) ----

  getManifest(digest: Digest): Promise<Manifest> {
    return images.readManifest(this, digest);
  }

  getConfig(digest: Digest): Promise<ImageConfig> {
    return images.readConfig(this, digest);
  }

  /**
   * Records an image whose manifest, config and layer blobs are all stored (checked;
   * STORE_IMAGE_INCOMPLETE otherwise) and points `names` (any reference form,
   * normalised) at it, moving those tags from other images. Returns the record.
   */
  addImage(manifestDigest: Digest, names: readonly string[] = []): Promise<ImageRecord> {
    return images.addImage(this, manifestDigest, names);
  }

  /**
   * Finds an image by reference (`busybox`, `host:5000/a:b`), by manifest or config
   * digest (`sha256:...`, `name@sha256:...`), or by an unambiguous image ID prefix
   * (>= 4 hex digits). Throws STORE_IMAGE_UNKNOWN / STORE_IMAGE_AMBIGUOUS.
   */
  resolveImage(ref: string): Promise<ImageRecord> {
    return images.resolveImage(this, ref);
  }

  /** Every image, newest first, with its names. */
  listImages(): Promise<ImageRecord[]> {
    return images.listImages(this);
  }

  /** Points `target` at the image `source` names (like `docker tag`). */
  tag(source: string, target: string): Promise<ImageRecord> {
    return images.tagImage(this, source, target);
  }

  /**
   * `docker rmi`: a reference removes that tag (and the image when it was its last
   * name); an ID or digest removes the image with all its tags, which needs `force`
   * when it has more than one. Blobs stay until prune. Returns what was untagged/deleted.
   */
  removeImage(ref: string, options: { force?: boolean } = {}): Promise<{ untagged: string[]; deleted: Digest[] }> {
    return images.removeImage(this, ref, options);
  }

  // ---- extracted layers ----

  layerDirPath(chain: Digest): string {
    return layers.layerDirPath(this.root, chain);
  }

  hasLayerDir(chain: Digest): Promise<boolean> {
    return layers.hasLayerDir(this.root, chain);
  }

  /** The extracted dir for `chain`, populated by `populate(tmpDir)` when absent (atomic). */
  ensureLayerDir(chain: Digest, populate: (dir: string) => Promise<void>): Promise<string> {
    return layers.ensureLayerDir(this.root, chain, populate);
  }

  listLayerDirs(): Promise<Digest[]> {
    return layers.listLayerDirs(this.root);
  }

  removeLayerDir(chain: Digest): Promise<void> {
    return layers.removeLayerDir(this.root, chain);
  }

  // ---- locks ----

  /** Runs `fn` holding the named inter-process lock (see locks.ts). */
  withLock<T>(name: string, mode: LockMode, fn: () => Promise<T>): Promise<T> {
    return withLock(path.join(this.root, 'locks'), name, mode, fn);
  }

  /** Takes the named exclusive lock if nobody holds it; its release function, or undefined. */
  async tryLock(name: string): Promise<(() => Promise<void>) | undefined> {
    try {
      return await acquireLock(path.join(this.root, 'locks'), name, 'exclusive', 0);
    } catch (err) {
      if ((err as { code?: string }).code === 'STORE_LOCK_TIMEOUT') return undefined;
      throw err;
    }
  }

  /**
   * Holds the `gc` lock shared for the duration of `fn`: use around "put blobs, then
   * addImage" so prune (which takes it exclusive) never sees the blobs unreferenced.
   * Do not call prune inside a lease (it would wait for itself).
   */
  lease<T>(fn: () => Promise<T>): Promise<T> {
    return this.withLock('gc', 'shared', fn);
  }

  /**
   * Whether anything but the caller's own lease holds the `gc` lock: another build or pull
   * (in this process or another), or a prune. Call inside a lease.
   */
  leasedByOthers(): Promise<boolean> {
    return heldByOthers(path.join(this.root, 'locks'), 'gc');
  }

  /** Acquires a lock by hand; returns the release function. */
  acquireLock(name: string, mode: LockMode = 'exclusive', timeoutMs?: number): Promise<() => Promise<void>> {
    return acquireLock(path.join(this.root, 'locks'), name, mode, timeoutMs);
  }
}
