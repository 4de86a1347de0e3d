import { chainIds, type Digest } from '../oci/index.js';
import type { Store } from '../store/index.js';
import { LayerApplier } from './apply.js';
import { loadImage } from './image.js';

/**
 * The extracted filesystem of a stored image, for the builder: returns the layer
 * dir of the image's top chain ID, creating it (and reusing the dirs of lower
 * chains is left to the overlay user: each dir holds the full stack). Every layer is
 * checked against its diff_id while it is applied.
 */
export async function extractImage(store: Store, ref: string): Promise<{ dir: string; chainId: Digest } | undefined> {
  const { manifest, config } = await loadImage(store, ref);
  const ids = chainIds(config.rootfs.diff_ids);
  if (ids.length === 0) return undefined;
  const top = ids[ids.length - 1]!;
  const dir = await store.ensureLayerDir(top, async (tmp) => {
    const applier = new LayerApplier(tmp);
    for (let i = 0; i < manifest.layers.length; i++) {
      await applier.apply(await store.openBlob(manifest.layers[i]!.digest), config.rootfs.diff_ids[i]);
    }
  });
  return { dir, chainId: top };
}
