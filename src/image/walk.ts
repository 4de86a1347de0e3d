import { lstatSync, promises as fs, readdirSync, readlinkSync, type Stats } from 'node:fs';
import path from 'node:path';
import { SlipwayError } from '../errors.js';
import { canonicalKey, compareKeys, normaliseLayerPath, OPAQUE_MARKER, whiteoutPath } from './paths.js';
import type { LayerSource } from './types.js';
import { readXattrs, type Xattrs } from './xattr.js';

/** One tar entry to write, in canonical form. */
export interface PlannedEntry {
  /** Layer path (no leading `/` or `./`, no trailing `/`). */
  path: string;
  key: string;
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

/** The lstat fields a layer needs; full Stats objects cost ~10x the memory on big trees. */
interface Meta {
  kind: PlannedEntry['kind'] | undefined;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  nlink: number;
  dev: number;
  ino: number;
  rdev: number;
}

function meta(st: Stats): Meta {
  let kind: Meta['kind'];
  if (st.isFile()) kind = 'file';
  else if (st.isDirectory()) kind = 'directory';
  else if (st.isSymbolicLink()) kind = 'symlink';
  else if (st.isCharacterDevice()) kind = 'character-device';
  else if (st.isBlockDevice()) kind = 'block-device';
  else if (st.isFIFO()) kind = 'fifo';
  // Sockets (and anything unknown) have no place in an image: kind stays undefined.
  return { kind, mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, mtimeMs: st.mtimeMs, nlink: st.nlink, dev: st.dev, ino: st.ino, rdev: st.rdev };
}

interface Found {
  path: string;
  st: Meta;
  override?: { uid?: number; gid?: number; mode?: number };
}

/**
 * Walks with synchronous readdir/lstat: planning happens before any streaming, the
 * calls are page-cache fast, and avoiding one promise + closure per file keeps the
 * garbage (and so the peak RSS) of 100k-file trees small.
 */
function walkTree(root: string): Found[] {
  const out: Found[] = [];
  const stack: string[] = [''];
  while (stack.length > 0) {
    const rel = stack.pop()!;
    const dir = rel === '' ? root : `${root}/${rel}`;
    for (const n of readdirSync(dir)) {
      const p = rel === '' ? n : `${rel}/${n}`;
      const m = meta(lstatSync(`${dir}/${n}`));
      if (m.kind !== undefined) out.push({ path: p, st: m });
      if (m.kind === 'directory') stack.push(p);
    }
  }
  return out;
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

function toEntry(f: Found, root: string, clamp: number | undefined): PlannedEntry | undefined {
  const st = f.st;
  const kind = st.kind;
  if (kind === undefined) return undefined;
  let mtime = Math.max(0, Math.floor(st.mtimeMs / 1000));
  if (clamp !== undefined && mtime > clamp) mtime = clamp;
  const e: PlannedEntry = {
    path: f.path,
    key: canonicalKey(f.path),
    kind,
    source: root + '/' + f.path,
    size: kind === 'file' ? st.size : 0,
    mode: (f.override?.mode ?? st.mode) & 0o7777,
    uid: f.override?.uid ?? st.uid,
    gid: f.override?.gid ?? st.gid,
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
  return { path: p, key: canonicalKey(p), kind: 'marker', size: 0, mode: 0o644, uid: 0, gid: 0, mtime: 0 };
}

/**
 * Turns a layer source into the exact, sorted list of tar entries: sockets dropped,
 * whiteout/opaque markers placed, later hardlinks to a file turned into `link`
 * entries pointing at its first path in canonical order, mtimes clamped to
 * `sourceDateEpoch`, xattrs attached, symlink targets read.
 */
export async function planEntries(source: LayerSource, sourceDateEpoch?: number): Promise<PlannedEntry[]> {
  const root = path.resolve(source.root);
  let found: Found[];
  const markers: PlannedEntry[] = [];
  // A tree's xattrs come from one getfattr process, which runs while this one walks.
  const treeXattrs = source.type === 'tree' ? readXattrs([root], true) : undefined;
  treeXattrs?.catch(() => undefined);
  switch (source.type) {
    case 'tree':
      found = walkTree(root);
      break;
    case 'changes': {
      found = [];
      for (const c of source.changes) {
        const p = normaliseLayerPath(c.path);
        if (p === '') throw new SlipwayError('LAYER_BAD_CHANGE', `a ${c.type} change cannot name the layer root`);
        switch (c.type) {
          case 'add': {
            const st = await fs.lstat(path.join(root, p)).catch(() => {
              throw new SlipwayError('LAYER_SOURCE_MISSING', `${p} is listed as added but does not exist under ${root}`);
            });
            found.push({ path: p, st: meta(st), override: { uid: c.uid, gid: c.gid, mode: c.mode } });
            break;
          }
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
      break;
    }
    default: {
      const never: never = source;
      throw new SlipwayError('LAYER_BAD_SOURCE', `unknown layer source ${JSON.stringify(never)}`);
    }
  }
  const entries: PlannedEntry[] = [...markers];
  const seen = new Set<string>(markers.map((m) => m.path));
  for (const f of found) {
    if (seen.has(f.path)) continue;
    seen.add(f.path);
    const e = toEntry(f, root, sourceDateEpoch);
    if (e) entries.push(e);
  }
  entries.sort((a, b) => compareKeys(a.key, b.key));
  const firstByInode = new Map<string, string>();
  for (const e of entries) {
    if (e.kind === 'symlink') e.linkname = readlinkSync(e.source!);
    if (e.ino === undefined) continue;
    const first = firstByInode.get(e.ino);
    if (first === undefined) firstByInode.set(e.ino, e.path);
    else Object.assign(e, { kind: 'link', linkname: first, size: 0 });
  }
  const xattrs = await (treeXattrs ?? readXattrs(entries.filter((e) => e.source).map((e) => e.source!), false));
  if (xattrs.size > 0) for (const e of entries) if (e.source) e.xattrs = xattrs.get(e.source);
  return entries;
}
