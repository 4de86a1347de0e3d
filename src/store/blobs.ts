import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { SlipwayError } from '../errors.js';
import { Digester, digestAlgorithm, digestHex, isDigest, type Digest } from '../oci/index.js';
import { FlushingWriter, fsyncDir, tempName } from './fsutil.js';

/** A stored blob: its digest and exact size in bytes. */
export interface BlobInfo {
  readonly digest: Digest;
  readonly size: number;
}

/** What the caller knows about a blob before it arrives; checked while streaming. */
export interface BlobExpectation {
  /** The blob must hash to this; otherwise STORE_DIGEST_MISMATCH and nothing is stored. */
  readonly digest?: Digest;
  /** The blob must be exactly this long; checked as bytes arrive (STORE_SIZE_MISMATCH). */
  readonly size?: number;
}

export type BlobSource = Readable | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** `<root>/blobs/<alg>/<hex>`, the OCI image layout's blob path. */
export function blobPath(root: string, digest: Digest): string {
  return path.join(root, 'blobs', digestAlgorithm(digest), digestHex(digest));
}

function checkDigest(digest: Digest): void {
  if (!isDigest(digest)) throw new SlipwayError('OCI_INVALID_DIGEST', `invalid digest ${JSON.stringify(digest)}`);
}

export async function statBlob(root: string, digest: Digest): Promise<BlobInfo | undefined> {
  checkDigest(digest);
  try {
    const st = await fs.stat(blobPath(root, digest));
    return st.isFile() ? { digest, size: st.size } : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Streams `source` into the store. The bytes go to a temp file under `<root>/tmp`
 * while being hashed; the size limit is enforced as they arrive (a lying or endless
 * source stops at expected size + 1 byte); then fsync, compare, rename to
 * `blobs/<alg>/<hex>`, fsync the directory. A blob whose digest or size does not
 * match is deleted, never renamed into place. Idempotent: putting a blob that is
 * already stored verifies the new bytes and keeps the existing file.
 */
export async function putBlob(root: string, source: BlobSource, expected: BlobExpectation = {}): Promise<BlobInfo> {
  if (expected.digest !== undefined) checkDigest(expected.digest);
  const digester = new Digester(expected.digest ? digestAlgorithm(expected.digest) : 'sha256');
  const tmp = path.join(root, 'tmp', tempName('blob'));
  const fh = await fs.open(tmp, 'wx', 0o644);
  let ok = false;
  // Big blobs are flushed to disk as they are written: the fsync before the rename then
  // has only the tail left to write.
  const out = new FlushingWriter(fh);
  try {
    for await (const chunk of source as AsyncIterable<Uint8Array>) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      digester.update(buf);
      if (expected.size !== undefined && digester.size > expected.size) {
        throw new SlipwayError('STORE_SIZE_MISMATCH', `blob ${expected.digest ?? ''} is larger than the expected ${expected.size} bytes`.replace('  ', ' '));
      }
      await out.write(buf);
    }
    if (expected.size !== undefined && digester.size !== expected.size) {
      throw new SlipwayError('STORE_SIZE_MISMATCH', `blob ${expected.digest ?? ''} has ${digester.size} bytes, expected ${expected.size}`);
    }
    const digest = digester.digest();
    if (expected.digest !== undefined && digest !== expected.digest) {
      throw new SlipwayError('STORE_DIGEST_MISMATCH', `blob content hashes to ${digest}, expected ${expected.digest}`);
    }
    await out.sync();
    await fh.close();
    const target = blobPath(root, digest);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.rename(tmp, target);
    await fsyncDir(path.dirname(target));
    ok = true;
    return { digest, size: digester.size };
  } finally {
    if (!ok) {
      await out.settle();
      await fh.close().catch(() => undefined);
      await fs.rm(tmp, { force: true });
    }
  }
}

/**
 * Re-hashes bytes flowing through and fails the stream with STORE_BLOB_CORRUPT at
 * the end when they do not match `digest`/`size`. Consumers see the error before
 * the stream ends, so a corrupt blob never looks like a complete one.
 */
export class VerifyingStream extends Transform {
  private readonly digester: Digester;

  constructor(private readonly digest: Digest, private readonly size?: number) {
    super();
    this.digester = new Digester(digestAlgorithm(digest));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.digester.update(chunk);
    if (this.size !== undefined && this.digester.size > this.size) return cb(this.mismatch());
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.size !== undefined && this.digester.size !== this.size) return cb(this.mismatch());
    if (this.digester.digest() !== this.digest) return cb(this.mismatch());
    cb();
  }

  private mismatch(): SlipwayError {
    return new SlipwayError('STORE_BLOB_CORRUPT', `blob ${this.digest} does not match its digest (corrupt store or source)`);
  }
}

/**
 * Opens a stored blob for streaming. With `verify` (the default) the stream errors
 * with STORE_BLOB_CORRUPT at its end if the bytes on disk no longer match the name.
 * Throws STORE_BLOB_UNKNOWN when the blob is absent.
 */
export async function openBlob(root: string, digest: Digest, options: { verify?: boolean } = {}): Promise<Readable> {
  const info = await statBlob(root, digest);
  if (!info) throw new SlipwayError('STORE_BLOB_UNKNOWN', `blob ${digest} is not in the store`);
  const file = createReadStream(blobPath(root, digest), { highWaterMark: 1 << 20 });
  if (options.verify === false) return file;
  const verifier = new VerifyingStream(digest, info.size);
  file.on('error', (err) => verifier.destroy(err));
  // A consumer that stops early must not leave the file descriptor open.
  verifier.on('close', () => file.destroy());
  return file.pipe(verifier);
}

/** Reads a whole (small) blob into memory, verified. */
export async function readBlob(root: string, digest: Digest): Promise<Buffer> {
  const info = await statBlob(root, digest);
  if (!info) throw new SlipwayError('STORE_BLOB_UNKNOWN', `blob ${digest} is not in the store`);
  const data = await fs.readFile(blobPath(root, digest));
  const d = new Digester(digestAlgorithm(digest));
  d.update(data);
  if (d.digest() !== digest) throw new SlipwayError('STORE_BLOB_CORRUPT', `blob ${digest} does not match its digest (corrupt store)`);
  return data;
}

/** Every stored blob, in directory order. */
export async function* listBlobs(root: string): AsyncGenerator<BlobInfo> {
  for (const alg of ['sha256', 'sha512'] as const) {
    const dir = path.join(root, 'blobs', alg);
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const name of names) {
      const digest = `${alg}:${name}`;
      if (!isDigest(digest)) continue;
      const st = await fs.stat(path.join(dir, name)).catch(() => undefined);
      if (st?.isFile()) yield { digest, size: st.size };
    }
  }
}

export async function deleteBlob(root: string, digest: Digest): Promise<boolean> {
  checkDigest(digest);
  try {
    await fs.unlink(blobPath(root, digest));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
