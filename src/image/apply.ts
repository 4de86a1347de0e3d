import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { SlipwayError } from '../errors.js';
import { runShort } from '../subprocess.js';
import type { Digest } from '../oci/index.js';
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from './paths.js';
import { readLayer, type ByteSource, type EntryBody, type LayerEntry } from './layer-reader.js';
import type { ApplyOptions, ApplyResult } from './types.js';
import { writeXattrs, type Xattrs } from './xattr.js';

const isRoot = () => process.getuid?.() === 0;

function unsafe(p: string, why: string): SlipwayError {
  return new SlipwayError('LAYER_UNSAFE_PATH', `refusing ${JSON.stringify(p)}: ${why}`);
}

async function lstatOrNull(p: string) {
  try {
    return await fs.lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** mknod, mkfifo: through the build's short-command helper when there is one (subprocess.ts). */
async function run(cmd: string, args: string[]): Promise<void> {
  const r = await runShort(cmd, args);
  if (r.code !== 0) throw new SlipwayError('LAYER_APPLY_FAILED', `${cmd} ${args.join(' ')}: ${r.stderr.toString().trim()}`);
}

/**
 * Applies layers onto a directory with OCI semantics, never writing outside it:
 * every parent of every entry is checked to be a real directory inside the root
 * (a symlink planted by an earlier entry or layer is refused, not followed);
 * symlinks whose target resolves (lexically, absolute targets from the root)
 * outside the root are refused; hardlinks must name an existing non-directory
 * inside the root reached without symlinks.
 */
export class LayerApplier {
  private readonly root: string;
  /** Directories known to be real (not symlinks) during this layer. */
  private realDirs = new Set<string>(['']);
  private layerPaths = new Set<string>();
  private dirTimes: [string, number][] = [];
  private xattrs = new Map<string, Xattrs>();
  private readonly owner: boolean;
  private readonly withXattrs: boolean;

  constructor(root: string, options: ApplyOptions = {}) {
    this.root = path.resolve(root);
    this.owner = options.preserveOwner ?? isRoot();
    this.withXattrs = options.xattrs ?? isRoot();
  }

  /** Applies one layer stream (gzip or tar). Checks the diff_id when given. */
  async apply(source: ByteSource, expectedDiffId?: Digest): Promise<ApplyResult> {
    this.realDirs = new Set(['']);
    this.layerPaths = new Set();
    this.dirTimes = [];
    this.xattrs = new Map();
    const r = await readLayer(source, (e, body) => this.entry(e, body), expectedDiffId ? { expectedDiffId } : {});
    if (this.withXattrs) await writeXattrs(this.xattrs);
    // Directory mtimes last and deepest first: creating children touched them.
    for (const [p, t] of this.dirTimes.reverse()) await fs.utimes(this.abs(p), t, t).catch(() => undefined);
    return r;
  }

  private abs(p: string): string {
    return p === '' ? this.root : path.join(this.root, p);
  }

  /**
   * Ensures every ancestor of `p` is a real directory. Missing ones are created, except
   * for a hardlink target (`create` false), which must already exist.
   */
  private async parents(p: string, create = true): Promise<void> {
    const what = create ? '' : ' of a hardlink target';
    const parts = p.split('/');
    let cur = '';
    for (let i = 0; i < parts.length - 1; i++) {
      cur = cur === '' ? parts[i]! : `${cur}/${parts[i]}`;
      if (this.realDirs.has(cur)) continue;
      const st = await lstatOrNull(this.abs(cur));
      if (st === null) {
        if (!create) throw new SlipwayError('LAYER_BAD_HARDLINK', `hardlink target ${p} does not exist`);
        await fs.mkdir(this.abs(cur), { mode: 0o755 });
      } else if (st.isSymbolicLink()) throw unsafe(p, `parent ${cur}${what} is a symlink`);
      else if (!st.isDirectory()) throw unsafe(p, `parent ${cur}${what} is not a directory`);
      this.realDirs.add(cur);
    }
  }

  private async remove(p: string): Promise<void> {
    await fs.rm(this.abs(p), { recursive: true, force: true });
    for (const d of this.realDirs) if (d === p || d.startsWith(`${p}/`)) this.realDirs.delete(d);
  }

  /** Removes everything under `dir` not written by the current layer. */
  private async opaque(dir: string): Promise<void> {
    const names = await fs.readdir(this.abs(dir)).catch(() => [] as string[]);
    for (const n of names) {
      const p = dir === '' ? n : `${dir}/${n}`;
      if (!this.layerPaths.has(p)) await this.remove(p);
      else if (this.realDirs.has(p)) await this.opaque(p);
    }
  }

  private async entry(e: LayerEntry, body: EntryBody): Promise<void> {
    const base = path.posix.basename(e.path);
    const dir = path.posix.dirname(e.path) === '.' ? '' : path.posix.dirname(e.path);
    await this.parents(e.path);
    if (base === OPAQUE_MARKER) return this.opaque(dir);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      const target = (dir === '' ? '' : `${dir}/`) + base.slice(WHITEOUT_PREFIX.length);
      if (base.length === WHITEOUT_PREFIX.length || target.split('/').pop() === '..') throw unsafe(e.path, 'malformed whiteout');
      if (!this.layerPaths.has(target)) await this.remove(target);
      return;
    }
    const abs = this.abs(e.path);
    const existing = await lstatOrNull(abs);
    if (existing && !(e.type === 'directory' && existing.isDirectory())) await this.remove(e.path);
    this.layerPaths.add(e.path);
    switch (e.type) {
      case 'directory':
        if (!existing?.isDirectory()) await fs.mkdir(abs, { mode: 0o700 });
        this.realDirs.add(e.path);
        this.dirTimes.push([e.path, e.mtime]);
        break;
      case 'file': {
        const fh = await fs.open(abs, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        try {
          for await (const chunk of body) await fh.write(chunk);
        } finally {
          await fh.close();
        }
        break;
      }
      case 'symlink': {
        const target = e.linkname!;
        const resolved = path.posix.normalize(target.startsWith('/') ? target : `/${dir}/${target}`);
        if (!target.startsWith('/') && escapes(dir, target)) throw unsafe(e.path, `symlink target ${JSON.stringify(target)} points outside the root`);
        if (resolved.startsWith('/..')) throw unsafe(e.path, `symlink target ${JSON.stringify(target)} points outside the root`);
        await fs.symlink(target, abs);
        break;
      }
      case 'link': {
        const target = e.linkname!;
        await this.parents(target, false);
        const st = await lstatOrNull(this.abs(target));
        if (st === null) throw new SlipwayError('LAYER_BAD_HARDLINK', `${e.path}: hardlink target ${target} does not exist`);
        if (st.isDirectory()) throw unsafe(e.path, `hardlink to directory ${target}`);
        await fs.link(this.abs(target), abs);
        return; // a hardlink shares its target's metadata
      }
      case 'character-device':
      case 'block-device':
        if (!isRoot()) return; // unprivileged extraction cannot create devices (as rootless podman)
        await run('mknod', ['-m', (e.mode & 0o7777).toString(8), abs, e.type === 'block-device' ? 'b' : 'c', String(e.devmajor), String(e.devminor)]);
        break;
      case 'fifo':
        await run('mkfifo', ['-m', (e.mode & 0o7777).toString(8), abs]);
        break;
      default: {
        const never: never = e.type;
        throw new SlipwayError('LAYER_BAD_HEADER', `unknown entry type ${String(never)}`);
      }
    }
    await this.metadata(e, abs);
  }

  private async metadata(e: LayerEntry, abs: string): Promise<void> {
    if (this.owner) await fs.lchown(abs, e.uid, e.gid);
    // chmod after chown: chown clears setuid/setgid bits.
    if (e.type !== 'symlink') await fs.chmod(abs, e.mode);
    if (e.type !== 'directory') await fs.lutimes(abs, e.mtime, e.mtime);
    if (e.xattrs && e.type !== 'symlink') this.xattrs.set(abs, e.xattrs);
  }
}

/** True when a relative symlink target climbs above the root from `dir`. */
function escapes(dir: string, target: string): boolean {
  let depth = dir === '' ? 0 : dir.split('/').length;
  for (const part of target.split('/')) {
    if (part === '..') depth--;
    else if (part !== '.' && part !== '') depth++;
    if (depth < 0) return true;
  }
  return false;
}

/** Applies `layers` in order onto `root` (created if missing). */
export async function applyLayers(root: string, layers: Iterable<{ stream: ByteSource; diffId?: Digest }>, options: ApplyOptions = {}): Promise<ApplyResult[]> {
  await fs.mkdir(root, { recursive: true });
  const applier = new LayerApplier(root, options);
  const out: ApplyResult[] = [];
  for (const l of layers) out.push(await applier.apply(l.stream, l.diffId));
  return out;
}
