import os from 'node:os';
import path from 'node:path';
import { Digester, MediaType } from '../oci/index.js';
import type { Store } from '../store/index.js';
import { parallelGzip } from './pgzip.js';
import { layerMembers, recycleMember, treeMembers, type TarDigest } from './tar-offload.js';
import { tarMembers } from './tar-writer.js';
import type { LayerResult, LayerSource, LayerWriteOptions, MemberRecord } from './types.js';
import { planEntries } from './walk.js';
import { readXattrs } from './xattr.js';

/**
 * A layer being written: `stream` yields the blob bytes (compressed or not);
 * `result` resolves once the stream is fully consumed, with the diff_id (sha256 of
 * the tar, hashed as it was produced) and the blob digest (hashed as it was yielded):
 * one pass, nothing buffered beyond a few MiB.
 */
export interface LayerStream {
  stream: AsyncGenerator<Buffer>;
  result: Promise<LayerResult>;
}

export function defaultWorkers(): number {
  return Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
}

/**
 * Writes the layer for `source` canonically (see planEntries for the order and
 * normalisation; uname/gname always empty; mtimes clamped to `sourceDateEpoch`).
 * Same tree + same SOURCE_DATE_EPOCH -> byte-identical tar and blob.
 */
export async function createLayerStream(source: LayerSource, options: LayerWriteOptions = {}): Promise<LayerStream> {
  return layerStream(source, options, true);
}

/** `hashBlob` false: the consumer hashes the blob itself (the store does), and `result` has no blob digest. */
async function layerStream(source: LayerSource, options: LayerWriteOptions, hashBlob: boolean): Promise<LayerStream> {
  if (source.type === 'tree' && (options.compression ?? 'gzip') === 'gzip') {
    // Planned on the tar worker as it writes (treeMembers); the xattrs are read first.
    const root = path.resolve(source.root);
    const xattrs = await (source.xattrs ?? readXattrs([root], true));
    const count: { entries?: number } = {};
    const job = { root, clamp: options.sourceDateEpoch, xattrs };
    const none = (): AsyncIterable<Buffer> => { throw new Error('unreachable: gzip'); };
    return streamOf({ gzip: (shas, tar) => treeMembers(job, shas, tar, count), plain: none, count: () => count.entries ?? 0 }, options, hashBlob);
  }
  const entries = await planEntries(source, options.sourceDateEpoch);
  return streamOf({ gzip: (shas, tar) => layerMembers(entries, shas, tar), plain: () => tarMembers(entries), count: () => entries.length }, options, hashBlob);
}

/** Where a layer's tar comes from: members for gzip (their tar hashed into `tar`), or plain; its entry count once written. */
interface TarSource {
  gzip(shas: WeakMap<Buffer, string> | undefined, tar: TarDigest): AsyncIterable<Buffer>;
  plain(): AsyncIterable<Buffer>;
  count(): number;
}

function streamOf(from: TarSource, options: LayerWriteOptions, hashBlob: boolean): LayerStream {
  const compression = options.compression ?? 'gzip';
  const diff = new Digester();
  const blob = new Digester();
  let resolveResult!: (r: LayerResult) => void;
  let rejectResult!: (e: unknown) => void;
  const result = new Promise<LayerResult>((res, rej) => { resolveResult = res; rejectResult = rej; });
  result.catch(() => undefined);
  const shas = options.members && compression === 'gzip' ? new WeakMap<Buffer, string>() : undefined;
  // Gzip: layerMembers hashes the tar (on the worker, for a big layer).
  const tar: TarDigest = {};
  async function* tarBytes(): AsyncGenerator<Buffer> {
    if (compression === 'gzip') {
      yield* from.gzip(shas, tar);
      return;
    }
    // Uncompressed, each member goes to the consumer as it is, and it may keep it a while (a
    // stream's write queue): members from the tar worker could not go back to it, and piled
    // up until a GC (a 300 MB peak for a 700 MB tree). With nothing to compress, the main
    // thread builds the tar as fast.
    for await (const member of from.plain()) {
      // The blob is the tar: a consumer that hashes the blob hashes the diff_id.
      if (hashBlob) diff.update(member);
      yield member;
    }
  }
  async function* out(): AsyncGenerator<Buffer> {
    try {
      const records: MemberRecord[] = [];
      const reuse = options.members ? { ...(options.members.cache ? { cache: options.members.cache } : {}), records, ...(shas ? { shas } : {}) } : undefined;
      const body = compression === 'gzip' ? parallelGzip(tarBytes(), options.workers ?? defaultWorkers(), options.level, reuse, recycleMember) : tarBytes();
      for await (const chunk of body) {
        // Uncompressed, the blob is the tar: its digest is the diff_id, hashed once.
        if (compression === 'gzip' && hashBlob) blob.update(chunk);
        yield chunk;
      }
      const diffId = compression === 'gzip' ? tar.digest! : diff.digest();
      const tarSize = compression === 'gzip' ? tar.size! : diff.size;
      resolveResult({
        diffId,
        digest: compression === 'gzip' ? blob.digest() : diffId,
        size: compression === 'gzip' ? blob.size : tarSize,
        uncompressedSize: tarSize,
        mediaType: compression === 'gzip' ? MediaType.OciLayerGzip : MediaType.OciLayer,
        entries: from.count(),
        ...(reuse && compression === 'gzip' ? { members: records } : {}),
      });
    } catch (err) {
      rejectResult(err);
      throw err;
    }
  }
  return { stream: out(), result };
}

/** Writes a layer into `out` (a file, a socket...) and returns its digests. */
export async function writeLayer(source: LayerSource, out: NodeJS.WritableStream, options: LayerWriteOptions = {}): Promise<LayerResult> {
  const { stream, result } = await createLayerStream(source, options);
  for await (const chunk of stream) {
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  return result;
}

/**
 * Writes a layer straight into the store as a blob and returns its digests plus
 * the descriptor for the manifest. Call inside `store.lease()` when the image that
 * will reference it is added later.
 */
export async function writeLayerToStore(store: Store, source: LayerSource, options: LayerWriteOptions = {}): Promise<LayerResult> {
  // The store hashes what it writes: the blob digest is its, not hashed a second time here.
  const { stream, result } = await layerStream(source, options, false);
  const stored = await store.putBlob(stream);
  const r = await result;
  if (r.mediaType === MediaType.OciLayer) return { ...r, diffId: stored.digest, digest: stored.digest, size: stored.size, uncompressedSize: stored.size };
  return { ...r, digest: stored.digest, size: stored.size };
}
