import { SlipwayError } from '../errors.js';
import { MediaType, formatReference, isDigest, parseReference, repositoryName, type Digest, type ImageReference } from '../oci/index.js';
import type { Store } from '../store/index.js';
import { repositoryScope } from './challenge.js';
import { RegistryClient } from './client.js';
import { loadRegistryConfig } from './config.js';
import type { Env } from './credentials.js';
import { mapLimit } from './download.js';
import { resolveEndpoints } from './endpoints.js';
import { registryError, responseError } from './errors.js';
import type { ProgressListener } from './progress.js';
import type { RetryPolicy } from './retry.js';
import { mountSources, recordSources } from './sources.js';
import { header } from './transport.js';
import { uploadBlob, type UploadOutcome } from './upload.js';

export interface PushOptions {
  readonly store: Store;
  readonly env?: Env;
  readonly onProgress?: ProgressListener;
  /** Blobs uploaded at once (default 3). */
  readonly concurrency?: number;
  /** Upload blobs larger than this in PATCH chunks of this size; default monolithic. */
  readonly chunkSize?: number;
  readonly retry?: RetryPolicy;
}

export interface PushResult {
  /** Where it went, normalised (`host:5000/ns/app:tag`). */
  readonly reference: string;
  /** The manifest digest, identical to the stored one (bytes are pushed unchanged). */
  readonly digest: Digest;
  readonly mediaType: string;
  /** Manifest size in bytes, as `docker push` prints. */
  readonly size: number;
  /** How each blob got there. */
  readonly blobs: Readonly<Record<UploadOutcome, number>>;
}

function destination(source: string, dest: string | undefined): ImageReference {
  const target = dest ?? source;
  if (isDigest(target) || /^[a-f0-9]{12,64}$/.test(target)) {
    throw new SlipwayError('REGISTRY_PUSH_NO_NAME', `push needs a repository name to push ${target} to; give a destination like host:5000/name:tag`, { exitCode: 2 });
  }
  return parseReference(target);
}

/**
 * `slipway push SOURCE [DEST]`: sends a stored image (by reference or ID) to DEST (default:
 * SOURCE's own name). Blobs the registry has are skipped, blobs known in another repository
 * there are mounted, the rest uploaded; then the manifest is PUT with its exact bytes and
 * media type under the tag (or by digest), and the registry's digest is checked.
 */
export async function push(source: string, dest: string | undefined, options: PushOptions): Promise<PushResult> {
  const env = options.env ?? process.env;
  const store = options.store;
  const ref = destination(source, dest);
  const record = await store.resolveImage(source);
  const manifestBytes = await store.readBlob(record.digest);
  const manifest = await store.getManifest(record.digest);
  const mediaType = manifest.mediaType ?? MediaType.OciManifest;
  if (ref.digest !== undefined && ref.digest !== record.digest) {
    throw registryError('REGISTRY_DIGEST_MISMATCH', `cannot push ${source} as ${formatReference(ref)}: its manifest is ${record.digest}`);
  }
  const config = await loadRegistryConfig(env);
  const [endpoint] = await resolveEndpoints(config, ref.domain, ref.path, 'push');
  const client = new RegistryClient(endpoint!, { env, retry: options.retry,
    onRetry: ({ error, delay }) => options.onProgress?.({ type: 'status', message: `retrying ${endpoint!.registry} in ${Math.round(delay)} ms: ${(error as Error).message}` }) });
  const repo = endpoint!.repository;
  const blobs = [manifest.config, ...manifest.layers];
  const counts: Record<UploadOutcome, number> = { exists: 0, mounted: 0, uploaded: 0 };
  await mapLimit(blobs, options.concurrency ?? 3, async (desc) => {
    const outcome = await uploadBlob(client, repo, desc, store, { chunkSize: options.chunkSize, onProgress: options.onProgress,
      mountFrom: (await mountSources(store, desc.digest, endpoint!.registry, repo)).slice(0, 3) });
    counts[outcome]++;
  });
  const reference = ref.digest ?? ref.tag ?? 'latest';
  const res = await client.request({ method: 'PUT', path: `${repo}/manifests/${reference}`, scopes: [repositoryScope(repo, true)],
    headers: { 'content-type': mediaType }, body: manifestBytes });
  if (res.status !== 201 && res.status !== 200 && res.status !== 202) throw await responseError(res, `manifest ${endpoint!.registry}/${repo}:${reference}`);
  res.body.resume();
  const stored = header(res, 'docker-content-digest');
  if (stored && stored !== record.digest) {
    throw registryError('REGISTRY_DIGEST_MISMATCH', `registry stored the manifest as ${stored}, expected ${record.digest}`);
  }
  await recordSources(store, blobs.map((b) => b.digest), { registry: endpoint!.registry, repository: repo });
  return { reference: formatReference(ref), digest: record.digest, mediaType, size: manifestBytes.length, blobs: counts };
}

/**
 * `slipway push --all-tags NAME` (docker's `push -a`): every stored tag of the repository
 * NAME, one after another; blobs shared between them go up once (later HEADs find them).
 */
export async function pushAllTags(repository: string, options: PushOptions): Promise<PushResult[]> {
  const ref = parseReference(repository, { defaultTag: false });
  if (ref.tag !== undefined || ref.digest !== undefined) {
    throw new SlipwayError('REGISTRY_PUSH_ALL_TAGS', `--all-tags takes a repository name without tag or digest, got ${repository}`, { exitCode: 2 });
  }
  const prefix = `${repositoryName(ref)}:`;
  const tags = (await options.store.listImages()).flatMap((image) => image.names).filter((n) => n.startsWith(prefix)).sort();
  if (tags.length === 0) throw new SlipwayError('REGISTRY_PUSH_NO_TAGS', `no tags of ${repositoryName(ref)} in the local store`);
  const results: PushResult[] = [];
  for (const tag of tags) results.push(await push(tag, undefined, options));
  return results;
}
