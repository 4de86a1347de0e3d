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
 * The canonical sort key of a layer path: UTF-8 order compared component by
 * component (so parents sort before children: a NUL separator sorts below every
 * name character), and inside a directory the opaque marker first, then whiteouts, then
 * everything else, so an applier reading in order deletes before it creates.
 */
export function canonicalKey(p: string): string {
  // NUL between components, a rank char before each name; compared in UTF-8 order.
  let key = '';
  for (const name of p.split('/')) {
    if (key !== '') key += '\0';
    if (name === OPAQUE_MARKER) key += '\x01';
    else if (name.startsWith(WHITEOUT_PREFIX)) key += `\x02${name.slice(WHITEOUT_PREFIX.length)}`;
    else key += `\x03${name}`;
  }
  return key;
}

/**
 * Compares strings in UTF-8 byte order (what the tar bytes sort by). UTF-16 order
 * agrees except that surrogates (U+D800-DFFF, i.e. characters above U+FFFF) must sort
 * after U+E000-FFFF; only that case is remapped.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca >= 0xd800 && cb >= 0xd800) {
      ca = ca <= 0xdfff ? ca + 0x2000 : ca - 0x800;
      cb = cb <= 0xdfff ? cb + 0x2000 : cb - 0x800;
    }
    return ca - cb;
  }
  return a.length - b.length;
}

/** `dir/.wh.name` for a deleted `dir/name`. */
export function whiteoutPath(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? `${WHITEOUT_PREFIX}${p}` : `${p.slice(0, i + 1)}${WHITEOUT_PREFIX}${p.slice(i + 1)}`;
}
