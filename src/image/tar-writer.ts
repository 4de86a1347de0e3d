import { createReadStream, promises as fs } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type tar from 'tar-stream';
import { SlipwayError } from '../errors.js';
import type { PlannedEntry } from './walk.js';

/** Largest values the ustar header fields hold; beyond them a PAX record carries the value. */
type TarHeader = Partial<tar.Header> & { name: string; pax?: Record<string, string> };

const MAX_OCTAL_SIZE = 0o77777777777;
const MAX_OCTAL_ID = 0o7777777;
/** Small files are read whole, several at once, so small-file trees are not latency-bound. */
const SMALL_FILE = 256 << 10;
const PREFETCH_BYTES = 4 << 20;
const PREFETCH_FILES = 32;

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
 * Writes planned entries into a tar-stream pack, reading file content as it goes
 * (small files prefetched in parallel within a memory budget, large ones streamed).
 * Resolves when every entry is in the pack and the pack is finalised.
 */
export async function packEntries(pack: tar.Pack, entries: readonly PlannedEntry[]): Promise<void> {
  const reads = new Map<number, Promise<Buffer>>();
  let next = 0;
  let budget = 0;
  const prefetch = (from: number) => {
    if (next < from) next = from;
    while (next < entries.length && reads.size < PREFETCH_FILES && budget < PREFETCH_BYTES) {
      const e = entries[next]!;
      if (e.kind === 'file' && e.source && e.size <= SMALL_FILE) {
        const p = fs.readFile(e.source);
        p.catch(() => undefined);
        reads.set(next, p);
        budget += e.size;
      }
      next++;
    }
  };
  const add = (h: TarHeader, body?: Buffer) => new Promise<void>((resolve, reject) => {
    const cb = (err?: Error | null) => (err ? reject(err) : resolve());
    if (body !== undefined) pack.entry(h, body, cb);
    else if (h.type === 'file') pack.entry(h, Buffer.alloc(0), cb);
    else pack.entry(h, cb);
  });
  for (let i = 0; i < entries.length; i++) {
    prefetch(i + 1);
    const e = entries[i]!;
    const h = header(e);
    if (e.kind !== 'file' || !e.source) {
      await add(h);
      continue;
    }
    const pending = reads.get(i);
    if (pending || e.size <= SMALL_FILE) {
      const data = await (pending ?? fs.readFile(e.source));
      reads.delete(i);
      budget -= e.size;
      if (data.length !== e.size) throw changed(e, data.length);
      await add(h, data);
      continue;
    }
    const done = new Promise<void>((resolve, reject) => {
      const sink = pack.entry(h, (err) => (err ? reject(err.message.includes('ize') ? changed(e, -1) : err) : resolve()));
      pipeline(createReadStream(e.source!, { highWaterMark: 256 << 10, end: e.size - 1 }), sink).catch(reject);
    });
    await done;
  }
  pack.finalize();
}
