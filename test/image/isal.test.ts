/**
 * The ISA-L addon (src/image/native/isal-gzip.c) deflates every gzip member at the default
 * level. Its members must be exactly what ISA-L's own `igzip -1 -n` writes (OS byte 255,
 * as all slipway members), gunzip back to the input, and not depend on where the input
 * sits in memory. .ci/setup installs what builds it, so here it must be built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { isalGzip } from '../../src/image/isal.js';
import { GZIP_LEVEL, gzipDeflater } from '../../src/image/pgzip.js';

function igzip(data: Buffer): Buffer {
  const r = spawnSync('igzip', ['-1', '-n', '-c'], { input: data, maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, `igzip: ${r.error?.message ?? r.stderr}`);
  r.stdout[9] = 255;
  return r.stdout;
}

function addon() {
  const isal = isalGzip();
  assert.ok(isal, 'the ISA-L addon is built (npm run build with gcc, libc6-dev and libisal-dev)');
  return isal;
}

test('the addon is what deflates at the default level, and names its version', () => {
  const isal = addon();
  assert.match(isal.version, /^isal-\d+\.\d+\.\d+-l1-\d+$/);
  assert.equal(gzipDeflater(), isal.version);
  assert.equal(gzipDeflater(GZIP_LEVEL), isal.version);
  assert.match(gzipDeflater(6), /^zlib-/, 'other levels are zlib\'s');
});

test('members are igzip\'s bytes with OS 255, header without name or mtime, and gunzip back', async () => {
  const isal = addon();
  const text = Buffer.from(Array.from({ length: 80000 }, (_, i) => `line ${i % 997} of a source tree\n`).join(''));
  const tarLike = Buffer.concat([Buffer.from('./node_modules/a/index.js\0'), Buffer.alloc(486), text.subarray(0, 300000), Buffer.alloc(212)]);
  // igzip streams its input; the addon deflates a member in one call (ISA-L's stateless
  // API), which ends blocks elsewhere on long runs of one byte: those are only checked to
  // gunzip back.
  const cases: [string, Buffer, boolean][] = [
    ['empty', Buffer.alloc(0), true],
    ['one byte', Buffer.from('x'), true],
    ['text', text.subarray(0, 1 << 20), true],
    ['tar-like', tarLike, true],
    // Does not compress: ISA-L's first try overflows the output, the retry writes stored blocks.
    ['random', randomBytes(1 << 20), true],
    ['zeros', Buffer.alloc(1 << 20), false],
  ];
  for (const [name, data, likeCli] of cases) {
    const member = await isal.gzip(data);
    assert.deepEqual([...member.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255], `${name}: header`);
    if (likeCli) assert.ok(member.equals(igzip(data)), `${name}: same bytes as igzip -1 -n`);
    assert.ok(gunzipSync(member).equals(data), `${name}: gunzips to the input`);
    assert.ok((await isal.gzip(Buffer.from(data))).equals(member), `${name}: the same bytes again`);
  }
  // The same bytes at an odd address deflate the same.
  const shifted = Buffer.alloc((1 << 20) + 7);
  text.copy(shifted, 7, 0, 1 << 20);
  assert.ok((await isal.gzip(shifted.subarray(7))).equals(await isal.gzip(text.subarray(0, 1 << 20))));
});

test('the addon refuses what is not a Buffer', () => {
  const isal = addon();
  assert.throws(() => (isal.gzip as (x: unknown) => unknown)('text'), TypeError);
  assert.throws(() => (isal.gzip as (x: unknown) => unknown)(undefined), TypeError);
});

test('SLIPWAY_GZIP pins the deflater: zlib always zlib, isal or unset ISA-L, anything else an error', () => {
  const isal = addon();
  try {
    process.env.SLIPWAY_GZIP = 'zlib';
    assert.equal(isalGzip(), undefined);
    assert.match(gzipDeflater(), /^zlib-/);
    process.env.SLIPWAY_GZIP = 'isal';
    assert.equal(isalGzip(), isal);
    process.env.SLIPWAY_GZIP = 'pigz';
    assert.throws(() => isalGzip(), { code: 'GZIP_UNKNOWN' });
  } finally {
    delete process.env.SLIPWAY_GZIP;
  }
});
