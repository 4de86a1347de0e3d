import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { chmod, lchown, link, lstat, mkdir, open, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { isWithin, resolveInRoot } from '../context/rootpath.js';
import { SlipwayError } from '../errors.js';
import type { Owner } from './passwd.js';

/**
 * ADD's local archive handling: recognise a tar (plain, gzip, bzip2 or xz) by its
 * first bytes, as Docker does (never by name), and extract it into a directory with
 * every path kept inside that directory.
 */

export type ArchiveKind = 'tar' | 'gzip' | 'bzip2' | 'xz';

export async function detectArchive(file: string): Promise<ArchiveKind | undefined> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, 512, 0);
    if (bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return 'gzip';
    if (bytesRead >= 3 && buf.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
    if (bytesRead >= 6 && buf.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
    if (bytesRead >= 262 && buf.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
    return undefined;
  } finally {
    await fh.close();
  }
}

function decompressed(file: string, kind: ArchiveKind): Readable {
  const raw = createReadStream(file);
  switch (kind) {
    case 'tar':
      return raw;
    case 'gzip':
      return raw.pipe(createGunzip());
    case 'bzip2':
    case 'xz': {
      const child = spawn(kind === 'xz' ? 'xz' : 'bzip2', ['-dc'], { stdio: ['pipe', 'pipe', 'ignore'] });
      raw.pipe(child.stdin);
      return child.stdout;
    }
    default: {
      const never: never = kind;
      throw new Error(`unhandled archive kind ${String(never)}`);
    }
  }
}

/** Extracts `file` into `dest`; entries that would land outside are refused (BUILD_ARCHIVE_ESCAPE). */
export async function extractArchive(file: string, dest: string, owner: Owner | undefined): Promise<void> {
  const kind = await detectArchive(file);
  if (!kind) throw new SlipwayError('BUILD_NOT_ARCHIVE', `${path.basename(file)} is not a tar archive`);
  const extract = tar.extract();
  const input = decompressed(file, kind);
  input.on('error', (e) => extract.destroy(e));
  input.pipe(extract);
  const dirs: { p: string; mtime: Date }[] = [];
  for await (const entry of extract) {
    const h = entry.header;
    const name = path.posix.normalize(`/${h.name}`);
    if (name === '/') { entry.resume(); continue; }
    const target = await resolveInRoot(dest, name, false);
    if (!isWithin(dest, target)) throw new SlipwayError('BUILD_ARCHIVE_ESCAPE', `archive entry ${h.name} points outside the destination`);
    await mkdir(path.dirname(target), { recursive: true });
    const existing = await lstat(target).catch(() => undefined);
    if (existing && !(existing.isDirectory() && h.type === 'directory')) await rm(target, { recursive: true, force: true });
    const uid = owner?.uid ?? h.uid ?? 0;
    const gid = owner?.gid ?? h.gid ?? 0;
    switch (h.type) {
      case 'directory':
        await mkdir(target, { recursive: true });
        await chmod(target, (h.mode ?? 0o755) & 0o7777);
        await lchown(target, uid, gid);
        dirs.push({ p: target, mtime: h.mtime ?? new Date(0) });
        entry.resume();
        break;
      case 'file':
      case 'contiguous-file': {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        await writeFile(target, Buffer.concat(chunks));
        await chmod(target, (h.mode ?? 0o644) & 0o7777);
        await lchown(target, uid, gid);
        if (h.mtime) await utimes(target, h.mtime, h.mtime);
        break;
      }
      case 'symlink':
        await symlink(h.linkname ?? '', target);
        await lchown(target, uid, gid);
        entry.resume();
        break;
      case 'link': {
        const from = await resolveInRoot(dest, path.posix.normalize(`/${h.linkname ?? ''}`), false);
        if (!isWithin(dest, from)) throw new SlipwayError('BUILD_ARCHIVE_ESCAPE', `archive hardlink ${h.name} points outside the destination`);
        await link(from, target);
        entry.resume();
        break;
      }
      default:
        entry.resume();
    }
  }
  for (const d of dirs.reverse()) await utimes(d.p, d.mtime, d.mtime);
}
