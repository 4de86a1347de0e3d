import { loadImage } from '../image/image.js';
import { SlipwayError } from '../errors.js';
import type { Digest } from '../oci/index.js';
import type { Store } from '../store/index.js';
import type { ApplyLayers, FsLayer } from './rootfs.js';
import type { ImageResolver } from './runtime.js';

/**
 * Base images for FROM (and COPY --from=<image>): the local store first; a registry
 * pull when the image is not there or `--pull` asks to re-check, through the registry
 * client when one is wired in.
 */

/** Pulls `ref` into the store (the registry client); undefined when not available. */
export type Puller = (store: Store, ref: string) => Promise<void>;

export const applyStoreLayers: ApplyLayers = async (store, layers: readonly FsLayer[], dir) => {
  const streams = [];
  for (const l of layers) streams.push({ stream: await store.openBlob(l.descriptor.digest), diffId: l.diffId });
  // The layer reader (and tar-stream) loads only when layers are extracted.
  await (await import('../image/apply.js')).applyLayers(dir, streams);
};

export function storeResolver(store: Store, pull: Puller | undefined): ImageResolver {
  const memo = new Map<string, ReturnType<ImageResolver>>();
  return (ref, options) => {
    const k = `${ref}\0${options.pull}`;
    let p = memo.get(k);
    if (!p) {
      p = (async () => {
        let loaded;
        if (!options.pull) loaded = await loadImage(store, ref).catch((e: unknown) => (e instanceof SlipwayError && e.code === 'STORE_IMAGE_UNKNOWN' ? undefined : Promise.reject(e)));
        if (!loaded) {
          if (!pull) throw new SlipwayError('BUILD_BASE_NOT_FOUND', `${ref}: image not found in the local store and no registry client is available`);
          await pull(store, ref);
          loaded = await loadImage(store, ref);
        }
        const { manifest, config } = loaded;
        const diffIds = config.rootfs.diff_ids;
        if (diffIds.length !== manifest.layers.length) throw new SlipwayError('BUILD_BAD_BASE', `${ref}: manifest has ${manifest.layers.length} layers but config ${diffIds.length} diff_ids`);
        const layers: FsLayer[] = manifest.layers.map((d, i) => ({ descriptor: d, diffId: diffIds[i] as Digest }));
        return { config, fs: { layers }, id: manifest.config.digest };
      })();
      memo.set(k, p);
    }
    return p;
  };
}
