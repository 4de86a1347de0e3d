import { paxRecordBytes, paxXattrRecord } from './pax-records.js';
import type { PlannedEntry } from './walk.js';

/**
 * Tar headers of planned entries, encoded straight into the caller's buffer.
 *
 * The bytes are those tar-stream 3.x's pack writes for the header the layer writer
 * used to give it (uname/gname empty; test/image/tar-compat.test.ts compares the two),
 * so ordinary layers keep their digests, except where tar-stream wrote wrong values:
 * mode 0 stays 0 (tar-stream wrote 0644/0755, which made a 0000 /etc/shadow readable);
 * ids above 6 octal digits (262143) go in PAX `uid`/`gid` records (tar-stream saturated
 * them); mtimes are not truncated to 32 bits (any past 11 octal digits go in a PAX
 * `mtime` record). Kept: a size that needs more than 11 octal digits
 * is base-256 in the ustar field (and a PAX `size` record); a PAX-described entry's own
 * header is named `PaxHeader`. Xattr records carry their names and values as raw bytes
 * (pax-xattrs.ts), as Go's archive/tar and GNU tar do; tar-stream wrote them as UTF-8 of
 * their latin1 form, which doubled every byte >= 0x80.
 */

const MAX_OCTAL_SIZE = 0o77777777777;
/** The largest id tar-stream's 6-digit ustar id field holds; larger ones go in PAX. */
const MAX_OCTAL_ID = 0o777777;
const ZEROS = '0000000000000000000';
const SEVENS = '7777777777777777777';
const USTAR_MAGIC = 'ustar\u000000';
const TYPEFLAG = {
  file: 0, link: 1, symlink: 2, 'character-device': 3, 'block-device': 4, directory: 5, fifo: 6, 'pax-header': 72,
} as const;

/** The ustar fields after tar-stream's pack defaults have been applied. */
interface Fields {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: number;
  linkname: string;
  devmajor: number;
  devminor: number;
}

function octal(val: number, n: number): string {
  const s = val.toString(8);
  return s.length > n ? `${SEVENS.slice(0, n)} ` : `${ZEROS.slice(0, n - s.length)}${s} `;
}

/** Writes one 512-byte ustar header at `off`; false (nothing written) when the name or linkname does not fit. */
function writeUstar(buf: Buffer, off: number, f: Fields): boolean {
  let name = f.name;
  let prefix = '';
  if (Buffer.byteLength(name) !== name.length) return false;
  while (name.length > 100) {
    const i = name.indexOf('/');
    if (i === -1) return false;
    prefix += prefix ? `/${name.slice(0, i)}` : name.slice(0, i);
    name = name.slice(i + 1);
  }
  if (prefix.length > 155) return false;
  if (f.linkname && Buffer.byteLength(f.linkname) > 100) return false;
  buf.fill(0, off, off + 512);
  buf.write(name, off, 'latin1');
  buf.write(octal(f.mode & 0o7777, 6), off + 100, 'latin1');
  buf.write(octal(f.uid, 6), off + 108, 'latin1');
  buf.write(octal(f.gid, 6), off + 116, 'latin1');
  if (f.size.toString(8).length > 11) {
    buf[off + 124] = 0x80;
    let num = f.size;
    for (let i = 11; i > 0; i--) {
      buf[off + 124 + i] = num & 0xff;
      num = Math.floor(num / 0x100);
    }
  } else {
    buf.write(octal(f.size, 11), off + 124, 'latin1');
  }
  buf.write(octal(f.mtime, 11), off + 136, 'latin1');
  buf[off + 156] = 0x30 + f.typeflag;
  if (f.linkname) buf.write(f.linkname, off + 157, 'utf8');
  buf.write(USTAR_MAGIC, off + 257, 'latin1');
  buf.write(octal(f.devmajor, 6), off + 329, 'latin1');
  buf.write(octal(f.devminor, 6), off + 337, 'latin1');
  if (prefix) buf.write(prefix, off + 345, 'latin1');
  // The checksum counts its own field as eight spaces.
  let sum = 8 * 32;
  for (let i = off; i < off + 148; i++) sum += buf[i]!;
  for (let i = off + 156; i < off + 512; i++) sum += buf[i]!;
  buf.write(octal(sum, 6), off + 148, 'latin1');
  return true;
}

/** A PAX record of text (UTF-8), `<len> <key>=<value>\n`. */
function paxRecord(key: string, value: string): Buffer {
  return paxRecordBytes(Buffer.from(key, 'latin1'), Buffer.from(value, 'utf8'));
}

function fields(e: PlannedEntry): Fields {
  const type = e.kind === 'marker' ? 'file' : e.kind;
  const size = type === 'file' ? e.size : 0;
  return {
    name: e.kind === 'directory' ? `${e.path}/` : e.path,
    mode: e.mode,
    uid: e.uid > MAX_OCTAL_ID ? 0 : e.uid,
    gid: e.gid > MAX_OCTAL_ID ? 0 : e.gid,
    size,
    mtime: mtimeInHeader(e.mtime) ? Math.floor(e.mtime) : 0,
    typeflag: TYPEFLAG[type],
    linkname: e.linkname ?? '',
    devmajor: e.devmajor || 0,
    devminor: e.devminor || 0,
  };
}

function mtimeInHeader(mtime: number): boolean {
  return mtime >= 0 && mtime <= MAX_OCTAL_SIZE;
}

/** PAX records the entry needs whatever its name: big sizes and ids, xattrs (raw bytes). */
function extraRecords(e: PlannedEntry): Buffer | undefined {
  const records: Buffer[] = [];
  if (e.size > MAX_OCTAL_SIZE) records.push(paxRecord('size', String(e.size)));
  if (e.uid > MAX_OCTAL_ID) records.push(paxRecord('uid', String(e.uid)));
  if (e.gid > MAX_OCTAL_ID) records.push(paxRecord('gid', String(e.gid)));
  if (!mtimeInHeader(e.mtime)) records.push(paxRecord('mtime', String(Math.floor(e.mtime))));
  if (e.xattrs) for (const [k, v] of [...e.xattrs].sort(([a], [b]) => (a < b ? -1 : 1))) records.push(paxXattrRecord(k, v));
  return records.length > 0 ? Buffer.concat(records) : undefined;
}

/**
 * Encodes the header block(s) of `e` at `scratch[0..]` when they are a single ustar
 * block (the common case; returns 512), else returns the full header bytes (PAX header,
 * padded PAX records, ustar header) as a new buffer for the caller to copy, since the
 * records may cross a member boundary. `scratch` must have 512 bytes from `off`.
 */
export function encodeHeader(e: PlannedEntry, scratch: Buffer, off: number): number | Buffer {
  const f = fields(e);
  const extra = extraRecords(e);
  if (extra === undefined && writeUstar(scratch, off, f)) return 512;
  const data = Buffer.concat([paxRecord('path', f.name), ...(f.linkname ? [paxRecord('linkpath', f.linkname)] : []), ...(extra ? [extra] : [])]);
  const padded = (data.length + 511) & ~511;
  const out = Buffer.alloc(512 + padded + 512);
  const own: Fields = { ...f, name: 'PaxHeader', linkname: f.linkname && 'PaxHeader' };
  writeUstar(out, 0, { ...own, size: data.length, typeflag: TYPEFLAG['pax-header'] });
  data.copy(out, 512);
  writeUstar(out, 512 + padded, own);
  return out;
}
