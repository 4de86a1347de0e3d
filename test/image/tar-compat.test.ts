import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { createLayerStream, GZIP_LEVEL, MEMBER_SIZE, readLayer, type LayerSource, type LayerWriteOptions } from '../../src/image/index.js';
import { isalGzip } from '../../src/image/isal.js';
import { planEntries, type PlannedEntry } from '../../src/image/walk.js';
import { sh, tempDir } from './fixtures.js';
import { generateChanges, generateTree } from './gen-tree.js';

/**
 * The layer writer encodes tar headers itself for speed; layer digests were defined by
 * tar-stream's pack, which also writes the tars of other tools. These tests build the
 * same planned entries through tar-stream's pack (the header mapping the writer used
 * before) and require identical bytes, uncompressed and as multi-member gzip.
 */

type ReferenceHeader = Partial<tar.Header> & { name: string; pax?: Record<string, string> };

function referenceHeader(e: PlannedEntry): ReferenceHeader {
  const pax: Record<string, string> = {};
  if (e.size > 0o77777777777) pax.size = String(e.size);
  // Ids past tar-stream's 6 octal digits go in PAX records (tar-stream saturated them).
  if (e.uid > 0o777777) pax.uid = String(e.uid);
  if (e.gid > 0o777777) pax.gid = String(e.gid);
  if (e.xattrs) for (const [k, v] of [...e.xattrs].sort(([a], [b]) => (a < b ? -1 : 1))) pax[`SCHILY.xattr.${k}`] = v.toString('latin1');
  const type = e.kind === 'marker' ? 'file' : e.kind;
  return {
    name: e.kind === 'directory' ? `${e.path}/` : e.path,
    type,
    mode: e.mode,
    uid: e.uid > 0o777777 ? 0 : e.uid,
    gid: e.gid > 0o777777 ? 0 : e.gid,
    size: type === 'file' ? e.size : 0,
    mtime: new Date(e.mtime * 1000),
    uname: '',
    gname: '',
    ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
    ...(e.devmajor !== undefined ? { devmajor: e.devmajor, devminor: e.devminor } : {}),
    ...(Object.keys(pax).length > 0 ? { pax } : {}),
  };
}

async function referenceTar(source: LayerSource, sourceDateEpoch?: number): Promise<Buffer> {
  const entries = await planEntries(source, sourceDateEpoch);
  const pack = tar.pack();
  const parts: Buffer[] = [];
  const collected = (async () => { for await (const c of pack as AsyncIterable<Buffer>) parts.push(c); })();
  for (const e of entries) {
    const h = referenceHeader(e);
    const body = e.kind === 'file' && e.source ? readFileSync(e.source) : h.type === 'file' ? Buffer.alloc(0) : undefined;
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (body) pack.entry(h, body, cb);
      else pack.entry(h, cb);
    });
  }
  pack.finalize();
  await collected;
  return Buffer.concat(parts);
}

/**
 * Multi-member gzip as the layer format defines it: one member per MEMBER_SIZE bytes, OS
 * byte 255. The default level's members are ISA-L's (test/image/isal.test.ts holds them to
 * `igzip`); other levels, and SLIPWAY_GZIP=zlib, are zlib's.
 */
async function referenceGzip(tarBytes: Buffer, level = GZIP_LEVEL, deflater: 'isal' | 'zlib' = level === GZIP_LEVEL ? 'isal' : 'zlib'): Promise<Buffer> {
  const isal = deflater === 'isal' ? isalGzip() : undefined;
  if (deflater === 'isal') assert.ok(isal, 'the ISA-L addon is built');
  const members: Buffer[] = [];
  for (let off = 0; off < tarBytes.length; off += MEMBER_SIZE) {
    const data = tarBytes.subarray(off, off + MEMBER_SIZE);
    const m = isal ? await isal.gzip(data) : gzipSync(data, { level });
    m[9] = 255;
    members.push(m);
  }
  return Buffer.concat(members);
}

async function written(source: LayerSource, options: LayerWriteOptions): Promise<Buffer> {
  const { stream, result } = await createLayerStream(source, options);
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c);
  await result;
  return Buffer.concat(parts);
}

function firstDifference(a: Buffer, b: Buffer): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

