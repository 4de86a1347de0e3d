import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import path from 'node:path';
import { SlipwayError } from '../errors.js';
import { canonicalKey, compareKeys, normaliseLayerPath, OPAQUE_MARKER, whiteoutPath } from './paths.js';
import type { LayerChange, LayerSource } from './types.js';
import { readXattrs, type Xattrs } from './xattr.js';

/** One tar entry to write, in canonical form. */
export interface PlannedEntry {
  /** Layer path (no leading `/` or `./`, no trailing `/`). */
  path: string;
  kind: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo' | 'marker';
  /** Absolute source path for file content, lstat info. */
  source?: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch, already clamped. */
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Xattrs;
  ino?: string;
}

type Override = { uid?: number; gid?: number; mode?: number };

function kindOf(st: Stats): PlannedEntry['kind'] | undefined {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'character-device';
  if (st.isBlockDevice()) return 'block-device';
  if (st.isFIFO()) return 'fifo';
  // Sockets (and anything unknown) have no place in an image.
  return undefined;
}

/** A directory's names in canonical order (see canonicalKey: one component's key). */
function sortedNames(dir: string): string[] {
  const keyed = readdirSync(dir).map((n) => [canonicalKey(n), n] as const);
  keyed.sort((a, b) => compareKeys(a[0], b[0]));
  return keyed.map((k) => k[1]);
}

/**
 * Walks depth-first, each directory's names sorted canonically, so entries come out
 * in canonical order with no sort of the whole tree (a parent sorts before its
 * children and a NUL separator below every name, so whole-key order is this order).
 * Synchronous readdir/lstat: planning happens before any streaming, the calls are
 * page-cache fast, and one entry object per path (no promise, no kept Stats) keeps
 * the garbage, and so the peak RSS, of 100k-file trees small.
 */
function* walkTree(root: string, clamp: number | undefined): Generator<PlannedEntry> {
  const stack: { rel: string; names: string[]; next: number }[] = [{ rel: '', names: sortedNames(root), next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next === top.names.length) {
      stack.pop();
      continue;
    }
    const name = top.names[top.next++]!;
    const rel = top.rel === '' ? name : `${top.rel}/${name}`;
    const abs = `${root}/${rel}`;
    const e = toEntry(rel, abs, lstatSync(abs), undefined, clamp);
    if (e === undefined) continue;
    yield e;
    if (e.kind === 'directory') stack.push({ rel, names: sortedNames(abs), next: 0 });
  }
}

/**
 * What planEntries does to each entry after the walk, in order: symlink targets read, later
 * names of a file made hard links to its first, xattrs attached (by absolute path).
 */
function* finished(entries: Iterable<PlannedEntry>, xattrs: ReadonlyMap<string, Xattrs> | undefined): Generator<PlannedEntry> {
  const firstByInode = new Map<string, string>();
  for (const e of entries) {
    if (e.kind === 'symlink') e.linkname = readlinkSync(e.source!);
    if (e.ino !== undefined) {
      const first = firstByInode.get(e.ino);
      if (first === undefined) firstByInode.set(e.ino, e.path);
      else Object.assign(e, { kind: 'link', linkname: first, size: 0 });
    }
    const x = e.source !== undefined && xattrs !== undefined && xattrs.size > 0 ? xattrs.get(e.source) : undefined;
    if (x !== undefined) e.xattrs = x;
    yield e;
  }
}

/**
 * planEntries of a tree, one entry at a time as the walk goes (the tar worker writes a
 * tree's tar this way, without the whole list): `xattrs` are the tree's, by absolute path.
 */
export function treeEntries(root: string, sourceDateEpoch: number | undefined, xattrs: ReadonlyMap<string, Xattrs> | undefined): Generator<PlannedEntry> {
  return finished(walkTree(path.resolve(root), sourceDateEpoch), xattrs);
}

// Linux dev_t split (glibc's gnu_dev_major/minor) for the values Node reports.
function major(rdev: number): number {
  const d = BigInt(rdev);
  return Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn));
}
function minor(rdev: number): number {
  const d = BigInt(rdev);
  return Number((d & 0xffn) | ((d >> 12n) & ~0xffn & 0xffffffffn));
}

function toEntry(p: string, source: string, st: Stats, override: Override | undefined, clamp: number | undefined): PlannedEntry | undefined {
  const kind = kindOf(st);
  if (kind === undefined) return undefined;
  let mtime = Math.max(0, Math.floor(st.mtimeMs / 1000));
  if (clamp !== undefined && mtime > clamp) mtime = clamp;
  const e: PlannedEntry = {
    path: p,
    kind,
    source,
    size: kind === 'file' ? st.size : 0,
    mode: (override?.mode ?? st.mode) & 0o7777,
    uid: override?.uid ?? st.uid,
    gid: override?.gid ?? st.gid,
    mtime,
  };
  if (kind === 'file' && st.nlink > 1) e.ino = `${st.dev}:${st.ino}`;
  if (kind === 'character-device' || kind === 'block-device') {
    e.devmajor = major(st.rdev);
    e.devminor = minor(st.rdev);
  }
  return e;
}

