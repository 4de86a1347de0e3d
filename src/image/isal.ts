import { createRequire } from 'node:module';
import { SlipwayError } from '../errors.js';

/** The ISA-L addon (src/image/native/isal-gzip.c): one gzip member per call, on the thread pool. */
export interface IsalGzip {
  gzip(member: Buffer): Promise<Buffer>;
  /** Names everything the member bytes depend on besides the input. */
  version: string;
}

let loaded: IsalGzip | null | undefined;

/**
 * The deflater for gzip layers at the default level: ISA-L when its addon was built and
 * loads (scripts/build-native.mjs), else undefined and zlib deflates. The two give other
 * bytes for the same tar, so `SLIPWAY_GZIP` pins one: `zlib` always zlib (digests as on a
 * machine without ISA-L), `isal` fails rather than fall back.
 */
export function isalGzip(): IsalGzip | undefined {
  const wanted = process.env.SLIPWAY_GZIP ?? '';
  if (wanted !== '' && wanted !== 'isal' && wanted !== 'zlib') {
    throw new SlipwayError('GZIP_UNKNOWN', `SLIPWAY_GZIP=${wanted}: expected isal or zlib`);
  }
  if (wanted === 'zlib') return undefined;
  if (loaded === undefined) {
    try {
      // Next to this module: dist/src/image/ for the library, dist/cli/ for the bundled CLI.
      loaded = createRequire(import.meta.url)('./isal-gzip.node') as IsalGzip;
    } catch {
      loaded = null;
    }
  }
  if (loaded === null && wanted === 'isal') {
    throw new SlipwayError('GZIP_ISAL_MISSING', 'SLIPWAY_GZIP=isal, but the ISA-L addon is not built: install gcc, libc6-dev and libisal-dev, then npm run build');
  }
  return loaded ?? undefined;
}
