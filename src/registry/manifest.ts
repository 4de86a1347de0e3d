import { MediaType, isIndexMediaType, isManifestMediaType, sha256Digest, type Digest, type Index, type Manifest } from '../oci/index.js';
import { repositoryScope } from './challenge.js';
import type { RegistryClient } from './client.js';
import { registryError, responseError } from './errors.js';
import { header, readAll } from './transport.js';

export const SCHEMA1_TYPES = [
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
  'application/vnd.docker.distribution.manifest.v1+json',
];

/**
 * What pull asks for, in preference order. Schema 1 is listed last on purpose: a registry
 * that only has schema 1 then says so, and we report it as unsupported instead of a
 * puzzling "not found".
 */
export const MANIFEST_ACCEPT = [
  MediaType.OciIndex, MediaType.DockerManifestList, MediaType.OciManifest, MediaType.DockerManifest,
  ...SCHEMA1_TYPES.map((t) => `${t};q=0.5`),
].join(', ');

export type FetchedManifest =
  | { readonly type: 'manifest'; readonly mediaType: string; readonly digest: Digest; readonly bytes: Buffer; readonly manifest: Manifest }
  | { readonly type: 'index'; readonly mediaType: string; readonly digest: Digest; readonly bytes: Buffer; readonly index: Index };

const MAX_MANIFEST = 4 * 1024 * 1024;

/**
 * The media type of a manifest document: the Content-Type when it names a manifest type,
 * else the document's own `mediaType`, else its shape (OCI allows omitting mediaType).
 */
export function manifestMediaType(contentType: string | undefined, doc: Record<string, unknown>): string {
  const ct = contentType?.split(';')[0]!.trim().toLowerCase();
  if (ct && (isIndexMediaType(ct) || isManifestMediaType(ct) || SCHEMA1_TYPES.includes(ct))) return ct;
  if (typeof doc.mediaType === 'string') return doc.mediaType;
  if (doc.schemaVersion === 1) return SCHEMA1_TYPES[0]!;
  if (Array.isArray(doc.manifests)) return MediaType.OciIndex;
  if (doc.config !== undefined) return MediaType.OciManifest;
  return ct ?? 'application/octet-stream';
}

/**
 * GETs a manifest by tag or digest and checks it: the bytes must hash to the requested
 * digest (or to the Docker-Content-Digest the registry announced for a tag).
 */
export async function fetchManifest(client: RegistryClient, repository: string, reference: string): Promise<FetchedManifest> {
  const where = `${client.host}/${repository}${reference.includes(':') ? '@' : ':'}${reference}`;
  const res = await client.request({ method: 'GET', path: `${repository}/manifests/${reference}`,
    scopes: [repositoryScope(repository, false)], headers: { accept: MANIFEST_ACCEPT } });
  if (res.status !== 200) throw await responseError(res, `manifest ${where}`);
  const bytes = await readAll(res, MAX_MANIFEST);
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    doc = {};
  }
  const mediaType = manifestMediaType(header(res, 'content-type'), doc);
  // Before the digest check: a schema 1 digest covers the unsigned payload, not these bytes.
  if (SCHEMA1_TYPES.includes(mediaType)) {
    throw registryError('REGISTRY_UNSUPPORTED', `manifest ${where} uses Docker image schema 1, which is deprecated and not supported; re-push it with a current tool`);
  }
  const digest = sha256Digest(bytes);
  const expected = reference.startsWith('sha256:') ? reference : header(res, 'docker-content-digest');
  if (expected !== undefined && expected.startsWith('sha256:') && expected !== digest) {
    throw registryError('REGISTRY_DIGEST_MISMATCH', `manifest ${where}: content hashes to ${digest}, expected ${expected}`);
  }
  if (Object.keys(doc).length === 0) throw registryError('REGISTRY_PROTOCOL', `manifest ${where} is not a JSON object`);
  if (isIndexMediaType(mediaType)) {
    if (!Array.isArray(doc.manifests)) throw registryError('REGISTRY_PROTOCOL', `index ${where} has no manifests list`);
    return { type: 'index', mediaType, digest, bytes, index: doc as unknown as Index };
  }
  if (isManifestMediaType(mediaType)) {
    const m = doc as unknown as Manifest;
    if (!m.config || !Array.isArray(m.layers)) throw registryError('REGISTRY_PROTOCOL', `manifest ${where} lacks config or layers`);
    return { type: 'manifest', mediaType, digest, bytes, manifest: m };
  }
  throw registryError('REGISTRY_UNSUPPORTED', `${where} is ${mediaType}, not an image manifest or index`);
}
