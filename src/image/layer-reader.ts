import { Readable, Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import type tar from 'tar-stream';
import { SlipwayError, isSlipwayError } from '../errors.js';
import { Digester, type Digest } from '../oci/index.js';
import { normaliseLayerPath } from './paths.js';
import { RAW_XATTRS, extractWithRawXattrs } from './pax-xattrs.js';

/** One entry of a layer, validated: safe relative path, known type, sane size. */
export interface LayerEntry {
  /** Normalised layer path ('' never occurs: the root entry `./` is skipped). */
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  /** Symlink target as written; hardlink target normalised to a layer path. */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Map<string, Buffer>;
}

export type EntryBody = AsyncIterable<Buffer>;

/** Layer bytes: a stream or any (async) iterable of chunks. */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** Hashes the uncompressed tar as it flows to the parser: diff_id without a second read. */
class Tap extends Transform {
  readonly digester = new Digester();
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.digester.update(chunk);
    cb(null, chunk);
  }
}

function corrupt(err: unknown): SlipwayError {
  if (isSlipwayError(err)) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new SlipwayError('LAYER_CORRUPT', `layer is not a readable tar (or gzip) stream: ${msg}`);
}

/** Peeks the first bytes to tell gzip, zstd and plain tar apart (media types lie). */
async function decompressed(source: ByteSource): Promise<Readable> {
  const it = (Symbol.asyncIterator in source ? source : Readable.from(source))[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  const first = await it.next();
  const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield Buffer.from(r.value);
  }
  const raw = Readable.from(rest(), { objectMode: false });
  if (GZIP_MAGIC.every((b, i) => head[i] === b)) {
    const gunzip = zlib.createGunzip();
    raw.on('error', (e) => gunzip.destroy(e));
    return raw.pipe(gunzip);
  }
  if (ZSTD_MAGIC.every((b, i) => head[i] === b)) throw new SlipwayError('LAYER_UNSUPPORTED_COMPRESSION', 'zstd-compressed layers are not supported yet');
  return raw;
}

function toEntry(h: tar.Header): LayerEntry | undefined {
  const path = normaliseLayerPath(h.name);
  if (h.name.startsWith('/')) throw new SlipwayError('LAYER_UNSAFE_PATH', `absolute path ${JSON.stringify(h.name)} in layer`);
  if (path === '') return undefined;
  const size = h.size ?? 0;
  if (!Number.isSafeInteger(size) || size < 0) throw new SlipwayError('LAYER_BAD_HEADER', `${path}: impossible size ${String(h.size)}`);
  let type: LayerEntry['type'];
  switch (h.type) {
    case 'file': case 'contiguous-file': type = 'file'; break;
    case 'directory': case 'symlink': case 'link': case 'character-device': case 'block-device': case 'fifo': type = h.type; break;
    default: throw new SlipwayError('LAYER_BAD_HEADER', `${path}: unsupported tar entry type ${String(h.type)}`);
  }
  const e: LayerEntry = { path, type, mode: (h.mode ?? 0o644) & 0o7777, uid: h.uid ?? 0, gid: h.gid ?? 0, size: type === 'file' ? size : 0, mtime: Math.floor((h.mtime?.getTime() ?? 0) / 1000) };
  if (type === 'symlink') {
    if (!h.linkname) throw new SlipwayError('LAYER_BAD_HEADER', `${path}: symlink without a target`);
    e.linkname = h.linkname;
  }
  if (type === 'link') {
    if (!h.linkname || h.linkname.startsWith('/')) throw new SlipwayError('LAYER_UNSAFE_PATH', `${path}: hardlink target ${JSON.stringify(h.linkname)} is not a relative layer path`);
    e.linkname = normaliseLayerPath(h.linkname);
    if (e.linkname === '') throw new SlipwayError('LAYER_UNSAFE_PATH', `${path}: hardlink to the layer root`);
  }
  if (type === 'character-device' || type === 'block-device') {
    e.devmajor = h.devmajor ?? 0;
    e.devminor = h.devminor ?? 0;
  }
  const pax = h.pax as Record<string, string> | null | undefined;
  if (pax) {
    // tar-stream applies PAX path, linkpath and size itself; ids and mtime are ours to apply.
    const num = (v: string | undefined): number | undefined => (v !== undefined && /^-?\d+(\.\d+)?$/.test(v) ? Math.floor(Number(v)) : undefined);
    e.uid = num(pax.uid) ?? e.uid;
    e.gid = num(pax.gid) ?? e.gid;
    e.mtime = num(pax.mtime) ?? e.mtime;
    const raw = (pax as Record<symbol, unknown>)[RAW_XATTRS] as Map<string, Buffer> | undefined;
    if (raw !== undefined) {
      if (raw.size > 0) e.xattrs = new Map(raw);
    } else {
      for (const [k, v] of Object.entries(pax)) {
        if (!k.startsWith('SCHILY.xattr.')) continue;
        (e.xattrs ??= new Map()).set(k.slice('SCHILY.xattr.'.length), Buffer.from(v, 'latin1'));
      }
    }
  }
  return e;
}

/**
 * Reads a layer (gzip or plain tar, detected from the bytes) and calls `onEntry` for
 * each validated entry in archive order, with its body for files (must be consumed
 * or it is drained). Refuses `..`, absolute names and hardlinks that leave the
 * layer (LAYER_UNSAFE_PATH), broken or truncated streams (LAYER_CORRUPT), and, given
 * `expectedDiffId`, a tar that hashes differently (LAYER_DIFFID_MISMATCH).
 * Returns the diff_id and entry count.
 */
export async function readLayer(
  source: ByteSource,
  onEntry: (entry: LayerEntry, body: EntryBody) => Promise<void>,
  options: { expectedDiffId?: Digest } = {},
): Promise<{ diffId: Digest; entries: number }> {
  const tap = new Tap();
  const extract = extractWithRawXattrs();
  let entries = 0;
  let input: Readable;
  try {
    input = await decompressed(source);
  } catch (err) {
    throw corrupt(err);
  }
  input.on('error', (e) => tap.destroy(e));
  tap.on('error', (e) => extract.destroy(e));
  input.pipe(tap).pipe(extract as unknown as NodeJS.WritableStream);
  try {
    for await (const entry of extract) {
      const e = toEntry(entry.header);
      if (e === undefined) {
        entry.resume();
        continue;
      }
      entries++;
      await onEntry(e, entry as AsyncIterable<Buffer>);
      entry.resume();
    }
  } catch (err) {
    input.destroy();
    throw corrupt(err);
  }
  // The tar parser stops at the end-of-archive blocks; hash whatever padding follows.
  if (!input.readableEnded) await new Promise<void>((res, rej) => { input.on('end', res); input.on('error', rej); input.resume(); }).catch((err) => { throw corrupt(err); });
  const diffId = tap.digester.digest();
  if (options.expectedDiffId !== undefined && diffId !== options.expectedDiffId) {
    throw new SlipwayError('LAYER_DIFFID_MISMATCH', `layer content hashes to ${diffId}, but the image says diff_id ${options.expectedDiffId}`);
  }
  return { diffId, entries };
}
