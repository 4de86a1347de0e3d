import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LayerChange } from '../../src/image/index.js';
import { rng } from '../helpers/rng.js';
import { sh } from './fixtures.js';

// Names that stress the header encoding: ustar's 100/155 split, non-ASCII (PAX path),
// astral characters (sort order), whiteout-looking names, a 101-byte top-level directory.
const NAMES = [
  'a', 'b.txt', 'index.js', 'with space', 'ünïcödé', '✓ check', '😀', '中文', '.hidden', '.wh.gone', 'x'.repeat(99), 'y'.repeat(100),
  'z'.repeat(101), 'l'.repeat(155), 'm'.repeat(200), 'n'.repeat(255), 'É'.repeat(60), 'package.json', 'README',
];
const SIZES = [0, 1, 100, 511, 512, 513, 1023, 1024, 4095, 4096, 65536, (1 << 20) - 1, 1 << 20, (1 << 20) + 1];
const MODES = [0o644, 0o755, 0o600, 0, 0o4755, 0o2711, 0o1777, 0o7777, 0o444];
// 6 octal digits end at 262143, 7 at 2097151: both edges and beyond.
const IDS = [0, 0, 0, 1000, 65534, 262143, 262144, 300000, 2097151, 2097152, 4000000000];
const MTIMES = [0, 1, 1700000000, 2147483647, 2147483648, 4294967296 + 5, 1e10];
const TARGETS = ['a', '../up', '/etc/passwd', 'ünï/✓', 't'.repeat(99), 't'.repeat(100), 't'.repeat(101), 'u/'.repeat(120)];

export interface GeneratedTree {
  /** Relative paths of everything created (for `changes` sources). */
  paths: string[];
}

/**
 * Builds a random tree under `root` (which must exist) with every entry kind a layer
 * can hold: files of awkward sizes (including members' 1 MiB boundary), directories,
 * symlinks, hardlinks, fifos, character and block devices, odd modes and owners, mtimes
 * around 2^31 and 2^32, long and non-ASCII names and link targets, binary xattrs.
 * Needs root (chown, mknod).
 */
export async function generateTree(root: string, seed: number, count = 150, options: { tarStreamSafe?: boolean } = {}): Promise<GeneratedTree> {
  const r = rng(seed);
  // tar-stream's pack writes mode 0 as 0644/0755 and truncates mtimes to 32 bits: a
  // tree it must encode as slipway does leaves those out.
  const modes = options.tarStreamSafe ? MODES.filter((m) => m !== 0) : MODES;
  const mtimes = options.tarStreamSafe ? MTIMES.filter((t) => t < 2 ** 31) : MTIMES;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const dirs = [''];
  const files: string[] = [];
  const paths: string[] = [];
  const xattrDump: string[] = [];
  const used = new Set<string>();
  const fresh = (dir: string): string | undefined => {
    for (let i = 0; i < 5; i++) {
      const name = r() < 0.7 ? pick(NAMES) : `${pick(NAMES).slice(0, 40)}-${Math.floor(r() * 1000)}`;
      const rel = dir === '' ? name : `${dir}/${name}`;
      if (!used.has(rel) && Buffer.byteLength(path.join(root, rel)) < 4000) {
        used.add(rel);
        return rel;
      }
    }
    return undefined;
  };
  for (let i = 0; i < count; i++) {
    const rel = fresh(pick(dirs));
    if (rel === undefined) continue;
    const abs = path.join(root, rel);
    const roll = r();
    if (roll < 0.2) {
      await fs.mkdir(abs);
      dirs.push(rel);
    } else if (roll < 0.72) {
      const size = r() < 0.05 ? Math.floor(r() * (3 << 20)) : r() < 0.5 ? pick(SIZES) : Math.floor(r() * 20000);
      const data = Buffer.allocUnsafe(size);
      for (let k = 0; k < size; k++) data[k] = (k * 31 + seed + i) & 0xff;
      await fs.writeFile(abs, data);
      files.push(rel);
    } else if (roll < 0.8) {
      await fs.symlink(pick(TARGETS), abs);
    } else if (roll < 0.88 && files.length > 0) {
      await fs.link(path.join(root, pick(files)), abs);
    } else {
      // Linux majors have 12 bits, minors 20: the edges of glibc's dev_t split.
      const args = roll < 0.92 ? ['mkfifo', abs]
        : roll < 0.96 ? ['mknod', abs, 'c', String(pick([1, 4, 255, 256, 4095])), String(pick([3, 255, 256, 70000]))]
          : ['mknod', abs, 'b', String(pick([7, 259, 4000])), String(pick([0, 9, 1048575]))];
      const res = await sh(args[0]!, args.slice(1));
      if (res.code !== 0) throw new Error(`${args.join(' ')}: ${res.stderr}`);
    }
    paths.push(rel);
  }
  for (const rel of [...paths].reverse()) {
    const abs = path.join(root, rel);
    const st = await fs.lstat(abs);
    // user.* xattrs exist on regular files and directories only.
    if (r() < 0.15 && (st.isFile() || st.isDirectory())) {
      // tar-stream writes PAX records as UTF-8, so bytes >= 0x80 only where it is not the reference.
      const high = options.tarStreamSafe ? 0x7f : 0x80;
      const attrs = [`user.n${Math.floor(r() * 3)}=0s${Buffer.from([0, high, high === 0x80 ? 0xff : 0x7e, 0x41, Math.floor(r() * high)]).toString('base64')}`];
      if (r() < 0.5) attrs.push(`user.long=0s${Buffer.alloc(90 + Math.floor(r() * 40), high === 0x80 ? 0xe9 : 0x69).toString('base64')}`);
      if (r() < 0.3 && !options.tarStreamSafe) attrs.push('user.ü=0sMQ==');
      xattrDump.push(`# file: ${abs}\n${attrs.join('\n')}\n`);
    }
    await fs.lchown(abs, pick(IDS), pick(IDS));
    if (!st.isSymbolicLink()) await fs.chmod(abs, pick(modes));
    const t = pick(mtimes);
    await fs.lutimes(abs, t, t);
  }
  if (xattrDump.length > 0) {
    const res = await sh('setfattr', ['-h', '--restore=-'], { input: Buffer.from(xattrDump.join('\n'), 'utf8') });
    if (res.code !== 0) throw new Error(`setfattr: ${res.stderr}`);
  }
  return { paths };
}

/** A `changes` list over a generated tree: some adds (with overrides), whiteouts, opaque dirs. */
export function generateChanges(tree: GeneratedTree, seed: number, options: { tarStreamSafe?: boolean } = {}): LayerChange[] {
  const r = rng(seed);
  const changes: LayerChange[] = [];
  for (const p of tree.paths) {
    const roll = r();
    if (roll < 0.6) changes.push({ type: 'add', path: p });
    else if (roll < 0.7) changes.push({ type: 'add', path: p, uid: 3000000, gid: 7, mode: 0o640 });
    else if (roll < 0.8) changes.push({ type: 'add', path: p, mode: options.tarStreamSafe ? 0o400 : 0 });
  }
  for (let i = 0; i < 10; i++) changes.push({ type: 'whiteout', path: `gone/${NAMES[i]}` });
  changes.push({ type: 'whiteout', path: 'm'.repeat(120) }, { type: 'opaque', path: 'ünïcödé' }, { type: 'opaque', path: 'a' });
  return changes;
}