function marker(p: string): PlannedEntry {
  return { path: p, kind: 'marker', size: 0, mode: 0o644, uid: 0, gid: 0, mtime: 0 };
}

/**
 * The entries of a change list in canonical order: markers, then adds (a path listed
 * twice, or both added and marked, is written once, the marker winning).
 */
function changedEntries(root: string, changes: Iterable<LayerChange>, clamp: number | undefined): PlannedEntry[] {
  const markers: PlannedEntry[] = [];
  const adds: { path: string; override: Override }[] = [];
  for (const c of changes) {
    const p = normaliseLayerPath(c.path);
    if (p === '') throw new SlipwayError('LAYER_BAD_CHANGE', `a ${c.type} change cannot name the layer root`);
    switch (c.type) {
      case 'add':
        adds.push({ path: p, override: { uid: c.uid, gid: c.gid, mode: c.mode } });
        break;
      case 'whiteout':
        markers.push(marker(whiteoutPath(p)));
        break;
      case 'opaque':
        markers.push(marker(`${p}/${OPAQUE_MARKER}`));
        break;
      default: {
        const never: never = c;
        throw new SlipwayError('LAYER_BAD_CHANGE', `unknown change ${JSON.stringify(never)}`);
      }
    }
  }
  const entries: PlannedEntry[] = [...markers];
  const seen = new Set<string>(markers.map((m) => m.path));
  for (const a of adds) {
    if (seen.has(a.path)) continue;
    seen.add(a.path);
    const source = path.join(root, a.path);
    let st: Stats;
    try {
      st = lstatSync(source);
    } catch {
      throw new SlipwayError('LAYER_SOURCE_MISSING', `${a.path} is listed as added but does not exist under ${root}`);
    }
    const e = toEntry(a.path, source, st, a.override, clamp);
    if (e) entries.push(e);
  }
  const keyed = entries.map((e) => [canonicalKey(e.path), e] as const);
  keyed.sort((x, y) => compareKeys(x[0], y[0]));
  return keyed.map((k) => k[1]);
}

/** getfattr takes this many paths per process (see readXattrs). */
const XATTR_BATCH = 256;

/** Whether the tree under `root` has at most `limit` entries (readdir alone, stopping past the limit). */
function atMost(root: string, limit: number): boolean {
  let count = 0;
  const stack = [root];
  try {
    while (stack.length > 0) {
      const dir = stack.pop()!;
      for (const d of readdirSync(dir, { withFileTypes: true })) {
        if (++count > limit) return false;
        if (d.isDirectory()) stack.push(`${dir}/${d.name}`);
      }
    }
  } catch {
    return false;
  }
  return true;
}

/**
 * Xattrs of the changed entries. Listing paths costs one getfattr process per
 * XATTR_BATCH paths (~10x the time per path of a recursive read), so when the root
 * holds few more entries than the list (a build step's upper dir holds only its
 * changes) one recursive read of the root is used, of which only listed paths are kept.
 */
function changedXattrs(root: string, entries: readonly PlannedEntry[]): Promise<Map<string, Xattrs>> {
  const sources = entries.filter((e) => e.source).map((e) => e.source!);
  if (sources.length > XATTR_BATCH && atMost(root, 4 * sources.length)) return readXattrs([root], true);
  return readXattrs(sources, false);
}

/**
 * Turns a layer source into the exact, sorted list of tar entries: sockets dropped,
 * whiteout/opaque markers placed, later hardlinks to a file turned into `link`
 * entries pointing at its first path in canonical order, mtimes clamped to
 * `sourceDateEpoch`, xattrs attached, symlink targets read.
 */
export async function planEntries(source: LayerSource, sourceDateEpoch?: number): Promise<PlannedEntry[]> {
  const root = path.resolve(source.root);
  let entries: PlannedEntry[];
  // A tree's xattrs come from one getfattr process, which runs while this one walks.
  const treeXattrs: Promise<ReadonlyMap<string, Xattrs>> | undefined = source.type === 'tree' ? (source.xattrs ? Promise.resolve(source.xattrs) : readXattrs([root], true)) : undefined;
  treeXattrs?.catch(() => undefined);
  switch (source.type) {
    case 'tree':
      entries = [...walkTree(root, sourceDateEpoch)];
      break;
    case 'changes':
      entries = changedEntries(root, source.changes, sourceDateEpoch);
      break;
    default: {
      const never: never = source;
      throw new SlipwayError('LAYER_BAD_SOURCE', `unknown layer source ${JSON.stringify(never)}`);
    }
  }
  const xattrs = await (treeXattrs ?? changedXattrs(root, entries));
  return [...finished(entries, xattrs)];
}
