import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sh } from './fixtures.js';

/** A comparable description of every path under `root` (type, mode, owner, mtime, content, link, xattrs). */
export async function snapshot(root: string, options: { mtimes?: boolean; dirMtimes?: boolean } = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const inodes = new Map<number, string>();
  const xattrs = await sh('getfattr', ['-R', '-h', '-d', '-m', '^user\\.', '-e', 'hex', '--absolute-names', root]);
  const visit = async (rel: string) => {
    const dir = path.join(root, rel);
    for (const name of (await fs.readdir(dir)).sort()) {
      const p = rel === '' ? name : `${rel}/${name}`;
      const abs = path.join(root, p);
      const st = await fs.lstat(abs);
      let desc = `mode=${(st.mode & 0o7777).toString(8)} uid=${st.uid} gid=${st.gid}`;
      if (options.mtimes !== false && (!st.isDirectory() || options.dirMtimes !== false)) desc += ` mtime=${Math.floor(st.mtimeMs / 1000)}`;
      if (st.isFile()) {
        const first = st.nlink > 1 ? inodes.get(st.ino) : undefined;
        if (st.nlink > 1 && !first) inodes.set(st.ino, p);
        desc = `file ${desc} size=${st.size} sha=${createHash('sha256').update(await fs.readFile(abs)).digest('hex').slice(0, 16)}${first ? ` link=${first}` : ''}`;
      } else if (st.isDirectory()) desc = `dir ${desc}`;
      else if (st.isSymbolicLink()) desc = `symlink -> ${await fs.readlink(abs)} uid=${st.uid}`;
      else if (st.isFIFO()) desc = `fifo ${desc}`;
      else if (st.isCharacterDevice()) desc = `chr ${desc} rdev=${st.rdev}`;
      else if (st.isBlockDevice()) desc = `blk ${desc} rdev=${st.rdev}`;
      else desc = `other ${desc}`;
      out[p] = desc;
      if (st.isDirectory()) await visit(p);
    }
  };
  await visit('');
  const text = xattrs.stdout;
  for (const block of text.split('\n\n')) {
    const lines = block.trim().split('\n');
    if (!lines[0]?.startsWith('# file: ')) continue;
    const rel = path.relative(root, lines[0].slice(8));
    if (out[rel]) out[rel] += ` xattrs=${lines.slice(1).join(',')}`;
  }
  return out;
}
