import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { applyLayers, createLayerStream, readLayer, type LayerEntry } from '../../src/image/index.js';
import { sh, tempDir } from './fixtures.js';
import { snapshot } from './tree.js';

const LONG = 'n'.repeat(200);

/** A tree with every file type and awkward names; returns the paths of special cases. */
async function makeTree(root: string): Promise<void> {
  const w = (p: string, data: string | Buffer, mode = 0o644) => fs.writeFile(path.join(root, p), data, { mode });
  await fs.mkdir(path.join(root, 'dir with spaces/ünïcödé ✓'), { recursive: true });
  await w('dir with spaces/ünïcödé ✓/file name.txt', 'unicode\n');
  await w('empty', '');
  await w('setuid-bin', '#!/bin/sh\n', 0o755);
  await fs.chmod(path.join(root, 'setuid-bin'), 0o4755);
  await fs.mkdir(path.join(root, 'private'), { mode: 0o700 });
  await fs.mkdir(path.join(root, 'sticky'));
  await fs.chmod(path.join(root, 'sticky'), 0o1777);
  await w(LONG, 'long name\n');
  let deep = root;
  for (let i = 0; i < 4; i++) deep = path.join(deep, `${'d'.repeat(90)}${i}`);
  await fs.mkdir(deep, { recursive: true });
  await fs.writeFile(path.join(deep, `${LONG}.txt`), 'deep\n');
  await fs.symlink('empty', path.join(root, 'link-rel'));
  await fs.symlink('/etc/passwd', path.join(root, 'link-abs'));
  await fs.symlink('x'.repeat(150), path.join(root, 'link-long'));
  await w('hard-a', 'shared inode\n');
  await fs.link(path.join(root, 'hard-a'), path.join(root, 'hard-b'));
  await fs.link(path.join(root, 'hard-a'), path.join(root, 'private/hard-c'));
  await sh('mkfifo', [path.join(root, 'fifo')]);
  await sh('mknod', [path.join(root, 'null'), 'c', '1', '3']);
  await sh('mknod', [path.join(root, 'loop9'), 'b', '7', '9']);
  await w('owned', 'owned by 1234:5678\n');
  await fs.chown(path.join(root, 'owned'), 1234, 5678);
  await fs.lchown(path.join(root, 'link-rel'), 42, 43);
  await w('xattr-file', 'has xattrs\n');
  await sh('setfattr', ['-n', 'user.comment', '-v', 'hello world', path.join(root, 'xattr-file')]);
  await sh('setfattr', ['-n', 'user.bin', '-v', '0x00ff10', path.join(root, 'xattr-file')]);
  await fs.writeFile(path.join(root, 'big'), Buffer.alloc(3 << 20, 7));
  // A socket is skipped (it cannot be archived).
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(path.join(root, 'sock'), r));
  server.close();
  await fs.utimes(path.join(root, 'empty'), 12345, 12345);
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts);
}

test('every file type and awkward name survives write -> apply unchanged', async () => {
  const work = await tempDir();
  try {
    const src = path.join(work, 'src');
    await fs.mkdir(src);
    await makeTree(src);
    await fs.rm(path.join(src, 'sock')).catch(() => undefined);
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(path.join(src, 'sock'), r));
    const { stream, result } = await createLayerStream({ type: 'tree', root: src });
    const blob = await collect(stream);
    server.close();
    const r = await result;
    const dst = path.join(work, 'dst');
    const [applied] = await applyLayers(dst, [{ stream: [blob], diffId: r.diffId }]);
    assert.equal(applied!.diffId, r.diffId);
    await fs.rm(path.join(src, 'sock'), { force: true });
    const want = await snapshot(src);
    const got = await snapshot(dst);
    assert.deepEqual(got, want);
    assert.match(got['xattr-file']!, /user\.bin=0x00ff10/);
    assert.match(got['private/hard-c']!, /link=hard-a/);
    assert.match(got['null']!, /^chr /);
    assert.equal(got['sock'], undefined);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});

test('entries are canonical: sorted, parents first, empty uname/gname, PAX for long names', async () => {
  const work = await tempDir();
  try {
    await makeTree(work);
    const { stream, result } = await createLayerStream({ type: 'tree', root: work }, { compression: 'none' });
    const tarBytes = await collect(stream);
    await result;
    const names: string[] = [];
    const entries: LayerEntry[] = [];
    await readLayer([tarBytes], async (e) => { names.push(e.path); entries.push(e); });
    for (let i = 1; i < names.length; i++) {
      const a = names[i - 1]!.split('/');
      const b = names[i]!.split('/');
      let k = 0;
      while (k < a.length && k < b.length && a[k] === b[k]) k++;
      assert.ok(k === a.length || Buffer.compare(Buffer.from(a[k] ?? ''), Buffer.from(b[k] ?? '')) < 0, `${names[i - 1]} before ${names[i]}`);
    }
    assert.ok(!names.includes('sock'));
    assert.ok(names.includes(LONG));
    // Every ustar header: uname (265) and gname (297) empty.
    let off = 0;
    let headers = 0;
    while (off + 512 <= tarBytes.length && tarBytes[off] !== 0) {
      const h = tarBytes.subarray(off, off + 512);
      assert.equal(h[265], 0);
      assert.equal(h[297], 0);
      const size = parseInt(h.subarray(124, 136).toString().replace(/\0.*$/, '').trim() || '0', 8);
      off += 512 + Math.ceil(size / 512) * 512;
      headers++;
    }
    assert.ok(headers >= entries.length);
    assert.ok(tarBytes.includes(Buffer.from(`path=${LONG}`)), 'long name goes into a PAX path record');
    assert.equal(entries.find((e) => e.path === 'hard-b')!.type, 'link');
    assert.equal(entries.find((e) => e.path === 'hard-b')!.linkname, 'hard-a');
    assert.equal(entries.find((e) => e.path === 'owned')!.uid, 1234);
    assert.equal(entries.find((e) => e.path === 'xattr-file')!.xattrs!.get('user.comment')!.toString(), 'hello world');
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});

test('a file over 8 GiB gets a PAX size record (sparse source, header only)', async () => {
  const work = await tempDir();
  try {
    const size = 8 * 1024 ** 3 + 1;
    await fs.writeFile(path.join(work, 'huge'), '');
    await fs.truncate(path.join(work, 'huge'), size);
    const { stream, result } = await createLayerStream({ type: 'tree', root: work }, { compression: 'none' });
    result.catch(() => undefined);
    let head = Buffer.alloc(0);
    for await (const c of stream) {
      head = Buffer.concat([head, c]);
      if (head.length >= 2048) break;
    }
    const text = head.subarray(0, 2048).toString('latin1');
    assert.match(text, new RegExp(`\\d+ size=${size}\\n`));
    assert.equal(head[156], 'x'.charCodeAt(0), 'first header is a PAX extended header');
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});
