/**
 * Extracting a context tar (`slipway build -`) into a directory, refusing anything
 * that would land outside it: absolute names, `..`, paths through a symlink, and
 * hardlinks to outside. gzip input is recognised by its magic bytes.
 */
import { createGunzip } from 'node:zlib';
import { chmod, lchown, link, lstat, mkdir, open, rm, symlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { SlipwayError } from '../errors.js';

function unsafe(name: string, why: string): SlipwayError {
  return new SlipwayError('CONTEXT_TAR_UNSAFE_PATH', `context archive entry ${JSON.stringify(name)} ${why}`);
}

/** Clean relative path of a tar name, or a thrown CONTEXT_TAR_UNSAFE_PATH. */
export function safeEntryPath(name: string): string {
  if (name.includes('\0')) throw unsafe(name, 'contains a NUL byte');
  if (name.startsWith('/')) throw unsafe(name, 'is absolute');
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw unsafe(name, "contains '..'");
    parts.push(part);
  }
  return parts.join('/');
}

/** Creates the parents of `rel` under root, refusing to pass through a symlink. */
async function ensureParents(root: string, rel: string, name: string): Promise<void> {
  const parts = rel.split('/').slice(0, -1);
  let cur = root;
  for (const part of parts) {
    cur = path.join(cur, part);
    let st;
    try {
      st = await lstat(cur);
    } catch {
      await mkdir(cur, { mode: 0o755 });
      continue;
    }
    if (st.isSymbolicLink()) throw unsafe(name, 'goes through a symlink');
    if (!st.isDirectory()) throw unsafe(name, 'goes through a non-directory');
  }
}

/** Removes whatever non-directory sits at `p`, so nothing is written through a link. */
async function clearSpot(p: string): Promise<void> {
  try {
    const st = await lstat(p);
    if (!st.isDirectory()) await rm(p);
  } catch {
    // Nothing there.
  }
}

/** The input again as a stream, and whether it starts with gzip's magic bytes. */
async function sniffGzip(input: Readable): Promise<{ stream: Readable; gzip: boolean }> {
  const iter = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head = Buffer.alloc(0);
  let ended = false;
  while (head.length < 2) {
    const n = await iter.next();
    if (n.done) {
      ended = true;
      break;
    }
    head = Buffer.concat([head, Buffer.from(n.value)]);
  }
  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (ended) return;
    for (let n = await iter.next(); !n.done; n = await iter.next()) yield Buffer.from(n.value);
  }
  return { stream: Readable.from(replay()), gzip: head[0] === 0x1f && head[1] === 0x8b };
}

/** Extracts `input` into the existing empty directory `root`. */
export async function extractContextTar(input: Readable, root: string, preserveOwner = process.getuid?.() === 0): Promise<void> {
  const extract = tar.extract();
  const dirTimes: [string, Date][] = [];
  extract.on('entry', (header, stream, next) => {
    // Listen for the body's end first: a file's body is consumed by the write below.
    const drained = new Promise<void>((resolve) => stream.on('end', () => resolve()));
    if (header.type !== 'file' && header.type !== 'contiguous-file') stream.resume();
    (async () => {
      const rel = safeEntryPath(header.name);
      if (rel === '') return; // the root itself
      const dest = path.join(root, rel);
      await ensureParents(root, rel, header.name);
      const mode = (header.mode ?? 0o644) & 0o7777;
      switch (header.type) {
        case 'directory': {
          const st = await lstat(dest).catch(() => null);
          if (st?.isSymbolicLink()) await rm(dest);
          if (!st?.isDirectory()) await mkdir(dest, { mode: 0o755 });
          await chmod(dest, mode);
          if (header.mtime) dirTimes.push([dest, header.mtime]);
          break;
        }
        case 'file':
        case 'contiguous-file': {
          await clearSpot(dest);
          const fh = await open(dest, 'wx', 0o600);
          try {
            await pipeline(stream, fh.createWriteStream());
          } finally {
            await fh.close().catch(() => undefined);
          }
          await chmod(dest, mode);
          break;
        }
        case 'symlink':
          await clearSpot(dest);
          await symlink(header.linkname ?? '', dest);
          break;
        case 'link': {
          const target = safeEntryPath(header.linkname ?? '');
          await ensureParents(root, target, header.name);
          const st = await lstat(path.join(root, target)).catch(() => null);
          if (st === null || st.isDirectory()) throw unsafe(header.name, 'is a hardlink to a missing entry or a directory');
          await clearSpot(dest);
          await link(path.join(root, target), dest);
          break;
        }
        default:
          // Devices, fifos and the like have no place in a build context.
          return;
      }
      if (preserveOwner && header.uid !== undefined && header.gid !== undefined) {
        // lchown: a symlink's owner is its own; never follow it out of the root.
        await lchown(dest, header.uid, header.gid).catch(() => undefined);
      }
      if (header.mtime && header.type !== 'directory' && header.type !== 'symlink') {
        await utimes(dest, header.mtime, header.mtime).catch(() => undefined);
      }
    })().then(
      async () => {
        stream.resume();
        await drained;
        next();
      },
      (err: Error) => next(err),
    );
  });
  try {
    const { stream, gzip } = await sniffGzip(input);
    if (gzip) await pipeline(stream, createGunzip(), extract);
    else await pipeline(stream, extract);
  } catch (err) {
    if (err instanceof SlipwayError) throw err;
    throw new SlipwayError('CONTEXT_TAR_INVALID', `cannot read the context archive: ${(err as Error).message}`, { cause: err });
  }
  // Directory times last: creating their entries changed them.
  for (const [dir, t] of dirTimes.reverse()) await utimes(dir, t, t).catch(() => undefined);
}
