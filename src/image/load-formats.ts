import { promises as fs } from 'node:fs';
import { SlipwayError, isSlipwayError } from '../errors.js';
import { ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME, MediaType, isIndexMediaType, parseReference, type Descriptor, type Digest, type ImageConfig, type Index, type Manifest } from '../oci/index.js';
import type { BlobInfo, ImageRecord, Store } from '../store/index.js';
import { ociArchitecture } from './image.js';
import { readLayer } from './layer-reader.js';

/** What readArchive gathered: blob-backed files by archive path, metadata in memory. */
export interface ArchiveContents {
  files: Map<string, BlobInfo>;
  meta: Map<string, Buffer>;
}

function bad(message: string, code = 'LOAD_BAD_ARCHIVE'): SlipwayError {
  return new SlipwayError(code, message);
}

function parseJson<T>(name: string, data: Buffer): T {
  try {
    return JSON.parse(data.toString('utf8')) as T;
  } catch {
    throw bad(`${name} in the archive is not valid JSON`);
  }
}

/** Reads every layer through the tar parser, checking its diff_id against the config. */
async function verifyLayers(store: Store, layers: readonly Descriptor[], config: ImageConfig): Promise<void> {
  const diffIds = config.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || diffIds.length !== layers.length) {
    throw bad(`image config lists ${Array.isArray(diffIds) ? diffIds.length : 0} diff_ids for ${layers.length} layers`, 'LOAD_DIFFID_MISMATCH');
  }
  for (let i = 0; i < layers.length; i++) {
    try {
      await readLayer(await store.openBlob(layers[i]!.digest), async () => undefined, { expectedDiffId: diffIds[i]! });
    } catch (err) {
      if (isSlipwayError(err) && err.code === 'LAYER_DIFFID_MISMATCH') throw bad(`layer ${i + 1} (${layers[i]!.digest}): ${err.message}`, 'LOAD_DIFFID_MISMATCH');
      throw err;
    }
  }
}

function namesOf(desc: Descriptor): string[] {
  const full = desc.annotations?.[ANNOTATION_IMAGE_NAME];
  const refName = desc.annotations?.[ANNOTATION_REF_NAME];
  for (const candidate of [full, refName]) {
    if (!candidate || !/[:/]/.test(candidate)) continue;
    try {
      const r = parseReference(candidate);
      if (r.tag !== undefined) return [candidate];
    } catch {
      // Not a reference: a bare tag in ref.name names nothing loadable.
    }
  }
  return [];
}

/** Picks this machine's platform from an index (or the only entry). */
async function pickManifest(store: Store, desc: Descriptor, depth = 0): Promise<Digest> {
  if (!isIndexMediaType(desc.mediaType)) return desc.digest;
  if (depth > 4) throw bad('image indexes nested too deeply');
  const index = await store.readJson<Index>(desc.digest);
  const arch = ociArchitecture();
  const match = index.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === arch) ?? (index.manifests.length === 1 ? index.manifests[0] : undefined);
  if (!match) throw bad(`image index ${desc.digest} has no manifest for linux/${arch}`, 'LOAD_NO_PLATFORM');
  return pickManifest(store, match, depth + 1);
}

export async function loadOciIndex(store: Store, contents: ArchiveContents): Promise<ImageRecord[]> {
  const index = parseJson<Index>('index.json', contents.meta.get('index.json')!);
  if (!Array.isArray(index.manifests)) throw bad('index.json has no manifests list');
  const out: ImageRecord[] = [];
  const pending: { digest: Digest; names: string[] }[] = [];
  for (const desc of index.manifests) {
    const digest = await pickManifest(store, desc);
    const manifest = await store.getManifest(digest);
    const config = await store.getConfig(manifest.config.digest);
    await verifyLayers(store, manifest.layers, config);
    const same = pending.find((p) => p.digest === digest);
    if (same) same.names.push(...namesOf(desc));
    else pending.push({ digest, names: namesOf(desc) });
  }
  for (const p of pending) out.push(await store.addImage(p.digest, p.names));
  return out;
}

interface DockerManifestEntry {
  Config?: string;
  RepoTags?: string[] | null;
  Layers?: string[];
}

async function blobHead(store: Store, digest: Digest): Promise<Buffer> {
  const fh = await fs.open(store.blobPath(digest), 'r');
  try {
    const buf = Buffer.alloc(2);
    await fh.read(buf, 0, 2, 0);
    return buf;
  } finally {
    await fh.close();
  }
}

export async function loadDockerManifest(store: Store, contents: ArchiveContents): Promise<ImageRecord[]> {
  const entries = parseJson<DockerManifestEntry[]>('manifest.json', contents.meta.get('manifest.json')!);
  if (!Array.isArray(entries)) throw bad('manifest.json is not a list');
  const pending: { digest: Digest; names: string[] }[] = [];
  for (const e of entries) {
    if (typeof e.Config !== 'string' || !Array.isArray(e.Layers)) throw bad('manifest.json entry lacks Config or Layers');
    const metaConfig = contents.meta.get(e.Config);
    const fileConfig = contents.files.get(e.Config);
    if (!metaConfig && !fileConfig) throw bad(`manifest.json names config ${e.Config}, which is not in the archive`);
    const configDesc = metaConfig ? await store.putBytes(metaConfig, MediaType.OciConfig) : { mediaType: MediaType.OciConfig, digest: fileConfig!.digest, size: fileConfig!.size };
    const config = await store.getConfig(configDesc.digest);
    const layers: Descriptor[] = [];
    for (const p of e.Layers) {
      const info = contents.files.get(p);
      if (!info) throw bad(`manifest.json names layer ${p}, which is not in the archive`);
      const head = await blobHead(store, info.digest);
      const gzip = head[0] === 0x1f && head[1] === 0x8b;
      layers.push({ mediaType: gzip ? MediaType.OciLayerGzip : MediaType.OciLayer, digest: info.digest, size: info.size });
    }
    await verifyLayers(store, layers, config);
    const manifest: Manifest = { schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, digest: configDesc.digest, size: configDesc.size }, layers };
    const desc = await store.putJson(manifest, MediaType.OciManifest);
    pending.push({ digest: desc.digest, names: e.RepoTags ?? [] });
  }
  const out: ImageRecord[] = [];
  for (const p of pending) out.push(await store.addImage(p.digest, p.names));
  return out;
}
