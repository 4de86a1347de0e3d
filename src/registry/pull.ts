import { SlipwayError } from '../errors.js';
import { formatReference, isDigest, parseReference, type Descriptor, type Digest, type ImageReference, type Platform } from '../oci/index.js';
import type { ImageRecord, Store } from '../store/index.js';
import { RegistryClient } from './client.js';
import { loadRegistryConfig } from './config.js';
import type { Env } from './credentials.js';
import { downloadBlob, mapLimit } from './download.js';
import { resolveEndpoints, type Endpoint } from './endpoints.js';
import { registryError } from './errors.js';
import { fetchManifest } from './manifest.js';
import { formatPlatform, hostPlatform, parsePlatform, selectManifest } from './platform.js';
import type { ProgressListener } from './progress.js';
import type { RetryPolicy } from './retry.js';
import { recordSources } from './sources.js';

export interface PullOptions {
  readonly store: Store;
  /** Environment for credentials and config lookups (default process.env). */
  readonly env?: Env;
  /** `os/arch[/variant]` or a Platform; default: this machine's. */
  readonly platform?: string | Platform;
  readonly onProgress?: ProgressListener;
  /** Blobs downloaded at once (default 6, as containers/image; docker uses 3). */
  readonly concurrency?: number;
  readonly retry?: RetryPolicy;
}

export interface PullResult {
  /** Normalised reference that was pulled (`docker.io/library/busybox:latest`). */
  readonly reference: string;
  /** Digest of the image manifest stored (the platform's, when the tag is an index). */
  readonly digest: Digest;
  /** Digest the reference resolved to on the registry (an index's, for multi-platform tags). */
  readonly resolvedDigest: Digest;
  readonly mediaType: string;
  /** The image ID (config digest). */
  readonly id: Digest;
  readonly platform?: string;
  /** Blobs downloaded (not already in the store) and their bytes. */
  readonly downloaded: { readonly blobs: number; readonly bytes: number };
  readonly image: ImageRecord;
  /** Where it came from (a mirror or the registry itself). */
  readonly source: string;
}

/**
 * Descriptors come from the registry: a digest that is not `sha256:<hex>` would end up in
 * URLs and file names, a size that is not a whole number would defeat verification.
 */
function checkDescriptor(desc: Descriptor, manifest: Digest): Descriptor {
  if (!isDigest(desc.digest) || !Number.isSafeInteger(desc.size) || desc.size < 0) {
    throw registryError('REGISTRY_PROTOCOL', `manifest ${manifest} has an invalid descriptor (digest ${JSON.stringify(desc.digest)}, size ${JSON.stringify(desc.size)})`);
  }
  return desc;
}

/** Pulls from one endpoint; the caller tries mirrors first. */
async function pullFrom(endpoint: Endpoint, ref: ImageReference, options: PullOptions, platform: Platform): Promise<PullResult> {
  const env = options.env ?? process.env;
  const client = new RegistryClient(endpoint, { env, retry: options.retry,
    onRetry: ({ error, delay }) => options.onProgress?.({ type: 'status', message: `retrying ${endpoint.registry} in ${Math.round(delay)} ms: ${(error as Error).message}` }) });
  const repo = endpoint.repository;
  const wanted = ref.digest ?? ref.tag ?? 'latest';
  const top = await fetchManifest(client, repo, wanted);
  let chosen = top;
  let platformName: string | undefined;
  if (top.type === 'index') {
    const desc = checkDescriptor(selectManifest(top.index, platform, `${endpoint.registry}/${repo}:${wanted}`), top.digest);
    platformName = desc.platform ? formatPlatform(desc.platform) : undefined;
    chosen = await fetchManifest(client, repo, desc.digest);
    if (chosen.type !== 'manifest') throw new SlipwayError('REGISTRY_UNSUPPORTED', `${endpoint.registry}/${repo}: nested image indexes are not supported`);
  }
  if (chosen.type !== 'manifest') throw new Error('unreachable');
  const manifest = chosen.manifest;
  const blobs = [manifest.config, ...manifest.layers].map((d) => checkDescriptor(d, chosen.digest));
  const store = options.store;
  let downloadedBytes = 0;
  let downloadedBlobs = 0;
  const names = ref.tag !== undefined && ref.digest === undefined ? [formatReference({ domain: ref.domain, path: ref.path, tag: ref.tag })] : [];
  const image = await store.lease(async () => {
    await mapLimit(blobs, options.concurrency ?? 6, async (desc, _, signal) => {
      if (await store.hasBlob(desc.digest)) {
        options.onProgress?.({ type: 'blob', action: 'pull', digest: desc.digest, size: desc.size, phase: 'exists', current: desc.size });
        return;
      }
      await downloadBlob(client, repo, desc, store, options.onProgress, signal);
      downloadedBlobs++;
      downloadedBytes += desc.size;
    });
    await store.putBytes(chosen.bytes, chosen.mediaType, { digest: chosen.digest, size: chosen.bytes.length });
    return store.addImage(chosen.digest, names);
  });
  await recordSources(store, blobs.map((b) => b.digest), { registry: endpoint.registry, repository: repo });
  return {
    reference: formatReference(ref), digest: chosen.digest, resolvedDigest: top.digest, mediaType: chosen.mediaType,
    id: manifest.config.digest, platform: platformName, downloaded: { blobs: downloadedBlobs, bytes: downloadedBytes },
    image, source: `${endpoint.registry}/${repo}`,
  };
}

/**
 * `slipway pull`: resolves the reference (docker normalisation), negotiates the manifest,
 * picks the platform from an index, streams missing blobs into the store (verified,
 * several at once) and tags the image. Mirrors from registries.conf are tried first; a
 * failing mirror falls through to the next endpoint.
 */
export async function pull(reference: string, options: PullOptions): Promise<PullResult> {
  const env = options.env ?? process.env;
  const ref = parseReference(reference);
  const platform = options.platform === undefined ? hostPlatform()
    : typeof options.platform === 'string' ? parsePlatform(options.platform) : options.platform;
  const config = await loadRegistryConfig(env);
  const endpoints = await resolveEndpoints(config, ref.domain, ref.path, 'pull');
  let lastError: unknown;
  for (const endpoint of endpoints) {
    try {
      return await pullFrom(endpoint, ref, options, platform);
    } catch (err) {
      lastError = err;
      // Content problems are not the mirror's fault alone, and the user must hear of them.
      const fatal = err instanceof SlipwayError && ['REGISTRY_DIGEST_MISMATCH', 'REGISTRY_NO_PLATFORM', 'REGISTRY_UNSUPPORTED'].includes(err.code);
      if (!endpoint.mirror || fatal) throw err;
      options.onProgress?.({ type: 'status', message: `mirror ${endpoint.registry} failed (${(err as Error).message}); trying the next source` });
    }
  }
  throw lastError;
}

/**
 * What the builder's FROM uses: the stored image for `reference`, pulling it when missing
 * (`policy: 'missing'`) or always re-checking the registry (`'always'`, `--pull`).
 */
export async function ensureImage(reference: string, options: PullOptions & { policy?: 'missing' | 'always' }): Promise<ImageRecord> {
  if (options.policy !== 'always') {
    try {
      return await options.store.resolveImage(formatReference(parseReference(reference)));
    } catch (err) {
      if (!(err instanceof SlipwayError) || err.code !== 'STORE_IMAGE_UNKNOWN') throw err;
    }
  }
  return (await pull(reference, options)).image;
}
