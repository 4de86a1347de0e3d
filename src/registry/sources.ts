import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Digest } from '../oci/index.js';
import type { Store } from '../store/index.js';

/**
 * Where blobs are known to exist remotely (`registry/repository` per digest), learnt from
 * pulls and pushes. Push uses it to mount a blob from another repository of the same
 * registry instead of uploading it again (docker keeps the same "v2 metadata").
 * Stored beside the store's refs as `registry-sources.json`; losing it only costs uploads.
 */
export interface BlobLocation {
  readonly registry: string;
  readonly repository: string;
}

type SourcesFile = Record<string, BlobLocation[]>;

/** Locations kept per blob: enough to find a mount source, bounded so the file stays small. */
const MAX_PER_BLOB = 8;

function file(store: Store): string {
  return path.join(store.root, 'registry-sources.json');
}

async function read(store: Store): Promise<SourcesFile> {
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(file(store), 'utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed as SourcesFile : {};
  } catch {
    // Missing or damaged: it is a cache, start afresh.
    return {};
  }
}

/** Known locations of `digest` on `registry`, other than `exceptRepository`. */
export async function mountSources(store: Store, digest: Digest, registry: string, exceptRepository: string): Promise<string[]> {
  const all = (await read(store))[digest] ?? [];
  return all.filter((l) => l.registry === registry && l.repository !== exceptRepository).map((l) => l.repository);
}

/** Records that `digests` now exist at `registry/repository` (most recent first). */
export async function recordSources(store: Store, digests: readonly Digest[], location: BlobLocation): Promise<void> {
  if (digests.length === 0) return;
  await store.withLock('registry-sources', 'exclusive', async () => {
    const sources = await read(store);
    for (const d of digests) {
      const kept = (sources[d] ?? []).filter((l) => l.registry !== location.registry || l.repository !== location.repository);
      sources[d] = [location, ...kept].slice(0, MAX_PER_BLOB);
    }
    const tmp = path.join(store.root, 'tmp', `registry-sources-${process.pid}-${Date.now()}.json`);
    await fs.writeFile(tmp, JSON.stringify(sources));
    await fs.rename(tmp, file(store));
  });
}
