import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { SlipwayError } from '../errors.js';

/** The ISA-L addon (src/image/native/isal-gzip.c): one gzip member per call, on the thread pool. */
export interface IsalGzip {
  gzip(member: Buffer): Promise<Buffer>;
  /** Names everything the member bytes depend on besides the input (library, kernels, settings). */
  version: string;
}

/** Next to this module: dist/src/image/ for the library, dist/cli/ for the bundled CLI. */
const ADDON = fileURLToPath(new URL('./isal-gzip.node', import.meta.url));

let loaded: IsalGzip | null | undefined;
/** Why the addon did not load, when it is there: undefined when it loaded or was never built. */
let failure: { code: string | undefined; message: string } | undefined;

function load(): IsalGzip | null {
  if (loaded !== undefined) return loaded;
  try {
    loaded = createRequire(import.meta.url)(ADDON) as IsalGzip;
  } catch (err) {
    loaded = null;
    const e = err as Error & { code?: string };
    if (existsSync(ADDON)) failure = { code: e.code, message: e.message };
  }
  return loaded;
}

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
  const isal = load();
  if (isal === null && wanted === 'isal') {
    throw new SlipwayError('GZIP_ISAL_MISSING', failure
      ? `SLIPWAY_GZIP=isal, but the ISA-L addon does not load: ${failure.message}`
      : 'SLIPWAY_GZIP=isal, but the ISA-L addon is not built: install gcc, libc6-dev and libisal-dev, then npm run build');
  }
  return isal ?? undefined;
}

/**
 * Why layers are deflated by zlib though the ISA-L addon is built (a missing or broken
 * libisal, a damaged addon file), for the build to warn about; undefined otherwise, and
 * on CPUs where the addon declines by design (no SSE4.2, not x86-64).
 */
export function isalWarning(): string | undefined {
  if ((process.env.SLIPWAY_GZIP ?? '') === 'zlib' || load() !== null || failure === undefined) return undefined;
  if (failure.code === 'GZIP_ISAL_UNCHECKED_CPU') return undefined;
  return `the ISA-L addon does not load, so layers are deflated by zlib (other digests): ${failure.message.split('\n')[0]}`;
}
