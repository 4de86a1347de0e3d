/**
 * A COPY re-run whose last result went stale (a context file it linked was edited in place)
 * takes that tree over and updates it (CopyReuse.adopt) instead of linking every file anew.
 * The layer must be exactly what a full copy makes; an intact earlier tree is never taken.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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