for (const seed of [1, 2, 3]) {
  test(`generated tree ${seed}: identical to tar-stream's pack, as tar and as gzip, tree and changes sources`, async () => {
    const root = await tempDir();
    try {
      const tree = await generateTree(root, seed, 150, { tarStreamSafe: true });
      const cases: [LayerSource, number | undefined][] = [
        [{ type: 'tree', root }, undefined],
        [{ type: 'tree', root }, 1700000000],
        [{ type: 'changes', root, changes: generateChanges(tree, seed, { tarStreamSafe: true }) }, 2147483647],
      ];
      for (const [source, epoch] of cases) {
        const want = await referenceTar(source, epoch);
        const got = await written(source, { compression: 'none', sourceDateEpoch: epoch });
        assert.ok(got.equals(want), `${source.type} epoch=${epoch}: first difference at byte ${firstDifference(got, want)} of ${want.length}`);
        assert.ok((await written(source, { sourceDateEpoch: epoch })).equals(await referenceGzip(want)));
      }
      assert.ok((await written({ type: 'tree', root }, { level: 6, workers: 1 })).equals(await referenceGzip(await referenceTar({ type: 'tree', root }), 6)));
      process.env.SLIPWAY_GZIP = 'zlib';
      try {
        assert.ok((await written({ type: 'tree', root }, {})).equals(await referenceGzip(await referenceTar({ type: 'tree', root }), GZIP_LEVEL, 'zlib')), 'SLIPWAY_GZIP=zlib: zlib\'s level 1');
      } finally {
        delete process.env.SLIPWAY_GZIP;
      }
      // GNU tar reads it whole: every planned entry listed, nothing reported.
      await fs.writeFile(path.join(root, '..', `${path.basename(root)}.tar`), await written({ type: 'tree', root }, { compression: 'none' }));
      const listed = await sh('tar', ['-tf', `${root}.tar`]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.equal(listed.stdout.split('\n').filter(Boolean).length, (await planEntries({ type: 'tree', root })).length);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
      await fs.rm(`${root}.tar`, { force: true });
    }
  });
}

test('a tree whose tar is an exact multiple of the member size gets no empty trailing member', async () => {
  const root = await tempDir();
  try {
    // 512 header + content + 1024 end blocks = 2 MiB exactly.
    await fs.writeFile(path.join(root, 'f'), Buffer.alloc(2 * MEMBER_SIZE - 1536, 1));
    const want = await referenceTar({ type: 'tree', root });
    assert.equal(want.length, 2 * MEMBER_SIZE);
    assert.ok((await written({ type: 'tree', root }, { compression: 'none' })).equals(want));
    assert.ok((await written({ type: 'tree', root }, {})).equals(await referenceGzip(want)));
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('a file over 8 GiB: the same PAX and base-256 size header as tar-stream', async () => {
  const root = await tempDir();
  try {
    await fs.writeFile(path.join(root, 'huge'), '');
    await fs.truncate(path.join(root, 'huge'), 8 * 1024 ** 3 + 1);
    const [e] = await planEntries({ type: 'tree', root });
    const pack = tar.pack();
    pack.entry(referenceHeader(e!));
    let want = Buffer.alloc(0);
    for await (const c of pack as AsyncIterable<Buffer>) {
      want = Buffer.concat([want, c]);
      if (want.length >= 1536) break;
    }
    const { stream, result } = await createLayerStream({ type: 'tree', root }, { compression: 'none' });
    result.catch(() => undefined);
    const first = (await stream.next()).value as Buffer;
    await stream.return(undefined);
    assert.equal(first.length, MEMBER_SIZE);
    assert.ok(first.subarray(0, 1536).equals(want.subarray(0, 1536)));
    assert.ok(first.subarray(1536).equals(Buffer.alloc(MEMBER_SIZE - 1536)), 'content of the sparse file');
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('metadata tar-stream encoded wrong: mode 0, ids past 262143, mtimes past 2038, read back by GNU tar and slipway', async () => {
  const root = await tempDir();
  try {
    const cases: [string, number, number, number, number][] = [
      ['shadow', 0o000, 0, 0, 1700000000],
      ['mid-ids', 0o640, 300000, 2000000, 2147483648],
      ['big-ids', 0o644, 4000000000, 70000, 4294967301],
      ['old', 0o600, 262143, 262144, -86400],
    ];
    for (const [name, mode, uid, gid, mtime] of cases) {
      const f = path.join(root, name);
      await fs.writeFile(f, name);
      await fs.chown(f, uid, gid);
      await fs.chmod(f, mode);
      // touch, since Node turns a negative time into "now".
      assert.equal((await sh('touch', ['-d', `@${mtime}`, f])).code, 0);
    }
    const tarFile = `${root}.tar`;
    await fs.writeFile(tarFile, await written({ type: 'tree', root }, { compression: 'none' }));
    process.env.TZ = 'UTC';
    const listed = await sh('tar', ['--numeric-owner', '--full-time', '-tvf', tarFile]);
    assert.equal(listed.code, 0, listed.stderr);
    const rows = new Map(listed.stdout.trim().split('\n').map((l) => { const w = l.split(/\s+/); return [w[5]!, w.slice(0, 5).join(' ')]; }));
    assert.equal(rows.get('shadow'), '---------- 0/0 6 2023-11-14 22:13:20');
    assert.equal(rows.get('mid-ids'), '-rw-r----- 300000/2000000 7 2038-01-19 03:14:08');
    assert.equal(rows.get('big-ids'), '-rw-r--r-- 4000000000/70000 7 2106-02-07 06:28:21');
    // The planner clamps times before 1970 to 0 (layers never carry negative times).
    assert.equal(rows.get('old'), '-rw------- 262143/262144 3 1970-01-01 00:00:00');
    const read = new Map<string, { mode: number; uid: number; gid: number; mtime: number }>();
    await readLayer(createReadStream(tarFile), async (e) => { read.set(e.path, { mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime }); });
    for (const [name, mode, uid, gid, mtime] of cases) assert.deepEqual(read.get(name), { mode, uid, gid, mtime: Math.max(0, mtime) }, name);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
    await fs.rm(`${root}.tar`, { force: true });
  }
});

test('xattrs are raw bytes in PAX records: binary values and non-ASCII names survive GNU tar both ways', async () => {
  const root = await tempDir();
  const out = `${root}-out`;
  try {
    const f = path.join(root, 'f');
    await fs.writeFile(f, 'x');
    const dump = `# file: ${f}\nuser.bin=0x0080ff41c3\nuser.\u00fc=0x31\n`;
    assert.equal((await sh('setfattr', ['--restore=-'], { input: Buffer.from(dump, 'utf8') })).code, 0);
    const want = new Map([['user.bin', Buffer.from([0x00, 0x80, 0xff, 0x41, 0xc3])], [Buffer.from('user.\u00fc').toString('latin1'), Buffer.from('1')]]);
    // slipway writes, GNU tar extracts: the same bytes on disk.
    const ours = `${root}.tar`;
    await fs.writeFile(ours, await written({ type: 'tree', root }, { compression: 'none' }));
    await fs.mkdir(out);
    const x = await sh('tar', ['--xattrs', '--xattrs-include=user.*', '-xf', ours, '-C', out]);
    assert.equal(x.code, 0, x.stderr);
    const shown = await sh('getfattr', ['-d', '-e', 'hex', '-m', '^user\\.', path.join(out, 'f')]);
    assert.match(shown.stdout, /^user\.bin=0x0080ff41c3$/m);
    assert.match(shown.stdout, /^user\.\u00fc=0x31$/m);
    // GNU tar writes, slipway reads: the same bytes.
    const theirs = `${root}-gnu.tar`;
    assert.equal((await sh('tar', ['--xattrs', '--xattrs-include=user.*', '--format=posix', '-cf', theirs, '-C', root, 'f'])).code, 0);
    for (const file of [ours, theirs]) {
      let got: Map<string, Buffer> | undefined;
      await readLayer(createReadStream(file), async (e) => { if (e.path === 'f') got = e.xattrs; });
      assert.deepEqual(got, want, file);
    }
  } finally {
    for (const p of [root, out, `${root}.tar`, `${root}-gnu.tar`]) await fs.rm(p, { recursive: true, force: true });
  }
});
