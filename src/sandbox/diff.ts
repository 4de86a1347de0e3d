/**
 * diffUpper: the changes a RUN step made, read from its overlay upper dir.
 *
 * Semantics follow BuildKit's overlay differ (util/overlay/overlay_linux.go):
 * - a char device 0/0 is a deletion; it becomes a whiteout only if the path
 *   exists below (otherwise it is dropped);
 * - a directory with `trusted.overlay.opaque=y` that exists below becomes an
 *   opaque marker, and everything under it is emitted as added;
 * - an entry that exists below with the same type, mode, owner, device, file
 *   capabilities and (for non-directories) size and mtime is a copy-up without
 *   change and is skipped;
 * - every emitted change brings its parent directories along (containerd's
 *   change writer does the same), so a layer never has orphans.
 * Order: the image store's canonical layer order (src/image/paths.ts): paths
 * compared component by component in byte order, a directory before its
 * contents, and inside a directory its opaque marker first, then whiteouts, then
 * entries.
 */
import { lstat, mkdir, mkdtemp, open, readdir, readlink, rm } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mountOverlay, unmount } from './overlay.js';
import { opaqueDirs, xattrValues } from './xattr.js';
import type { EntryStat, LayerChange } from './types.js';
import type { LayerChange as ImageLayerChange } from '../image/types.js';
import { sortByBytes } from '../oci/index.js';

// Compile-time proof that the layer writer accepts our changes as they are.
const asImageChange = (c: LayerChange): ImageLayerChange => c;
void asImageChange;

export interface DiffInput {
  upperDir: string;
  /** The step's lower dirs, bottom first (as given to runStep). */
  lowerDirs: string[];
  /** Where a temporary read-only view of the lowers is mounted. */
  stateDir?: string;
}

interface Node {
  rel: string;
  abs: string;
  st: BigIntStats;
  base: BigIntStats | null;
  children: Node[];
}


async function lstatOrNull(p: string): Promise<BigIntStats | null> {
  try {
    return await lstat(p, { bigint: true });
  } catch {
    return null;
  }
}

/** Reads the upper dir into a tree, pairing each entry with the base's stat. */
async function scan(dir: string, rel: string, baseRoot: string | null, baseIsDir: boolean): Promise<Node[]> {
  const names = sortByBytes(await readdir(dir));
  // Stats of one directory in parallel (the thread pool overlaps the syscalls).
  const nodes = await Promise.all(names.map(async (name): Promise<Node> => {
    const r = rel === '' ? name : `${rel}/${name}`;
    const abs = path.join(dir, name);
    const [st, base] = await Promise.all([
      lstat(abs, { bigint: true }),
      baseRoot !== null && baseIsDir ? lstatOrNull(path.join(baseRoot, r)) : null,
    ]);
    return { rel: r, abs, st, base, children: [] };
  }));
  for (const node of nodes) {
    if (node.st.isDirectory()) node.children = await scan(node.abs, node.rel, baseRoot, node.base?.isDirectory() ?? false);
  }
  return nodes;
}

function isWhiteout(st: BigIntStats): boolean {
  return st.isCharacterDevice() && st.rdev === 0n;
}

function kindOf(st: BigIntStats): EntryStat['kind'] {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return 'socket';
}

async function entryStat(abs: string, st: BigIntStats): Promise<EntryStat> {
  const kind = kindOf(st);
  const e: EntryStat = {
    kind,
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: kind === 'file' ? Number(st.size) : 0,
    mtimeNs: st.mtimeNs,
    ino: st.ino,
    nlink: Number(st.nlink),
  };
  if (kind === 'symlink') e.linkTarget = await readlink(abs);
  if (kind === 'char' || kind === 'block') {
    // glibc's major()/minor() encoding of dev_t.
    const rdev = st.rdev;
    e.devMajor = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
    e.devMinor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  }
  return e;
}

async function sameContent(a: string, b: string): Promise<boolean> {
  const [fa, fb] = [await open(a), await open(b)];
  try {
    const ba = Buffer.alloc(65536);
    const bb = Buffer.alloc(65536);
    for (;;) {
      const [ra, rb] = [await fa.read(ba, 0, ba.length), await fb.read(bb, 0, bb.length)];
      if (ra.bytesRead !== rb.bytesRead) return false;
      if (ra.bytesRead === 0) return true;
      if (!ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead))) return false;
    }
  } finally {
    await fa.close();
    await fb.close();
  }
}

/** BuildKit's sameDirent: is the upper entry an unchanged copy-up of the base's? */
async function unchanged(node: Node, baseRoot: string): Promise<boolean> {
  const { st, base } = node;
  if (base === null) return false;
  if (st.mode !== base.mode || st.uid !== base.uid || st.gid !== base.gid || st.rdev !== base.rdev) return false;
  if (st.isDirectory()) return true;
  if (st.size !== base.size || st.mtimeMs / 1000n !== base.mtimeMs / 1000n) return false;
  const nsA = st.mtimeNs % 1_000_000_000n;
  const nsB = base.mtimeNs % 1_000_000_000n;
  if (nsA !== 0n || nsB !== 0n) return nsA === nsB;
  // Both timestamps look truncated (unpacked from tars): compare what they hold.
  const basePath = path.join(baseRoot, node.rel);
  if (st.isSymbolicLink()) return (await readlink(node.abs)) === (await readlink(basePath));
  if (st.size === 0n) return true;
  return sameContent(node.abs, basePath);
}

