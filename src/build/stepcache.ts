import type { Digest } from '../oci/index.js';
import type { FsLayer } from './rootfs.js';
import type { BuildRuntime } from './runtime.js';

/** Looks a step up in the cache: a hit needs its layer blob still in the store. */
export async function cached(rt: BuildRuntime, key: string): Promise<{ hit: boolean; layer: FsLayer | undefined }> {
  if (rt.options.noCache) return { hit: false, layer: undefined };
  const entry = await rt.cache.get(key);
  if (!entry) return { hit: false, layer: undefined };
  if (entry.layer === null) return { hit: true, layer: undefined };
  if (!(await rt.store.hasBlob(entry.layer.digest as Digest))) return { hit: false, layer: undefined };
  return { hit: true, layer: { descriptor: { mediaType: entry.layer.mediaType, digest: entry.layer.digest as Digest, size: entry.layer.size }, diffId: entry.layer.diffId as Digest } };
}

export async function remember(rt: BuildRuntime, key: string, layer: FsLayer | undefined): Promise<void> {
  await rt.cache.put(key, layer ? { digest: layer.descriptor.digest, diffId: layer.diffId, size: layer.descriptor.size, mediaType: layer.descriptor.mediaType } : null);
}
