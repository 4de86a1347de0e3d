import { SlipwayError } from '../errors.js';
import { MediaType, type ContainerConfig, type Descriptor, type Digest, type History, type ImageConfig, type Manifest } from '../oci/index.js';
import type { ImageRecord, Store } from '../store/index.js';
import type { LayerResult } from './types.js';

/** Everything needed to record a built image; see createImage. */
export interface NewImage {
  /** Layers bottom first, as returned by writeLayerToStore (or a base image's descriptors + diff_ids). */
  layers: readonly (LayerResult | { descriptor: Descriptor; diffId: Digest })[];
  config?: ContainerConfig;
  /** One entry per build step; entries without a layer carry `empty_layer: true`. */
  history?: History[];
  architecture?: string;
  os?: string;
  variant?: string;
  /** ISO 8601; defaults to SOURCE_DATE_EPOCH when set (reproducible), else now. */
  created?: string;
  author?: string;
  /** References to tag the image with. */
  names?: readonly string[];
  annotations?: Record<string, string>;
}

/** Node's arch names to OCI's (GOARCH) names. */
export function ociArchitecture(arch: string = process.arch): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[arch] ?? arch;
}

function layerDescriptor(l: NewImage['layers'][number]): Descriptor {
  if ('descriptor' in l) return l.descriptor;
  return { mediaType: l.mediaType, digest: l.digest, size: l.size };
}

/** The image config JSON for `image`, with fields in docker's order. */
export function buildImageConfig(image: NewImage, env: Record<string, string | undefined> = process.env): ImageConfig {
  const epoch = env.SOURCE_DATE_EPOCH;
  const created = image.created ?? (epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000).toISOString() : new Date().toISOString());
  const history = image.history ?? [];
  const nonEmpty = history.filter((h) => !h.empty_layer).length;
  if (history.length > 0 && nonEmpty !== image.layers.length) {
    throw new SlipwayError('IMAGE_HISTORY_MISMATCH', `history lists ${nonEmpty} layer steps for ${image.layers.length} layers`);
  }
  return {
    created,
    ...(image.author !== undefined ? { author: image.author } : {}),
    architecture: image.architecture ?? ociArchitecture(),
    os: image.os ?? 'linux',
    ...(image.variant !== undefined ? { variant: image.variant } : {}),
    config: image.config ?? {},
    rootfs: { type: 'layers', diff_ids: image.layers.map((l) => l.diffId) },
    history,
  };
}

/**
 * Stores config and manifest for `image` (its layer blobs must already be stored)
 * and records it, tagged with `names`. Returns the record (id = config digest).
 */
export async function createImage(store: Store, image: NewImage, env: Record<string, string | undefined> = process.env): Promise<ImageRecord> {
  const config = buildImageConfig(image, env);
  const configDesc = await store.putJson(config, MediaType.OciConfig);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: configDesc,
    layers: image.layers.map(layerDescriptor),
    ...(image.annotations ? { annotations: image.annotations } : {}),
  };
  const manifestDesc = await store.putJson(manifest, MediaType.OciManifest);
  return store.addImage(manifestDesc.digest, image.names ?? []);
}

/** Manifest, config and descriptor of a stored image, read and verified. */
export async function loadImage(store: Store, ref: string): Promise<{ record: ImageRecord; manifest: Manifest; config: ImageConfig; descriptor: Descriptor }> {
  const record = await store.resolveImage(ref);
  const manifest = await store.getManifest(record.digest);
  const config = await store.getConfig(manifest.config.digest);
  const info = await store.statBlob(record.digest);
  const descriptor: Descriptor = { mediaType: manifest.mediaType ?? MediaType.OciManifest, digest: record.digest, size: info?.size ?? 0 };
  return { record, manifest, config, descriptor };
}
