import zlib from 'node:zlib';
import { promisify } from 'node:util';

const gzipAsync = promisify(zlib.gzip) as (buf: Buffer, opts: zlib.ZlibOptions) => Promise<Buffer>;

/** Fixed for reproducibility: changing either changes every layer digest. */
export const GZIP_LEVEL = 6;
/** Uncompressed bytes per gzip member; members start at fixed offsets of the tar stream. */
export const MEMBER_SIZE = 1 << 20;
/** OS byte of every member header: 255 "unknown", as Go's gzip writes, never the host's. */
const GZIP_OS_UNKNOWN = 255;

/**
 * Compresses a byte stream as a multi-member gzip (RFC 1952 allows any number of
 * members; gzip, Go, zlib and Python read them as one stream). Each member covers
 * exactly MEMBER_SIZE input bytes, so the output depends only on the input, never
 * on `workers` or on how the input was chunked; members are deflated on libuv's
 * thread pool, `workers` at a time, and yielded in order. Headers carry no name and
 * mtime 0.
 */
export async function* parallelGzip(input: AsyncIterable<Uint8Array>, workers: number): AsyncGenerator<Buffer> {
  const pending: Promise<Buffer>[] = [];
  const limit = Math.max(1, workers) + 1;
  let parts: Buffer[] = [];
  let have = 0;
  let any = false;
  const submit = (buf: Buffer) => {
    any = true;
    pending.push(gzipAsync(buf, { level: GZIP_LEVEL }).then(fixHeader));
  };
  for await (const chunk of input) {
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (buf.length > 0) {
      const take = Math.min(MEMBER_SIZE - have, buf.length);
      parts.push(take === buf.length ? buf : buf.subarray(0, take));
      have += take;
      buf = buf.subarray(take);
      if (have === MEMBER_SIZE) {
        // Copy: the producer may reuse its buffers once we return to it.
        submit(Buffer.concat(parts, have));
        parts = [];
        have = 0;
        while (pending.length >= limit) yield await pending.shift()!;
      }
    }
  }
  if (have > 0 || !any) submit(Buffer.concat(parts, have));
  while (pending.length > 0) yield await pending.shift()!;
}

function fixHeader(member: Buffer): Buffer {
  member[9] = GZIP_OS_UNKNOWN;
  return member;
}
