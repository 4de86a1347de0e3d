import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { applyLayers, createLayerStream, readLayer, saveImages } from '../../src/image/index.js';
import type { LayerChange, LayerSource, MemberCache } from '../../src/image/index.js';
import { Store } from '../../src/store/index.js';
import { storeBusyboxImage, tempDir } from './fixtures.js';
import { snapshot } from './tree.js';

async function layer(source: LayerSource, options: { sourceDateEpoch?: number; workers?: number; level?: number; compression?: 'gzip' | 'none'; members?: { cache?: MemberCache } } = {}) {
  const { stream, result } = await createLayerStream(source, options);
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c);
  return { blob: Buffer.concat(parts), ...(await result) };
}

test('whiteouts, opaque dirs and directory-over-file replacement', async () => {
  const work = await tempDir();
  try {
    const lower = path.join(work, 'lower');
    for (const d of ['a', 'b/sub', 'keep']) await fs.mkdir(path.join(lower, d), { recursive: true });
    for (const f of ['a/x', 'a/y', 'b/old', 'b/sub/deep', 'c', 'keep/k']) await fs.writeFile(path.join(lower, f), f);
    await fs.mkdir(path.join(lower, 'dir-becomes-file'));
    await fs.writeFile(path.join(lower, 'dir-becomes-file/inner'), 'i');
    const upper = path.join(work, 'upper');
    await fs.mkdir(path.join(upper, 'b'), { recursive: true });
    await fs.writeFile(path.join(upper, 'b/new'), 'new');
    await fs.mkdir(path.join(upper, 'c'));
    await fs.writeFile(path.join(upper, 'c/inner'), 'inner');
    await fs.writeFile(path.join(upper, 'dir-becomes-file'), 'now a file');
    const changes: LayerChange[] = [
      { type: 'add', path: 'dir-becomes-file' },
      { type: 'add', path: '/c/inner' },
      { type: 'whiteout', path: 'a/x' },
      { type: 'add', path: 'b/new' },
      { type: 'opaque', path: 'b' },
      { type: 'add', path: 'b' },
      { type: 'add', path: 'c' },
    ];
    const l1 = await layer({ type: 'tree', root: lower });
    const l2 = await layer({ type: 'changes', root: upper, changes });
    const names: string[] = [];
    await readLayer([l2.blob], async (e) => { names.push(e.path); });
    assert.deepEqual(names, ['a/.wh.x', 'b', 'b/.wh..wh..opq', 'b/new', 'c', 'c/inner', 'dir-becomes-file']);
    const root = path.join(work, 'root');
    await applyLayers(root, [{ stream: [l1.blob], diffId: l1.diffId }, { stream: [l2.blob], diffId: l2.diffId }]);
    const snap = await snapshot(root, { mtimes: false });
    assert.deepEqual(Object.keys(snap).sort(), ['a', 'a/y', 'b', 'b/new', 'c', 'c/inner', 'dir-becomes-file', 'keep', 'keep/k']);
    assert.match(snap['c']!, /^dir /);
    assert.equal(await fs.readFile(path.join(root, 'dir-becomes-file'), 'utf8'), 'now a file');
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});

test('whiteouts in non-canonical archives apply to lower layers only', async () => {
  const work = await tempDir();
  try {
    const tar = (await import('tar-stream')).default;
    const pack = tar.pack();
    const parts: Buffer[] = [];
    const done = (async () => { for await (const c of pack) parts.push(c as Buffer); })();
    pack.entry({ name: 'd/', type: 'directory' });
    pack.entry({ name: 'd/mine' }, 'added by this layer');
    pack.entry({ name: 'd/.wh..wh..opq' }, '');
    pack.entry({ name: 'd/.wh.mine' }, '');
    pack.finalize();
    await done;
    const root = path.join(work, 'root');
    await fs.mkdir(path.join(root, 'd'), { recursive: true });
    await fs.writeFile(path.join(root, 'd/lower'), 'from below');
    await applyLayers(root, [{ stream: [Buffer.concat(parts)] }]);
    assert.deepEqual(await fs.readdir(path.join(root, 'd')), ['mine']);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});

async function makeCopy(root: string, order: string[], mtime: number): Promise<void> {
  for (const name of order) {
    const p = path.join(root, name);
    await fs.mkdir(path.dirname(p), { recursive: true });
    await fs.writeFile(p, `content of ${name}\n`.repeat(name.length * 1000));
  }
  const all = async (dir: string): Promise<void> => {
    for (const n of await fs.readdir(dir)) {
      const p = path.join(dir, n);
      if ((await fs.lstat(p)).isDirectory()) await all(p);
      await fs.utimes(p, mtime, mtime);
    }
  };
  await all(root);
}

test('reproducible: same tree from two copies -> identical blobs and archives under SOURCE_DATE_EPOCH', async () => {
  const work = await tempDir();
  try {
    const files = ['z/last', 'a/first', 'm/mid/deeper', 'b', 'ü-unicode', 'big/file'];
    const one = path.join(work, 'one');
    const two = path.join(work, 'two');
    await makeCopy(one, files, 1800000000);
    await makeCopy(two, [...files].reverse(), 1900000000);
    await fs.writeFile(path.join(one, 'big/file'), Buffer.alloc(5 << 20, 3));
    await fs.writeFile(path.join(two, 'big/file'), Buffer.alloc(5 << 20, 3));
    const epoch = 1700000000;
    const a = await layer({ type: 'tree', root: one }, { sourceDateEpoch: epoch, workers: 1 });
    const b = await layer({ type: 'tree', root: two }, { sourceDateEpoch: epoch, workers: 3 });
    assert.equal(a.digest, b.digest);
    assert.equal(a.diffId, b.diffId);
    assert.ok(a.blob.equals(b.blob));
    const c = await layer({ type: 'tree', root: two });
    assert.notEqual(c.diffId, a.diffId, 'without the clamp the mtimes differ');

    const archives: Buffer[] = [];
    for (const dir of ['s1', 's2']) {
      const store = await Store.open({ root: path.join(work, dir) });
      await storeBusyboxImage(store, ['repro/image:1']);
      const parts: Buffer[] = [];
      const sink = new (await import('node:stream')).Writable({ write(chunk, _e, cb) { parts.push(chunk as Buffer); cb(); } });
      await saveImages(store, ['repro/image:1'], sink);
      archives.push(Buffer.concat(parts));
    }
    assert.ok(archives[0]!.equals(archives[1]!), 'saved archives are byte-identical');
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});

test('gzip level: one tar, a blob per level; uncompressed blob is the tar itself', async () => {
  const work = await tempDir();
  try {
    const root = path.join(work, 'tree');
    await makeCopy(root, ['src/a.js', 'src/b.js', 'README'], 1800000000);
    const text = Buffer.from('export function f(x) { return x * 2 + 1; }\n'.repeat(40000));
    await fs.writeFile(path.join(root, 'src/a.js'), text);
    const opts = { sourceDateEpoch: 1700000000, workers: 2 };
    const l1 = await layer({ type: 'tree', root }, { ...opts, level: 1 });
    const l9 = await layer({ type: 'tree', root }, { ...opts, level: 9 });
    const def = await layer({ type: 'tree', root }, opts);
    const none = await layer({ type: 'tree', root }, { ...opts, compression: 'none' });
    assert.equal(l1.diffId, l9.diffId);
    assert.equal(none.diffId, l1.diffId);
    assert.notEqual(l1.digest, l9.digest);
    assert.ok(l9.size < l1.size, `level 9 (${l9.size}) is smaller than level 1 (${l1.size})`);
    assert.equal(def.digest, l1.digest, 'the default level is 1');
    assert.ok(gunzipSync(l1.blob).equals(none.blob) && gunzipSync(l9.blob).equals(none.blob));
    assert.equal(none.digest, none.diffId);
    assert.equal(none.size, none.uncompressedSize);
    assert.equal(none.size, none.blob.length);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});

test('gzip members: a layer written with an earlier blob\'s members takes the unchanged ones and is byte-identical', async () => {
  const work = await tempDir();
  try {
    const root = path.join(work, 'tree');
    await fs.mkdir(root);
    // Three files of 1.5 MiB of varied text: the tar spans five 1 MiB members.
    for (const [i, name] of ['a.txt', 'b.txt', 'c.txt'].entries()) {
      await fs.writeFile(path.join(root, name), Array.from({ length: 120000 }, (_, n) => `${name} line ${n * (i + 7)}\n`).join('').slice(0, 1536 * 1024));
    }
    const opts = { sourceDateEpoch: 1700000000, workers: 2 };
    const first = await layer({ type: 'tree', root }, { ...opts, members: {} });
    assert.equal(first.members?.length, 5);
    await fs.appendFile(path.join(root, 'c.txt'), 'changed at the end\n');
    const offsets: number[] = [];
    let at = 0;
    for (const m of first.members!) { offsets.push(at); at += m.size; }
    const asked: string[] = [];
    const cache: MemberCache = {
      async get(sha) {
        asked.push(sha);
        const i = first.members!.findIndex((m) => m.sha === sha);
        return i < 0 ? undefined : { member: first.blob.subarray(offsets[i]!, offsets[i]! + first.members![i]!.size), compressedSha: first.members![i]!.compressedSha };
      },
    };
    const second = await layer({ type: 'tree', root }, { ...opts, members: { cache } });
    const plain = await layer({ type: 'tree', root }, opts);
    assert.ok(second.blob.equals(plain.blob), 'same bytes as deflating everything');
    assert.equal(second.members?.length, 5);
    const { createHash } = await import('node:crypto');
    let off = 0;
    for (const m of second.members!) {
      assert.equal(m.compressedSha, createHash('sha256').update(second.blob.subarray(off, off + m.size)).digest('hex'), 'each record names its member\'s bytes');
      off += m.size;
    }
    const reused = second.members!.filter((m, i) => m.sha === first.members![i]!.sha).length;
    assert.equal(reused, 3, 'the members before c.txt\'s growth are the same tar bytes');
    assert.equal(asked.length, 5);
    assert.equal(plain.members, undefined, 'members are listed only when asked for');

    // What the cache gives is what goes into the blob: members it has are not deflated again.
    // Here it gives other (valid) bytes for the same tar, zlib's level 9, so its use shows.
    const { gunzipSync, gzipSync } = await import('node:zlib');
    const other = first.members!.map((m, i) => gzipSync(gunzipSync(first.blob.subarray(offsets[i]!, offsets[i]! + m.size)), { level: 9 }));
    const marked: MemberCache = {
      async get(sha) {
        const i = first.members!.findIndex((m) => m.sha === sha);
        return i < 0 ? undefined : { member: other[i]!, compressedSha: createHash('sha256').update(other[i]!).digest('hex') };
      },
    };
    const third = await layer({ type: 'tree', root }, { ...opts, members: { cache: marked } });
    assert.ok(third.blob.subarray(0, other.slice(0, 3).reduce((n, m) => n + m.length, 0)).equals(Buffer.concat(other.slice(0, 3))), 'the three cached members, as the cache gave them');
    assert.ok(gunzipSync(third.blob).equals(gunzipSync(plain.blob)), 'the same tar');
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});
