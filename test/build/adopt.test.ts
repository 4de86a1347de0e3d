/**
 * A COPY re-run whose last result went stale (a context file it linked was edited in place)
 * takes that tree over and updates it (CopyReuse.adopt) instead of linking every file anew.
 * The layer must be exactly what a full copy makes; an intact earlier tree is never taken.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { borrowedIntact } from '../../src/build/borrow.js';
import { StatCache } from '../../src/context/index.js';
import { cleanup, makeContext, slipway, storeRoot, tree, unpack } from './harness.js';

after(cleanup);

const sourceDateEpoch = 1700000000;
const keptDir = (diffId: string) => path.join(storeRoot, 'build-diffs', diffId.replace('sha256:', ''));

test('a COPY re-run after an in-place edit updates its stale tree; the layer is the one a full copy makes', async () => {
  const ctx = makeContext({
    Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY d /app/d\nRUN cat /app/d/edit.txt > /seen\n',
    'd/edit.txt': 'v1\n', 'd/keep.txt': 'keep\n', 'd/gone.txt': 'gone\n', 'd/mode.sh': '#!/bin/sh\n',
    'd/sub/x.txt': 'x\n', 'd/sub2/y.txt': 'y\n', 'd/link': { symlink: 'keep.txt' }, 'd/later-ignored.txt': 'i\n', 'd/xattr.txt': 'xa\n',
  });
  const d = (rel: string) => path.join(ctx, 'd', rel);
  // A file with a user xattr is copied, not linked (BuildKit leaves xattrs out): a private file of the tree.
  execFileSync('setfattr', ['-n', 'user.note', '-v', '1', d('xattr.txt')]);
  const first = await slipway(ctx, { sourceDateEpoch });
  const before = keptDir(first.result.layers[1]!.diffId);
  const xattrIno = lstatSync(path.join(before, 'app/d/xattr.txt')).ino;
  assert.equal(lstatSync(path.join(before, 'app/d/keep.txt')).ino, lstatSync(d('keep.txt')).ino, 'keep.txt is linked from the context');

  appendFileSync(d('edit.txt'), 'v2\n'); // in place: the earlier tree is stale
  rmSync(d('gone.txt'));
  rmSync(d('sub'), { recursive: true });
  rmSync(d('sub2'), { recursive: true });
  writeFileSync(d('sub2'), 'now a file\n');
  chmodSync(d('mode.sh'), 0o755);
  mkdirSync(d('new/deeper'), { recursive: true });
  writeFileSync(d('new/deeper/z.txt'), 'z\n');
  writeFileSync(path.join(ctx, '.dockerignore'), 'd/later-ignored.txt\n');

  const second = await slipway(ctx, { sourceDateEpoch });
  assert.deepEqual(second.result.steps.map((s) => s.cached), [true, false, false]);
  const after = keptDir(second.result.layers[1]!.diffId);
  assert.equal(existsSync(before), false, 'the stale tree left its place');
  const trash = path.join(storeRoot, 'build-trash');
  const hex = first.result.layers[1]!.diffId.replace('sha256:', '');
  assert.deepEqual(readdirSync(trash).filter((n) => n.startsWith(hex)), [], 'nothing of it is left in the trash: the COPY took it');
  assert.equal(lstatSync(path.join(after, 'app/d/keep.txt')).ino, lstatSync(d('keep.txt')).ino, 'keep.txt is still the context file');
  assert.equal(lstatSync(path.join(after, 'app/d/xattr.txt')).ino, xattrIno, 'the private copy stayed');
  assert.equal(readFileSync(path.join(await unpack(second.archive), 'seen'), 'utf8'), 'v1\nv2\n', 'the RUN saw the edit');

  // What the updated tree gives is what copying gives: same layers, same files.
  const full = await slipway(ctx, { sourceDateEpoch, noCache: true });
  assert.deepEqual(second.result.layers.map((l) => l.digest), full.result.layers.map((l) => l.digest));
  const files = tree(path.join(after, 'app/d'));
  assert.deepEqual(files.map((f) => f.split(' ').slice(0, 3).join(' ')), [
    'f edit.txt 644', 'f keep.txt 644', 'l link 0:0', 'f mode.sh 755', 'd new 755', 'd new/deeper 755', 'f new/deeper/z.txt 644', 'f sub2 644', 'f xattr.txt 644',
  ]);

  const third = await slipway(ctx, { sourceDateEpoch });
  assert.deepEqual(third.result.steps.map((s) => s.cached), [true, true, true], 'the stat cache and the new tree hold for the next build');
});

test('an intact earlier tree is not taken: a file added leaves it as it was', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY d /app/d\n', 'd/a.txt': 'a\n', 'd/b.txt': 'b\n' });
  const first = await slipway(ctx, { sourceDateEpoch });
  const before = keptDir(first.result.layers[1]!.diffId);
  writeFileSync(path.join(ctx, 'd/c.txt'), 'c\n');
  const second = await slipway(ctx, { sourceDateEpoch });
  assert.deepEqual(second.result.steps.map((s) => s.cached), [true, false]);
  assert.deepEqual(readdirSync(path.join(before, 'app/d')), ['a.txt', 'b.txt'], 'the earlier layer keeps its tree');
  assert.deepEqual(readdirSync(path.join(keptDir(second.result.layers[1]!.diffId), 'app/d')), ['a.txt', 'b.txt', 'c.txt']);
  assert.equal(lstatSync(path.join(before, 'app/d/a.txt')).ino, lstatSync(path.join(ctx, 'd/a.txt')).ino, 'both link the context file');
});

// From review (the first four failed before their fixes).
const fileList = (root: string) => tree(root).map((l) => l.split(' ').slice(0, 2).join(' '));

test('a file .dockerignore newly leaves out, with an exception pattern below its name, goes from the taken-over tree', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY d /app/d\n', 'd/edit.txt': 'v1\n', 'd/cfg': 'cfg\n', 'd/keep.txt': 'k\n' });
  await slipway(ctx, { sourceDateEpoch });
  appendFileSync(path.join(ctx, 'd/edit.txt'), 'v2\n');
  writeFileSync(path.join(ctx, '.dockerignore'), 'd/cfg\n!d/cfg/x\n');
  const second = await slipway(ctx, { sourceDateEpoch });
  const full = await slipway(ctx, { sourceDateEpoch, noCache: true });
  assert.deepEqual(fileList(path.join(keptDir(second.result.layers[1]!.diffId), 'app/d')), ['f edit.txt', 'f keep.txt']);
  assert.deepEqual(second.result.layers.map((l) => l.digest), full.result.layers.map((l) => l.digest));
});

test('a linked file edited in place, then put back as a new file with the same size and mtime, is not kept from the stale tree', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY d /app/d\n', 'd/a': 'v1\n', 'd/b': 'b\n' });
  await slipway(ctx, { sourceDateEpoch });
  const a = path.join(ctx, 'd/a');
  writeFileSync(a, 'v2\n'); // in place: the kept tree's app/d/a says v2 now
  const edited = lstatSync(a);
  // The old content comes back as a new file (an atomic save), with the edit's mtime.
  writeFileSync(`${a}.new`, 'v1\n');
  utimesSync(`${a}.new`, edited.atime, edited.mtime);
  renameSync(`${a}.new`, a);
  writeFileSync(path.join(ctx, 'd/c'), 'c\n');
  const second = await slipway(ctx, { sourceDateEpoch });
  assert.equal(readFileSync(path.join(await unpack(second.archive), 'app/d/a'), 'utf8'), 'v1\n');
  const full = await slipway(ctx, { sourceDateEpoch, noCache: true });
  assert.deepEqual(second.result.layers.map((l) => l.digest), full.result.layers.map((l) => l.digest));
});

test('the same, with the edit and the new file in the same clock tick', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY d /app/d\n', 'd/VERSION': '1.0.1\n', 'd/b': 'b\n' });
  await slipway(ctx, { sourceDateEpoch });
  const v = path.join(ctx, 'd/VERSION');
  writeFileSync(v, '1.0.2\n');
  writeFileSync(`${v}.tmp`, '1.0.1\n'); // as `git checkout -- VERSION`: a new file renamed over
  renameSync(`${v}.tmp`, v);
  writeFileSync(path.join(ctx, 'd/c'), 'c\n');
  const second = await slipway(ctx, { sourceDateEpoch });
  assert.equal(readFileSync(path.join(await unpack(second.archive), 'app/d/VERSION'), 'utf8'), '1.0.1\n');
});

test('files moved to a directory copied earlier leave the new tree intact and the stat cache valid', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY d /app/d\n', 'd/edit.txt': 'v1\n', 'd/z/f': 'f\n', 'd/z/g': 'g\n', 'd/p': 'p\n', 'd/q': 'q\n' });
  await slipway(ctx, { sourceDateEpoch });
  appendFileSync(path.join(ctx, 'd/edit.txt'), 'v2\n');
  mkdirSync(path.join(ctx, 'd/a'));
  renameSync(path.join(ctx, 'd/z/f'), path.join(ctx, 'd/a/f'));
  // And two files swapped.
  renameSync(path.join(ctx, 'd/p'), path.join(ctx, 'd/tmp'));
  renameSync(path.join(ctx, 'd/q'), path.join(ctx, 'd/p'));
  renameSync(path.join(ctx, 'd/tmp'), path.join(ctx, 'd/q'));
  const second = await slipway(ctx, { sourceDateEpoch });
  const diffId = second.result.layers[1]!.diffId;
  assert.equal(borrowedIntact(storeRoot, diffId.replace('sha256:', ''), keptDir(diffId)), true, 'the record holds right after the build');
  // (Of the swapped pair, one may be hashed again by the next build: unlinking its old name
  // moved its ctime before it was linked at its new one. Only a re-read, never a wrong layer.)
  const cache = await StatCache.load(path.join(storeRoot, 'build-statcache.json'));
  for (const f of ['a/f', 'z/g', 'edit.txt']) {
    const abs = path.join(ctx, 'd', f);
    assert.notEqual(cache.lookup(abs, lstatSync(abs)), undefined, `d/${f} is in the stat cache`);
  }
  const full = await slipway(ctx, { sourceDateEpoch, noCache: true });
  assert.deepEqual(second.result.layers.map((l) => l.digest), full.result.layers.map((l) => l.digest));
});

test('a stale tree another build of the same store is running on is not taken over', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY d /app/d\n', 'd/edit.txt': 'v1\n', 'd/keep.txt': 'keep\n' });
  await slipway(ctx, { sourceDateEpoch });
  // The same COPY (a cache hit on the same kept dir), then a RUN that reads it a little later.
  const other = 'FROM scratch\nCOPY rootfs/ /\nCOPY d /app/d\nRUN sleep 2; cat /app/d/keep.txt > /out; ls /app/d > /ls\n';
  const running = slipway(ctx, { sourceDateEpoch, dockerfileText: other });
  await new Promise((r) => setTimeout(r, 1000));
  appendFileSync(path.join(ctx, 'd/edit.txt'), 'v2\n');
  writeFileSync(path.join(ctx, 'd/new.txt'), 'n\n');
  const meanwhile = await slipway(ctx, { sourceDateEpoch });
  assert.deepEqual(meanwhile.result.steps.map((s) => s.cached), [true, false]);
  const root = await unpack((await running).archive);
  assert.equal(readFileSync(path.join(root, 'out'), 'utf8'), 'keep\n');
  assert.equal(readFileSync(path.join(root, 'ls'), 'utf8'), 'edit.txt\nkeep.txt\n');
});

// From the second review.
test('a directory whose linked file with an xattr was replaced by a copy keeps the context\'s mtime, taken over or not', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY d /app/d\n', 'd/edit.txt': 'v1\n', 'd/sub/x.txt': 'x\n', 'd/sub/y.txt': 'y\n' });
  execFileSync('setfattr', ['-n', 'user.note', '-v', '1', path.join(ctx, 'd/sub/x.txt')]);
  // Older than the epoch, so the layer keeps them rather than clamping them.
  const old = 1600000000;
  for (const p of ['d/sub/x.txt', 'd/sub/y.txt', 'd/edit.txt', 'd/sub', 'd']) utimesSync(path.join(ctx, p), old, old);
  const first = await slipway(ctx, { sourceDateEpoch });
  const sub = () => lstatSync(path.join(keptDir(first.result.layers[1]!.diffId), 'app/d/sub')).mtimeMs;
  assert.equal(sub(), old * 1000, 'a fresh copy: the copy of x.txt did not move its directory\'s mtime');
  appendFileSync(path.join(ctx, 'd/edit.txt'), 'v2\n');
  for (const p of ['d/edit.txt', 'd']) utimesSync(path.join(ctx, p), old, old);
  const second = await slipway(ctx, { sourceDateEpoch });
  const full = await slipway(ctx, { sourceDateEpoch, noCache: true });
  assert.equal(existsSync(keptDir(first.result.layers[1]!.diffId)), false, 'the tree was taken over');
  assert.deepEqual(second.result.layers.map((l) => l.digest), full.result.layers.map((l) => l.digest));
});

test('a leftover lease file that names this process\'s pid (an earlier process, pid reused) does not stop a take-over', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY d /app/d\n', 'd/a': 'a\n', 'd/b': 'b\n' });
  const first = await slipway(ctx, { sourceDateEpoch });
  const ghost = path.join(storeRoot, 'locks', `gc.shared.${process.pid}.0123456789ab`);
  writeFileSync(ghost, `${process.pid} 0123456789ab\n`);
  try {
    appendFileSync(path.join(ctx, 'd/a'), 'a2\n');
    const second = await slipway(ctx, { sourceDateEpoch });
    assert.equal(existsSync(keptDir(first.result.layers[1]!.diffId)), false, 'the stale tree left build-diffs');
    const hex = first.result.layers[1]!.diffId.replace('sha256:', '');
    assert.deepEqual(readdirSync(path.join(storeRoot, 'build-trash')).filter((n) => n.startsWith(hex)), [], 'and was taken over, not set aside');
    assert.equal(lstatSync(path.join(keptDir(second.result.layers[1]!.diffId), 'app/d/b')).ino, lstatSync(path.join(ctx, 'd/b')).ino);
  } finally {
    rmSync(ghost, { force: true });
  }
});
