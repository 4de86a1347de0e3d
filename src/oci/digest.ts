import { createHash, type Hash } from 'node:crypto';
import { SlipwayError } from '../errors.js';

/**
 * A content digest in OCI form, `sha256:<64 lowercase hex>`. Only sha256 is produced;
 * sha512 is accepted when parsing (the OCI spec registers it) but nothing here emits it.
 * The brand keeps unchecked strings out of APIs that index content by digest.
 */
export type Digest = string & { readonly __digest: unique symbol };

export type DigestAlgorithm = 'sha256' | 'sha512';

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
const DIGEST_RE = /^(sha256|sha512):([a-f0-9]+)$/;

/** True when `s` is a well-formed digest (algorithm known, hex of the right length). */
export function isDigest(s: unknown): s is Digest {
  if (typeof s !== 'string') return false;
  const m = DIGEST_RE.exec(s);
  return m !== null && m[2]!.length === HEX_LENGTH[m[1] as DigestAlgorithm];
}

/** Validates and brands a digest string; throws SlipwayError `OCI_INVALID_DIGEST`. */
export function parseDigest(s: string): Digest {
  if (!isDigest(s)) throw new SlipwayError('OCI_INVALID_DIGEST', `invalid digest ${JSON.stringify(s)}: want sha256:<64 hex digits>`);
  return s;
}

/** The algorithm part of a digest. */
export function digestAlgorithm(d: Digest): DigestAlgorithm {
  return d.slice(0, d.indexOf(':')) as DigestAlgorithm;
}

/** The hex part of a digest (what blob paths are named by). */
export function digestHex(d: Digest): string {
  return d.slice(d.indexOf(':') + 1);
}

/** sha256 digest of bytes held in memory (manifests, configs, small files). */
export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}` as Digest;
}

/**
 * Incremental hashing for streams: feed chunks with `update`, read `digest()` and
 * `size` when done. Used to compute a digest while bytes flow somewhere else, so
 * nothing is read twice.
 */
export class Digester {
  private readonly hash: Hash;
  private bytes = 0;
  readonly algorithm: DigestAlgorithm;

  constructor(algorithm: DigestAlgorithm = 'sha256') {
    this.algorithm = algorithm;
    this.hash = createHash(algorithm);
  }

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }

  get size(): number {
    return this.bytes;
  }

  /** Finishes the hash; call once. */
  digest(): Digest {
    return `${this.algorithm}:${this.hash.digest('hex')}` as Digest;
  }
}

/**
 * The chain ID of a stack of layers (OCI image spec, "ChainID"): the diff_id of the
 * first layer, then sha256 of "<parent chain id> <diff_id>" for each next layer.
 * Identifies an extracted filesystem independent of compression.
 */
export function chainId(diffIds: readonly Digest[]): Digest {
  if (diffIds.length === 0) throw new SlipwayError('OCI_EMPTY_CHAIN', 'chain ID of an empty layer list');
  let id = diffIds[0]!;
  for (let i = 1; i < diffIds.length; i++) id = sha256Digest(`${id} ${diffIds[i]}`);
  return id;
}

/** Chain IDs of every prefix: result[i] is chainId(diffIds.slice(0, i + 1)). */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIds) out.push(out.length === 0 ? d : sha256Digest(`${out[out.length - 1]} ${d}`));
  return out;
}
