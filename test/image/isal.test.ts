/**
 * The ISA-L addon (src/image/native/isal-gzip.c) deflates every gzip member at the default
 * level. Its members must be exactly what ISA-L's own `igzip -1 -n` writes (OS byte 255,
 * as all slipway members), gunzip back to the input, and not depend on where the input
 * sits in memory. .ci/setup installs what builds it, so here it must be built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { isalGzip } from '../../src/image/isal.js';
import { GZIP_LEVEL, gzipDeflater } from '../../src/image/pgzip.js';
import { tempDirSync } from '../helpers/tmp.js';

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
  // Headers' version, the library file that runs, the level buffer, the kernel class.
  assert.match(isal.version, /^isal-\d+\.\d+\.\d+-libisal\.so\.[\d.]+-l1-\d+-x86-sse4\.2$/);
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
    // Does not compress: ISA-L writes stored blocks.
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

test('the bytes of a fixed member are pinned: an ISA-L that deflates otherwise changes layer digests', async () => {
  // 1 MiB of source-like lines from a fixed generator. If this fails after an ISA-L upgrade,
  // every layer digest changed with it (its version, in the cache keys, changed too).
  let x = 1;
  const words = ['const', 'return', 'function', 'import', 'export', 'layer', 'digest', 'tar', '=', '{', '}', '(', ')', ';', 'await', 'path'];
  const parts: string[] = [];
  for (let size = 0; size < 1 << 20;) {
    x = (x * 1103515245 + 12345) >>> 0;
    const w = `${words[x >>> 28]!}${(x >>> 20) & 1 ? '\n' : ' '}`;
    parts.push(w);
    size += w.length;
  }
  const member = await addon().gzip(Buffer.from(parts.join('')).subarray(0, 1 << 20));
  assert.equal(createHash('sha256').update(member).digest('hex'), PINNED_MEMBER);
});
const PINNED_MEMBER = '17d3d2019ebb9f5dbcd8502c6db1fb947fb400aaf3b75db2de90ff77ef654043';

test('a built addon that does not load: builds warn, SLIPWAY_GZIP=isal says why', () => {
  // A copy of the loader next to a damaged addon (not an ELF file).
  const dir = tempDirSync('slipway-isal-broken-');
  const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
  mkdirSync(path.join(dir, 'image'));
  copyFileSync(path.join(dist, 'errors.js'), path.join(dir, 'errors.js'));
  copyFileSync(path.join(dist, 'image', 'isal.js'), path.join(dir, 'image', 'isal.js'));
  writeFileSync(path.join(dir, 'image', 'isal-gzip.node'), 'not a shared object\n');
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  const script = `const m = await import(${JSON.stringify(path.join(dir, 'image', 'isal.js'))});
    const out = { none: m.isalGzip() === undefined, warning: m.isalWarning() };
    process.env.SLIPWAY_GZIP = 'isal';
    try { m.isalGzip(); } catch (e) { out.code = e.code; out.message = e.message; }
    console.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, SLIPWAY_GZIP: '' } });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { none: boolean; warning?: string; code?: string; message?: string };
  assert.equal(out.none, true, 'zlib deflates');
  assert.match(out.warning ?? '', /ISA-L addon does not load.*zlib.*(invalid ELF header|too short)/);
  assert.equal(out.code, 'GZIP_ISAL_MISSING');
  assert.match(out.message ?? '', /does not load: .*(invalid ELF header|too short)/);
});
