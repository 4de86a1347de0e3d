/**
 * Extended attributes in PAX records (`SCHILY.xattr.<name>=<value>`), byte for byte.
 *
 * Attribute values are bytes (security.capability is binary) and names are bytes too;
 * Go's archive/tar (Docker, containerd, buildah) and GNU tar write and read them raw.
 * slipway carries both as latin1 strings (one char per byte: getfattr's names, Buffers'
 * `latin1` view). tar-stream decodes PAX records as UTF-8, which mangles bytes >= 0x80,
 * so the reader parses the records of PAX headers again from their raw bytes.
 */

const PREFIX = Buffer.from('SCHILY.xattr.');

/** `<length> <key>=<value>\n` records of a PAX header body -> xattrs (name as latin1). */
export function parsePaxXattrs(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let off = 0;
  while (off < buf.length) {
    const space = buf.indexOf(0x20, off);
    if (space < 0) break;
    const len = Number(buf.toString('latin1', off, space));
    if (!Number.isInteger(len) || len <= space - off + 1 || off + len > buf.length) break;
    const record = buf.subarray(space + 1, off + len - 1); // without the trailing newline
    const eq = record.indexOf(0x3d);
    if (eq > PREFIX.length && record.subarray(0, PREFIX.length).equals(PREFIX)) {
      out.set(record.toString('latin1', PREFIX.length, eq), Buffer.from(record.subarray(eq + 1)));
    }
    off += len;
  }
  return out;
}

/** One PAX record from raw key and value bytes, length prefix included. */
export function paxRecordBytes(key: Buffer, value: Buffer): Buffer {
  const body = 1 + key.length + 1 + value.length + 1; // ' ' key '=' value '\n'
  let digits = String(body).length;
  if (String(body + digits).length > digits) digits++;
  return Buffer.concat([Buffer.from(`${body + digits} `, 'latin1'), key, Buffer.from('='), value, Buffer.from('\n')]);
}

/** An xattr record, name as a latin1 string and value as bytes. */
export function paxXattrRecord(name: string, value: Buffer): Buffer {
  return paxRecordBytes(Buffer.concat([PREFIX, Buffer.from(name, 'latin1')]), value);
}
