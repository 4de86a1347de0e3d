import path from 'node:path';
import type { Digest } from '../oci/index.js';
import { isSlipwayError } from '../errors.js';
import { withLock } from './locks.js';
import { readRefs } from './refs.js';
import type { Store } from './store.js';
import { referencedChains } from './verify.js';

export interface PruneReport {
  blobsRemoved: Digest[];
  bytesFreed: number;
  layerDirsRemoved: Digest[];
}

/**
 * Deletes blobs and extracted layer dirs no kept image references. Holds the `gc`
 * lock exclusive (waiting for writers holding leases) and the `refs` lock, so no
 * image can be added between marking and sweeping.
 */
export async function pruneStore(store: Store): Promise<PruneReport> {
  const locks = path.join(store.root, 'locks');
  return withLock(locks, 'gc', 'exclusive', () => withLock(locks, 'refs', 'exclusive', async () => {
    const refs = await readRefs(store.root);
    const keep = new Set<string>();
    for (const m of Object.keys(refs.images) as Digest[]) {
      keep.add(m);
      try {
        const manifest = await store.getManifest(m);
        keep.add(manifest.config.digest);
        for (const l of manifest.layers) keep.add(l.digest);
      } catch (err) {
        // A broken image keeps what it names; verify reports it, prune must not guess.
        if (!isSlipwayError(err)) throw err;
      }
    }
    const report: PruneReport = { blobsRemoved: [], bytesFreed: 0, layerDirsRemoved: [] };
    for await (const b of store.listBlobs()) {
      if (keep.has(b.digest)) continue;
      if (await store.deleteBlob(b.digest)) {
        report.blobsRemoved.push(b.digest);
        report.bytesFreed += b.size;
      }
    }
    const chains = await referencedChains(store, Object.keys(refs.images) as Digest[]);
    for (const c of await store.listLayerDirs()) {
      if (chains.has(c)) continue;
      await store.removeLayerDir(c);
      report.layerDirsRemoved.push(c);
    }
    report.blobsRemoved.sort();
    report.layerDirsRemoved.sort();
    return report;
  }));
}