const SEP = 0;
const RANK = { opaque: 1, whiteout: 2, add: 3 } as const;

/** Component-wise byte order; within a directory: opaque marker, whiteouts, entries. */
function sortKey(c: LayerChange): Buffer {
  const parts = c.path.split('/');
  const bufs: Buffer[] = [];
  parts.forEach((name, i) => {
    if (i > 0) bufs.push(Buffer.from([SEP]));
    const rank = i === parts.length - 1 && c.type === 'whiteout' ? RANK.whiteout : RANK.add;
    bufs.push(Buffer.from([rank]), Buffer.from(name));
  });
  if (c.type === 'opaque') bufs.push(Buffer.from([SEP, RANK.opaque]));
  return Buffer.concat(bufs);
}

function collectBaseDirs(nodes: Node[], out: string[]): void {
  for (const n of nodes) {
    if (!n.st.isDirectory()) continue;
    if (n.base !== null) out.push(n.abs);
    collectBaseDirs(n.children, out);
  }
}

/**
 * The list of changes for the layer that `upperDir` represents. `lowerDirs` are
 * mounted read-only (with an overlay, so their own whiteouts apply) to decide
 * what is new, modified, or really deleted.
 */
export async function diffUpper(input: DiffInput): Promise<LayerChange[]> {
  const stateDir = input.stateDir ?? path.join(os.tmpdir(), 'slipway-sandbox');
  await mkdir(stateDir, { recursive: true });
  let view: string | null = null;
  let mounted = false;
  try {
    if (input.lowerDirs.length > 0) {
      view = await mkdtemp(path.join(stateDir, 'base-'));
      await mkdir(path.join(view, 'empty'));
      await mkdir(path.join(view, 'root'));
      // A lone lower dir is mounted with an empty one: overlayfs wants two without an upper.
      const lowers = [...input.lowerDirs].reverse().concat(path.join(view, 'empty'));
      await mountOverlay(path.join(view, 'root'), { lowerTopFirst: lowers });
      mounted = true;
    }
    const baseRoot = view === null ? null : path.join(view, 'root');
    const tree = await scan(input.upperDir, '', baseRoot, baseRoot !== null);
    const candidates: string[] = [];
    collectBaseDirs(tree, candidates);
    const opaque = candidates.length > 0 ? await opaqueDirs(candidates) : new Set<string>();

    const changes: LayerChange[] = [];
    const emitted = new Set<string>();
    const add = async (n: Node): Promise<void> => {
      changes.push({ type: 'add', path: n.rel, stat: await entryStat(n.abs, n.st) });
      emitted.add(n.rel);
    };
    // Ancestors whose entries are not yet in `changes`; flushed before a child.
    const pending: Node[] = [];
    const flush = async (): Promise<void> => {
      for (const a of pending) await add(a);
      pending.length = 0;
    };
    // Files that look like unchanged copy-ups, with their ancestors: their
    // capabilities are compared in one batch afterwards (setcap keeps the mtime).
    const capsCheck: { node: Node; ancestors: Node[] }[] = [];
    const chain: Node[] = [];
    const walk = async (nodes: Node[], inOpaque: boolean): Promise<void> => {
      for (const n of nodes) {
        if (isWhiteout(n.st)) {
          // Below an opaque marker nothing of the base shows anyway.
          if (inOpaque || n.base === null) continue;
          await flush();
          changes.push({ type: 'whiteout', path: n.rel });
          continue;
        }
        const isOpaque = n.st.isDirectory() && n.base !== null && opaque.has(n.abs);
        if (inOpaque || isOpaque || !(await unchanged(n, baseRoot ?? ''))) {
          await flush();
          await add(n);
          if (isOpaque) changes.push({ type: 'opaque', path: n.rel });
          chain.push(n);
          if (n.st.isDirectory()) await walk(n.children, inOpaque || isOpaque);
          chain.pop();
        } else if (n.st.isDirectory()) {
          pending.push(n);
          chain.push(n);
          const depth = pending.length;
          await walk(n.children, false);
          chain.pop();
          // Drop it again if no child needed it.
          if (pending.length >= depth) pending.length = depth - 1;
        } else if (n.st.isFile()) {
          capsCheck.push({ node: n, ancestors: [...chain] });
        }
      }
    };
    await walk(tree, false);
    if (capsCheck.length > 0 && baseRoot !== null) {
      const basePath = (n: Node): string => path.join(baseRoot, n.rel);
      const caps = await xattrValues(capsCheck.flatMap(({ node }) => [node.abs, basePath(node)]), '^security\\.capability$');
      const capOf = (p: string): string | undefined => caps.get(p)?.get('security.capability');
      for (const { node, ancestors } of capsCheck) {
        if (capOf(node.abs) === capOf(basePath(node))) continue;
        for (const a of ancestors) if (!emitted.has(a.rel)) await add(a);
        await add(node);
      }
    }
    // Keys computed once per change, not per comparison.
    const keyed = changes.map((c) => ({ c, key: sortKey(c) }));
    keyed.sort((a, b) => Buffer.compare(a.key, b.key));
    return keyed.map((k) => k.c);
  } finally {
    if (view !== null) {
      // If unmounting throws, the view is left in place rather than recursed into.
      if (mounted) await unmount(path.join(view, 'root'));
      await rm(view, { recursive: true, force: true });
    }
  }
}
