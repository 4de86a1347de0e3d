import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SlipwayError } from '../errors.js';
import { isDigest, type Digest } from '../oci/index.js';
import { writeFileAtomic } from './fsutil.js';

/**
 * The refs index (`<root>/refs.json`): every image the store keeps (by manifest
 * digest) and every tag pointing at one. Images without tags are kept (dangling,
 * like docker's `<none>`) until removed; prune keeps everything reachable from here.
 * Always rewritten whole and atomically, under the `refs` lock.
 */
export interface RefsIndex {
  schemaVersion: 1;
  /** manifest digest -> when it was added and its config digest (the image ID). */
  images: Record<string, ImageEntry>;
  /** normalised reference (`docker.io/library/busybox:latest`) -> manifest digest. */
  tags: Record<string, Digest>;
}

export interface ImageEntry {
  config: Digest;
  added: string;
}

const EMPTY: RefsIndex = { schemaVersion: 1, images: {}, tags: {} };

export function refsPath(root: string): string {
  return path.join(root, 'refs.json');
}

export async function readRefs(root: string): Promise<RefsIndex> {
  let text: string;
  try {
    text = await fs.readFile(refsPath(root), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(EMPTY);
    throw err;
  }
  let parsed: RefsIndex;
  try {
    parsed = JSON.parse(text) as RefsIndex;
  } catch {
    throw new SlipwayError('STORE_REFS_CORRUPT', `${refsPath(root)} is not valid JSON`);
  }
  if (parsed.schemaVersion !== 1 || typeof parsed.images !== 'object' || typeof parsed.tags !== 'object') {
    throw new SlipwayError('STORE_REFS_CORRUPT', `${refsPath(root)} has an unknown format`);
  }
  for (const [tag, d] of Object.entries(parsed.tags)) {
    if (!isDigest(d)) throw new SlipwayError('STORE_REFS_CORRUPT', `${refsPath(root)}: tag ${tag} points at invalid digest`);
  }
  return parsed;
}

export async function writeRefs(root: string, refs: RefsIndex): Promise<void> {
  const sorted: RefsIndex = {
    schemaVersion: 1,
    images: Object.fromEntries(Object.entries(refs.images).sort(([a], [b]) => (a < b ? -1 : 1))),
    tags: Object.fromEntries(Object.entries(refs.tags).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
  await writeFileAtomic(refsPath(root), `${JSON.stringify(sorted, null, 2)}\n`, path.join(root, 'tmp'));
}
