import { closeSync, constants, openSync, readSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { SlipwayError } from '../errors.js';
import { MEMBER_SIZE } from './pgzip.js';
import { encodeHeader } from './tar-header.js';
import type { PlannedEntry } from './walk.js';

function changed(e: PlannedEntry, got: number): SlipwayError {
  return new SlipwayError('LAYER_SOURCE_CHANGED', `${e.path} changed while the layer was written (${got} bytes, expected ${e.size})`);
}

/** Opens a planned file; gone or turned into a symlink since planning is a change, not a crash. */
function openPlanned(e: PlannedEntry): number {
  try {
    return openSync(e.source!, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR') {
      throw new SlipwayError('LAYER_SOURCE_CHANGED', `${e.path} changed while the layer was written (${code === 'ELOOP' ? 'now a symlink' : 'gone'})`);
    }
    throw err;
  }
}

/**
 * Builds the tar in MEMBER_SIZE buffers. Headers land at multiples of 512 and
 * MEMBER_SIZE is one too, so a 512-byte header never crosses a member: it is encoded
 * in place. Content is read straight into the member at its offset and may cross.
 */
class Members {
  buf: Buffer;
  pos = 0;
  readonly done: Buffer[] = [];

  constructor(private readonly alloc: () => Buffer) {
    this.buf = alloc();
  }

  /** Moves a full member to `done` and starts a new one. */
  private next(): void {
    this.done.push(this.buf);
    this.buf = this.alloc();
    this.pos = 0;
  }

  room(): number {
    if (this.pos === MEMBER_SIZE) this.next();
    return MEMBER_SIZE - this.pos;
  }

  header(e: PlannedEntry): void {
    this.room();
    const r = encodeHeader(e, this.buf, this.pos);
    if (typeof r === 'number') this.pos += r;
    else this.copy(r);
  }

  copy(bytes: Buffer): void {
    for (let off = 0; off < bytes.length;) {
      const n = Math.min(this.room(), bytes.length - off);
      bytes.copy(this.buf, this.pos, off, off + n);
      this.pos += n;
      off += n;
    }
  }

  zeros(n: number): void {
    while (n > 0) {
      const k = Math.min(this.room(), n);
      this.buf.fill(0, this.pos, this.pos + k);
      this.pos += k;
      n -= k;
    }
  }

  /** The last member, possibly short (never empty: a tar ends with 1024 zero bytes). */
  finish(): Buffer {
    return this.pos === MEMBER_SIZE ? this.buf : this.buf.subarray(0, this.pos);
  }
}

/**
 * The canonical tar of `entries` as MEMBER_SIZE buffers (the last one shorter), each a
 * fresh buffer the consumer may keep. File content is read with synchronous calls
 * straight into the member buffer: on page-cache-warm trees (a build's upper dir, a
 * checkout) async round trips per file cost more than the read, and they would queue
 * behind deflate jobs on the same thread pool. Between members the generator waits
 * one event-loop turn, so gzip completions and I/O are served while a big tree is
 * written; memory stays a few members whatever the file sizes. `alloc` gives each
 * member's MEMBER_SIZE buffer (a recycled one, on the tar worker).
 */
export async function* tarMembers(entries: Iterable<PlannedEntry>, alloc: () => Buffer = () => Buffer.allocUnsafe(MEMBER_SIZE)): AsyncGenerator<Buffer> {
  const m = new Members(alloc);
  const flush = async function* (): AsyncGenerator<Buffer> {
    while (m.done.length > 0) {
      yield m.done.shift()!;
      await nextTurn();
    }
  };
  for (const e of entries) {
    m.header(e);
    if (e.kind === 'file' && e.source) {
      const fd = openPlanned(e);
      try {
        let got = 0;
        while (got < e.size) {
          const want = Math.min(m.room(), e.size - got);
          if (m.done.length > 0) yield* flush();
          const n = readSync(fd, m.buf, m.pos, want, got);
          if (n === 0) throw changed(e, got);
          m.pos += n;
          got += n;
        }
      } finally {
        closeSync(fd);
      }
      m.zeros(-e.size & 511);
    }
    if (m.done.length > 0) yield* flush();
  }
  m.zeros(1024);
  yield* flush();
  yield m.finish();
}
