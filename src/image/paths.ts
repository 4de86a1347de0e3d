import { SlipwayError } from '../errors.js';

/** OCI whiteout markers (image-spec layer.md). */
export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

/**
 * Normalises a layer-relative path: strips leading `/` and `./`, collapses `//` and
 * `.` parts, drops a trailing `/`. Refuses `..` components and NUL bytes (LAYER_UNSAFE_PATH)
 * rather than resolving them: a path that climbs is hostile, not a typo.
 * Returns '' for the root itself.
 */
export function normaliseLayerPath(p: string): string {
  if (p.includes('\0')) throw new SlipwayError('LAYER_UNSAFE_PATH', `path ${JSON.stringify(p)} contains a NUL byte`);
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw new SlipwayError('LAYER_UNSAFE_PATH', `path ${JSON.stringify(p)} contains '..'`);
    parts.push(part);
  }
  return parts.join('/');
}

/**
 * The canonical sort key of a layer path. Byte order of UTF-8, compared component
 * by component (so parents sort before children: a NUL separator sorts below every
 * name byte), and inside a directory the opaque marker first, then whiteouts, then
 * everything else, so an applier reading in order deletes before it creates.
 */
export function canonicalKey(p: string): Buffer {
  // One string, one allocation: NUL between components, a rank byte before each name.
  let key = '';
  for (const name of p.split('/')) {
    if (key !== '') key += '\0';
    if (name === OPAQUE_MARKER) key += '\x01';
    else if (name.startsWith(WHITEOUT_PREFIX)) key += `\x02${name.slice(WHITEOUT_PREFIX.length)}`;
    else key += `\x03${name}`;
  }
  return Buffer.from(key);
}

export function compareKeys(a: Buffer, b: Buffer): number {
  return Buffer.compare(a, b);
}

/** `dir/.wh.name` for a deleted `dir/name`. */
export function whiteoutPath(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? `${WHITEOUT_PREFIX}${p}` : `${p.slice(0, i + 1)}${WHITEOUT_PREFIX}${p.slice(i + 1)}`;
}
