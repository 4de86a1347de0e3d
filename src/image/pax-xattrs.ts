import tar from 'tar-stream';
import { parsePaxXattrs } from './pax-records.js';

/**
 * Reading raw xattrs with tar-stream, whose PAX decoding is UTF-8 (see pax-records.ts).
 * Kept apart from the record codec so that writing a layer never loads tar-stream.
 */

/** Where the raw xattrs of an entry's PAX headers travel on tar-stream's `header.pax`. */
export const RAW_XATTRS = Symbol('slipway.rawXattrs');

type PaxObject = Record<string | symbol, unknown> | null;
interface ExtractInternals {
  _header: { type: string } | null;
  _pax: PaxObject;
  _paxGlobal: PaxObject;
  _decodeLongHeader(buf: Buffer): void;
}

// tar-stream's Extract, extended where it decodes PAX bodies (covered by tests: a
// tar-stream upgrade that moves this hook fails them rather than losing bytes silently).
const Base = tar.extract().constructor as unknown as new (opts?: unknown) => tar.Extract;

class RawXattrExtract extends Base {
  _decodeLongHeader(buf: Buffer): void {
    const self = this as unknown as ExtractInternals;
    (Base.prototype as unknown as ExtractInternals)._decodeLongHeader.call(this, buf);
    const type = self._header?.type;
    if (type === 'pax-global-header' && self._paxGlobal) {
      self._paxGlobal[RAW_XATTRS] = parsePaxXattrs(buf);
    } else if (type === 'pax-header' && self._pax) {
      const global = self._paxGlobal?.[RAW_XATTRS] as Map<string, Buffer> | undefined;
      self._pax[RAW_XATTRS] = new Map([...(global ?? []), ...parsePaxXattrs(buf)]);
    }
  }
}

/** tar-stream's extract, with raw xattrs on `header.pax[RAW_XATTRS]`. */
export function extractWithRawXattrs(): tar.Extract {
  return new RawXattrExtract();
}
