import path from 'node:path';
import { SlipwayError } from '../errors.js';
import { formatReference, isDigest, isIndexMediaType, isManifestMediaType, parseReference, type Digest, type ImageConfig, type Manifest } from '../oci/index.js';
import { withLock } from './locks.js';
import { readRefs, writeRefs, type RefsIndex } from './refs.js';
import type { Store } from './store.js';

/** One stored image: a manifest the store keeps, its config (the image ID) and names. */
export interface ImageRecord {
  /** Manifest digest (what registries and `name@digest` use). */
  readonly digest: Digest;
  /** Config digest: docker's image ID. */
  readonly id: Digest;
  /** Normalised references pointing at it, sorted. */
  readonly names: string[];
  /** When it was added to this store (ISO 8601). */
  readonly added: string;
}

export async function readManifest(store: Store, digest: Digest): Promise<Manifest> {
  const m = await store.readJson<Manifest>(digest);
  if (isIndexMediaType(m.mediaType) || Array.isArray((m as unknown as { manifests?: unknown }).manifests)) {
    throw new SlipwayError('STORE_NOT_A_MANIFEST', `blob ${digest} is an image index, not an image manifest`);
  }
  if (m.schemaVersion !== 2 || (m.mediaType !== undefined && !isManifestMediaType(m.mediaType)) || !m.config || !Array.isArray(m.layers)) {
    throw new SlipwayError('STORE_NOT_A_MANIFEST', `blob ${digest} is not an image manifest`);
  }
  return m;
}

export async function readConfig(store: Store, digest: Digest): Promise<ImageConfig> {
  const c = await store.readJson<ImageConfig>(digest);
  if (typeof c !== 'object' || c === null || !c.rootfs || !Array.isArray(c.rootfs.diff_ids)) {
    throw new SlipwayError('STORE_BAD_CONFIG', `blob ${digest} is not an image config (no rootfs.diff_ids)`);
  }
  return c;
}

const lockDir = (store: Store) => path.join(store.root, 'locks');

async function updateRefs<T>(store: Store, fn: (refs: RefsIndex) => T | Promise<T>): Promise<T> {
  return withLock(lockDir(store), 'refs', 'exclusive', async () => {
    const refs = await readRefs(store.root);
    const before = JSON.stringify(refs);
    const out = await fn(refs);
    // Re-tagging an image as it already is (a cached rebuild) writes and syncs nothing.
    if (JSON.stringify(refs) !== before) await writeRefs(store.root, refs);
    return out;
  });
}

function record(refs: RefsIndex, digest: Digest): ImageRecord {
  const entry = refs.images[digest]!;
  const names = Object.entries(refs.tags).filter(([, d]) => d === digest).map(([n]) => n).sort();
  return { digest, id: entry.config, names, added: entry.added };
}

function normalise(name: string): string {
  const ref = parseReference(name);
  if (ref.tag === undefined) throw new SlipwayError('STORE_BAD_TAG', `cannot tag with a digest-only reference ${JSON.stringify(name)}`);
  return formatReference({ domain: ref.domain, path: ref.path, tag: ref.tag });
}

export async function addImage(store: Store, manifestDigest: Digest, names: readonly string[]): Promise<ImageRecord> {
  const tags = names.map(normalise);
  const manifest = await readManifest(store, manifestDigest);
  for (const d of [manifest.config, ...manifest.layers]) {
    const info = await store.statBlob(d.digest);
    if (!info) throw new SlipwayError('STORE_IMAGE_INCOMPLETE', `image ${manifestDigest} references blob ${d.digest}, which is not stored`);
    if (info.size !== d.size) throw new SlipwayError('STORE_IMAGE_INCOMPLETE', `blob ${d.digest} has ${info.size} bytes, manifest says ${d.size}`);
  }
  await readConfig(store, manifest.config.digest);
  return updateRefs(store, (refs) => {
    refs.images[manifestDigest] ??= { config: manifest.config.digest, added: new Date().toISOString() };
    for (const t of tags) refs.tags[t] = manifestDigest;
    return record(refs, manifestDigest);
  });
}

function find(refs: RefsIndex, ref: string): Digest {
  const known = Object.keys(refs.images) as Digest[];
  if (isDigest(ref)) {
    const hit = known.find((d) => d === ref || refs.images[d]!.config === ref);
    if (hit) return hit;
    throw new SlipwayError('STORE_IMAGE_UNKNOWN', `no such image: ${ref}`);
  }
  let parsed;
  try {
    parsed = parseReference(ref);
  } catch (err) {
    if (!/^[a-f0-9]{4,64}$/.test(ref)) throw err;
  }
  if (parsed) {
    if (parsed.digest !== undefined && refs.images[parsed.digest]) return parsed.digest;
    if (parsed.digest === undefined) {
      const tagged = refs.tags[formatReference(parsed)];
      if (tagged && refs.images[tagged]) return tagged;
    }
  }
  if (/^[a-f0-9]{4,64}$/.test(ref)) {
    const hits = known.filter((d) => refs.images[d]!.config.slice('sha256:'.length).startsWith(ref));
    if (hits.length === 1) return hits[0]!;
    if (hits.length > 1) throw new SlipwayError('STORE_IMAGE_AMBIGUOUS', `image ID prefix ${ref} matches ${hits.length} images`);
  }
  throw new SlipwayError('STORE_IMAGE_UNKNOWN', `no such image: ${ref}`);
}

export async function resolveImage(store: Store, ref: string): Promise<ImageRecord> {
  const refs = await readRefs(store.root);
  return record(refs, find(refs, ref));
}

export async function listImages(store: Store): Promise<ImageRecord[]> {
  const refs = await readRefs(store.root);
  return (Object.keys(refs.images) as Digest[]).map((d) => record(refs, d)).sort((a, b) => (a.added < b.added ? 1 : a.added > b.added ? -1 : a.digest < b.digest ? -1 : 1));
}

export async function tagImage(store: Store, source: string, target: string): Promise<ImageRecord> {
  const name = normalise(target);
  return updateRefs(store, (refs) => {
    const digest = find(refs, source);
    refs.tags[name] = digest;
    return record(refs, digest);
  });
}

export async function removeImage(store: Store, ref: string, options: { force?: boolean }): Promise<{ untagged: string[]; deleted: Digest[] }> {
  return updateRefs(store, (refs) => {
    const digest = find(refs, ref);
    const names = record(refs, digest).names;
    let byName: string | undefined;
    if (!isDigest(ref) && !/^[a-f0-9]{4,64}$/.test(ref)) {
      const parsed = parseReference(ref);
      if (parsed.digest === undefined) byName = formatReference(parsed);
    }
    if (byName !== undefined && names.length > 1) {
      delete refs.tags[byName];
      return { untagged: [byName], deleted: [] };
    }
    if (byName === undefined && names.length > 1 && !options.force) {
      throw new SlipwayError('STORE_IMAGE_IN_USE', `image ${refs.images[digest]!.config.slice(7, 19)} is referenced by ${names.length} tags; remove them one by one or use --force`);
    }
    for (const n of names) delete refs.tags[n];
    delete refs.images[digest];
    return { untagged: names, deleted: [digest] };
  });
}
