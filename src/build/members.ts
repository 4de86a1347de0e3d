import { randomBytes, webcrypto } from 'node:crypto';
import { open, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MemberCache, MemberRecord } from '../image/index.js';
import { gzipDeflater } from '../image/pgzip.js';
import type { Digest } from '../oci/index.js';
import type { Store } from '../store/index.js';

/**
 * Gzip members of an earlier layer blob, reused for a new layer whose tar has the same
 * bytes at the same member offset (a COPY re-run after a change late in its tree: every
 * member before the change is the same). Layers are multi-member gzip with members at
 * fixed tar offsets, so a reused member is byte for byte what deflating would give,
 * as long as the level and the deflater (ISA-L or zlib, and its version) are the same: both
 * are part of the index header.
 *
 * Index per blob under `build-cache/members/<blob hex>`: a header, then per member
 * `tar sha256<TAB>compressed size<TAB>compressed sha256`. A member read back from the
 * blob is checked against its compressed sha256 before use.
 */

const VERSION = 'slipway-members 1';

function header(level: number): string {
  return `${VERSION}\t${level}\t${gzipDeflater(level)}`;
}

function indexFile(storeRoot: string, digest: Digest): string {
  return path.join(storeRoot, 'build-cache', 'members', digest.replace(/^sha256:/, ''));
}

/** Records the members of a blob just written (temp + rename). */
export async function saveMemberIndex(storeRoot: string, digest: Digest, level: number, members: readonly MemberRecord[]): Promise<void> {
  const file = indexFile(storeRoot, digest);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, `${header(level)}\n${members.map((m) => `${m.sha}\t${m.size}\t${m.compressedSha}`).join('\n')}\n`);
  await rename(tmp, file);
}

/** The members of `digest` as a cache for a layer written at `level`; undefined without a usable index. */
export async function memberCache(store: Store, digest: Digest, level: number): Promise<MemberCache | undefined> {
  const text = await readFile(indexFile(store.root, digest), 'utf8').catch(() => undefined);
  const lines = text?.split('\n') ?? [];
  if (lines[0] !== header(level) || !(await store.hasBlob(digest))) return undefined;
  const bySha = new Map<string, { offset: number; size: number; compressedSha: string }>();
  let offset = 0;
  for (let i = 1; i < lines.length; i++) {
    const [sha, size, compressedSha] = lines[i]!.split('\t');
    if (!sha || !size || !compressedSha) continue;
    if (!bySha.has(sha)) bySha.set(sha, { offset, size: Number(size), compressedSha });
    offset += Number(size);
  }
  const blob = store.blobPath(digest);
  return {
    async get(sha: string): Promise<{ member: Buffer; compressedSha: string } | undefined> {
      const m = bySha.get(sha);
      if (m === undefined) return undefined;
      const fh = await open(blob, 'r').catch(() => undefined);
      if (fh === undefined) return undefined;
      try {
        const buf = Buffer.allocUnsafe(m.size);
        const { bytesRead } = await fh.read(buf, 0, m.size, m.offset);
        // Checked on the thread pool, beside the main thread's work on the next members.
        if (bytesRead !== m.size || Buffer.from(await webcrypto.subtle.digest('SHA-256', buf)).toString('hex') !== m.compressedSha) return undefined;
        return { member: buf, compressedSha: m.compressedSha };
      } finally {
        await fh.close();
      }
    },
  };
}
