import { promises as fs } from 'node:fs';
import path from 'node:path';
import { digestHex, isDigest, type Digest } from '../oci/index.js';
import { SlipwayError } from '../errors.js';
import { fsyncDir, tempName } from './fsutil.js';

/**
 * Extracted layer directories, keyed by chain ID: `<root>/layers/<hex>/` holds the
 * full filesystem of a layer stack (all layers up to and including that one
 * applied), ready for the builder to use as an overlay lower dir or a copy source.
 * A directory appears only complete: it is populated under `<root>/tmp` and renamed
 * into place; a killed populate leaves only a temp dir that the next open removes.
 * Layer dirs are never modified after commit; treat them read-only.
 */
export function layerDirPath(root: string, chain: Digest): string {
  if (!isDigest(chain)) throw new SlipwayError('OCI_INVALID_DIGEST', `invalid chain ID ${JSON.stringify(chain)}`);
  return path.join(root, 'layers', digestHex(chain));
}

export async function hasLayerDir(root: string, chain: Digest): Promise<boolean> {
  try {
    return (await fs.stat(layerDirPath(root, chain))).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Returns the layer dir for `chain`, creating it with `populate(tmpDir)` if absent.
 * Concurrent callers may both populate; the first rename wins and the loser's copy is
 * discarded, so callers always get one complete directory.
 */
export async function ensureLayerDir(root: string, chain: Digest, populate: (dir: string) => Promise<void>): Promise<string> {
  const target = layerDirPath(root, chain);
  if (await hasLayerDir(root, chain)) return target;
  const tmp = path.join(root, 'tmp', tempName('layer'));
  await fs.mkdir(tmp, { mode: 0o755 });
  try {
    await populate(tmp);
    await fs.mkdir(path.dirname(target), { recursive: true });
    try {
      await fs.rename(tmp, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
    await fsyncDir(path.dirname(target));
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
  return target;
}

/** Chain IDs of every committed layer dir. */
export async function listLayerDirs(root: string): Promise<Digest[]> {
  const names = await fs.readdir(path.join(root, 'layers')).catch(() => [] as string[]);
  return names.map((n) => `sha256:${n}`).filter(isDigest);
}

export async function removeLayerDir(root: string, chain: Digest): Promise<void> {
  // Rename first so a half-deleted directory is never visible under its chain ID.
  const target = layerDirPath(root, chain);
  const aside = path.join(root, 'tmp', tempName('rmlayer'));
  try {
    await fs.rename(target, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  await fs.rm(aside, { recursive: true, force: true });
}
