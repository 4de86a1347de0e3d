import { createReadStream } from 'node:fs';
import { Digester, chainIds, digestAlgorithm, type Digest } from '../oci/index.js';
import { isSlipwayError } from '../errors.js';
import { readRefs } from './refs.js';
import type { Store } from './store.js';

/** A problem found by verify, as a value. */
export interface StoreProblem {
  code: 'BLOB_CORRUPT' | 'BLOB_MISSING' | 'BLOB_SIZE' | 'MANIFEST_INVALID' | 'CONFIG_INVALID' | 'TAG_DANGLING' | 'REFS_CORRUPT';
  message: string;
  digest?: Digest;
}

export interface VerifyReport {
  ok: boolean;
  blobs: number;
  images: number;
  layerDirs: number;
  problems: StoreProblem[];
}

async function hashFile(file: string, digest: Digest): Promise<Digest> {
  const d = new Digester(digestAlgorithm(digest));
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) d.update(chunk as Buffer);
  return d.digest();
}

/**
 * Checks the whole store: every blob re-hashed against its name, every image's
 * manifest, config and layers present with the sizes the manifest claims, every tag
 * pointing at a kept image. Read-only: problems are reported, not repaired (temp
 * files of killed writers were already removed by Store.open).
 */
export async function verifyStore(store: Store): Promise<VerifyReport> {
  const problems: StoreProblem[] = [];
  let blobs = 0;
  for await (const b of store.listBlobs()) {
    blobs++;
    const actual = await hashFile(store.blobPath(b.digest), b.digest);
    if (actual !== b.digest) problems.push({ code: 'BLOB_CORRUPT', digest: b.digest, message: `blob ${b.digest} hashes to ${actual}` });
  }
  let refs;
  try {
    refs = await readRefs(store.root);
  } catch (err) {
    if (!isSlipwayError(err)) throw err;
    problems.push({ code: 'REFS_CORRUPT', message: err.message });
    return { ok: false, blobs, images: 0, layerDirs: 0, problems };
  }
  const corrupt = new Set(problems.map((p) => p.digest));
  for (const digest of Object.keys(refs.images) as Digest[]) {
    if (corrupt.has(digest)) continue;
    let manifest;
    try {
      manifest = await store.getManifest(digest);
    } catch (err) {
      if (!isSlipwayError(err)) throw err;
      problems.push({ code: err.code === 'STORE_BLOB_UNKNOWN' ? 'BLOB_MISSING' : 'MANIFEST_INVALID', digest, message: `image ${digest}: ${err.message}` });
      continue;
    }
    for (const d of [manifest.config, ...manifest.layers]) {
      const info = await store.statBlob(d.digest);
      if (!info) problems.push({ code: 'BLOB_MISSING', digest: d.digest, message: `image ${digest} needs blob ${d.digest}, which is missing` });
      else if (info.size !== d.size) problems.push({ code: 'BLOB_SIZE', digest: d.digest, message: `blob ${d.digest} has ${info.size} bytes, manifest ${digest} says ${d.size}` });
    }
    if (corrupt.has(manifest.config.digest)) continue;
    try {
      const config = await store.getConfig(manifest.config.digest);
      if (config.rootfs.diff_ids.length !== manifest.layers.length) {
        problems.push({ code: 'CONFIG_INVALID', digest: manifest.config.digest, message: `config ${manifest.config.digest} lists ${config.rootfs.diff_ids.length} diff_ids for ${manifest.layers.length} layers` });
      }
    } catch (err) {
      if (!isSlipwayError(err) || err.code === 'STORE_BLOB_UNKNOWN') continue;
      problems.push({ code: 'CONFIG_INVALID', digest: manifest.config.digest, message: err.message });
    }
  }
  for (const [tag, digest] of Object.entries(refs.tags)) {
    if (!refs.images[digest]) problems.push({ code: 'TAG_DANGLING', digest, message: `tag ${tag} points at ${digest}, which is not a kept image` });
  }
  const layerDirs = (await store.listLayerDirs()).length;
  return { ok: problems.length === 0, blobs, images: Object.keys(refs.images).length, layerDirs, problems };
}

/** Chain IDs of every layer stack some kept image uses (what prune keeps). */
export async function referencedChains(store: Store, manifests: Iterable<Digest>): Promise<Set<Digest>> {
  const keep = new Set<Digest>();
  for (const m of manifests) {
    try {
      const manifest = await store.getManifest(m);
      const config = await store.getConfig(manifest.config.digest);
      for (const c of chainIds(config.rootfs.diff_ids)) keep.add(c);
    } catch (err) {
      if (!isSlipwayError(err)) throw err;
    }
  }
  return keep;
}
