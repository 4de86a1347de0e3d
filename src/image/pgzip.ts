import { createHash, webcrypto } from 'node:crypto';
import zlib from 'node:zlib';
import { versions } from 'node:process';
import { promisify } from 'node:util';
import { isalGzip, type IsalGzip } from './isal.js';
import type { MemberCache, MemberRecord } from './types.js';

const gzipAsync = promisify(zlib.gzip) as (buf: Buffer, opts: zlib.ZlibOptions) => Promise<Buffer>;

/**
 * Default deflate level, fixed for reproducibility (changing it or MEMBER_SIZE changes
 * every layer digest). 1, as go-containerregistry (crane, ko, kaniko) defaults: on
 * source trees it deflates about 3x faster than level 6 for about 30% more bytes, and
 * compression is most of a cold build's CPU. `-o compression-level=N` picks another.
 * At this level ISA-L deflates when its addon is built (isal.ts): ~3x less CPU than zlib's
 * level 1 for ~0.7% more bytes. Other levels are zlib's.
 */
export const GZIP_LEVEL = 1;
/** Uncompressed bytes per gzip member; members start at fixed offsets of the tar stream. */
export const MEMBER_SIZE = 1 << 20;
/** OS byte of every member header: 255 "unknown", as Go's gzip writes, never the host's. */
const GZIP_OS_UNKNOWN = 255;

/**
 * Compresses a tar given as MEMBER_SIZE chunks (the last one shorter) as a multi-member
 * gzip (RFC 1952 allows any number of members; gzip, Go, zlib and Python read them as
 * one stream). Members start at fixed offsets of the tar, so the output depends only on
 * the tar, never on `workers`; members are deflated on libuv's thread pool, `workers`
 * at a time (+1 queued), and yielded in order. Headers carry no name and mtime 0.
 * `release` gets each input member once nothing reads it any more.
 */
export async function* parallelGzip(members: AsyncIterable<Buffer>, workers: number, level = GZIP_LEVEL, reuse?: { cache?: MemberCache; records: MemberRecord[]; shas?: WeakMap<Buffer, string> }, release?: (m: Buffer) => void): AsyncGenerator<Buffer> {
  const pending: Promise<{ member: Buffer; record?: MemberRecord }>[] = [];
  const limit = Math.max(1, workers) * 2 + 1;
  // An output buffer that holds the whole member (deflate's worst case is a few bytes
  // per 16 KiB over the input) makes one thread-pool round trip per member instead of
  // one per 16 KiB. The output bytes do not depend on it.
  const isal = isalAt(level);
  const deflate = isal ? (m: Buffer) => isal.gzip(m) : (m: Buffer) => gzipAsync(m, { level, chunkSize: m.length + (m.length >>> 10) + 1024 }).then(fixHeader);
  const withRecord = async (m: Buffer) => {
    // On the thread pool: the main thread meanwhile builds the next member and hashes the
    // whole tar for the diff_id, so the member index costs no main-thread time.
    // Hashed already where the member was built (tar-offload.ts), else here.
    const sha = reuse!.shas?.get(m) ?? Buffer.from(await webcrypto.subtle.digest('SHA-256', m)).toString('hex');
    // A reused member's sha256 was checked as it was read back: it is not hashed again.
    const reused = await reuse!.cache?.get(sha);
    if (reused) return { member: reused.member, record: { sha, size: reused.member.length, compressedSha: reused.compressedSha } };
    const member = await deflate(m);
    return { member, record: { sha, size: member.length, compressedSha: sha256Hex(member) } };
  };
  const next = async (): Promise<Buffer> => {
    const { member, record } = await pending.shift()!;
    if (record) reuse!.records.push(record);
    return member;
  };
  for await (const m of members) {
    const out = reuse ? withRecord(m) : deflate(m).then((member) => ({ member }));
    out.then(() => release?.(m), () => undefined);
    pending.push(out);
    while (pending.length >= limit) yield await next();
  }
  while (pending.length > 0) yield await next();
}

/**
 * What deflates gzip members at `level`, with its version: the member bytes depend on it
 * (build cache keys and member indexes carry it). `isal-...` or `zlib-...`.
 */
export function gzipDeflater(level = GZIP_LEVEL): string {
  return isalAt(level)?.version ?? `zlib-${versions.zlib ?? 'unknown'}`;
}

/** ISA-L where it deflates: at the default level, when its addon loads (else zlib). */
function isalAt(level: number): IsalGzip | undefined {
  return level === GZIP_LEVEL ? isalGzip() : undefined;
}

function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function fixHeader(member: Buffer): Buffer {
  member[9] = GZIP_OS_UNKNOWN;
  return member;
}
