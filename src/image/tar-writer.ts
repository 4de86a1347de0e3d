import { closeSync, constants, createReadStream, openSync, readSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type tar from 'tar-stream';
import { SlipwayError } from '../errors.js';
import type { PlannedEntry } from './walk.js';

/** Largest values the ustar header fields hold; beyond them a PAX record carries the value. */
type TarHeader = Partial<tar.Header> & { name: string; pax?: Record<string, string> };

const MAX_OCTAL_SIZE = 0o77777777777;
const MAX_OCTAL_ID = 0o7777777;
/** Files up to this size are read whole; bigger ones are streamed. */
const SMALL_FILE = 256 << 10;

function header(e: PlannedEntry): TarHeader {
  const pax: Record<string, string> = {};
  if (e.size > MAX_OCTAL_SIZE) pax.size = String(e.size);
  if (e.uid > MAX_OCTAL_ID) pax.uid = String(e.uid);
  if (e.gid > MAX_OCTAL_ID) pax.gid = String(e.gid);
  if (e.xattrs) for (const [k, v] of [...e.xattrs].sort(([a], [b]) => (a < b ? -1 : 1))) pax[`SCHILY.xattr.${k}`] = v.toString('latin1');
  const type = e.kind === 'marker' ? 'file' : e.kind;
  return {
    name: e.kind === 'directory' ? `${e.path}/` : e.path,
    type,
    mode: e.mode,
    uid: e.uid > MAX_OCTAL_ID ? 0 : e.uid,
    gid: e.gid > MAX_OCTAL_ID ? 0 : e.gid,
    size: type === 'file' ? e.size : 0,
    mtime: new Date(e.mtime * 1000),
    uname: '',
    gname: '',
    ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
    ...(e.devmajor !== undefined ? { devmajor: e.devmajor, devminor: e.devminor } : {}),
    ...(Object.keys(pax).length > 0 ? { pax } : {}),
  };
}

function changed(e: PlannedEntry, got: number): SlipwayError {
  return new SlipwayError('LAYER_SOURCE_CHANGED', `${e.path} changed while the layer was written (${got} bytes, expected ${e.size})`);
}

/**
 * Reads a small file whole with synchronous calls: on page-cache-warm trees (a build's
 * upper dir, a checkout) four async round trips per file cost more than the read.
 * Buffers under 4 KiB come from Node's shared pool, so small files make no garbage slabs.
 */
function readSmall(e: PlannedEntry): Buffer {
  const buf = Buffer.allocUnsafe(e.size);
  const fd = openSync(e.source!, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    let off = 0;
    while (off < e.size) {
      const n = readSync(fd, buf, off, e.size - off, off);
      if (n === 0) throw changed(e, off);
      off += n;
    }
  } finally {
    closeSync(fd);
  }
  return buf;
}

/**
 * Writes planned entries into a tar-stream pack, reading file content as it goes
 * (small files whole, large ones streamed). Resolves when every entry is in the pack
 * and the pack is finalised.
 */
export async function packEntries(pack: tar.Pack, entries: readonly PlannedEntry[]): Promise<void> {
  const add = (h: TarHeader, body?: Buffer) => new Promise<void>((resolve, reject) => {
    const cb = (err?: Error | null) => (err ? reject(err) : resolve());
    if (body !== undefined) pack.entry(h, body, cb);
    else if (h.type === 'file') pack.entry(h, Buffer.alloc(0), cb);
    else pack.entry(h, cb);
  });
  for (const e of entries) {
    const h = header(e);
    if (e.kind !== 'file' || !e.source) {
      await add(h);
    } else if (e.size <= SMALL_FILE) {
      await add(h, readSmall(e));
    } else {
      await new Promise<void>((resolve, reject) => {
        const sink = pack.entry(h, (err) => (err ? reject(err.message === 'Size mismatch' ? changed(e, -1) : err) : resolve()));
        pipeline(createReadStream(e.source!, { highWaterMark: 256 << 10, end: e.size - 1 }), sink).catch(reject);
      });
    }
  }
  pack.finalize();
}
