/**
 * Resolving a path inside a root directory the way a chroot would: symlinks are
 * followed, but an absolute target restarts at the root and `..` stops at it, so
 * the result can never leave the root (the same scoping as Docker's
 * FollowSymlinkInScope and continuity's RootPath).
 */
import { lstat, readlink } from 'node:fs/promises';
import path from 'node:path';
import { SlipwayError } from '../errors.js';

const MAX_LINKS = 255;

/** Splits a `/`-separated path into clean components (no '', '.'). */
function components(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * The host path that `unsafe` (absolute or relative to the root) names inside
 * `root`. Missing components are fine: they are appended as given. With
 * `followFinal: false` a symlink in the last component is not followed (lstat
 * semantics).
 */
export async function resolveInRoot(root: string, unsafe: string, followFinal = true): Promise<string> {
  const pending = components(unsafe);
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const comp = pending.shift()!;
    if (comp === '..') {
      resolved.pop();
      continue;
    }
    const candidate = path.join(root, ...resolved, comp);
    const isLast = pending.length === 0;
    let isLink = false;
    try {
      isLink = (await lstat(candidate)).isSymbolicLink();
    } catch {
      // Missing (or not a directory on the way): nothing to follow.
    }
    if (!isLink || (isLast && !followFinal)) {
      resolved.push(comp);
      continue;
    }
    if (++links > MAX_LINKS) {
      throw new SlipwayError('PATH_SYMLINK_LOOP', `too many levels of symbolic links resolving ${unsafe}`);
    }
    const target = await readlink(candidate);
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...components(target));
  }
  return path.join(root, ...resolved);
}

/** Is `child` equal to or below `parent` (both absolute and normalised)? */
export function isWithin(parent: string, child: string): boolean {
  if (child === parent) return true;
  return child.startsWith(parent.endsWith('/') ? parent : parent + '/');
}
