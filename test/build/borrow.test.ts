/**
 * COPY links context files that need no change instead of copying them (src/build/borrow.ts).
 * The layer must be exactly what copying makes; the user's context must never change; and an
 * in-place edit of a context file after a build must never reach an image built earlier.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { appendFileSync, chownSync, existsSync, linkSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pruneBuildCache } from '../../src/build/prune.js';
import { StatCache } from '../../src/context/index.js';
import { Store } from '../../src/store/index.js';
import { cleanup, makeContext, slipway, storeRoot, unpack } from './harness.js';

const mounts: string[] = [];
after(() => {
  for (const m of mounts) execFileSync('umount', [m]);
  cleanup();
});

const keptFile = (diffId: string, rel: string) => path.join(storeRoot, 'build-diffs', diffId.replace('sha256:', ''), rel);
const sourceDateEpoch = 1700000000;

/** A copy of `ctx` on a tmpfs of its own: links into the store fail there (EXDEV), so COPY copies. */
function onOtherFilesystem(ctx: string): string {
  const mnt = mkdtempSync(path.join(path.dirname(ctx), 'tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mnt]);
  mounts.push(mnt);
  const copy = path.join(mnt, 'ctx');
  execFileSync('cp', ['-a', ctx, copy]);
  return copy;
}

test('COPY links context files that need no change; the layer is the one copying makes', async () => {
  const ctx = makeContext({
    Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY app /app\n',
    'app/a.js': 'a'.repeat(3000), 'app/empty': '', 'app/bin/run': { data: '#!/bin/sh\necho run\n', mode: 0o755 },
    'app/link': { symlink: 'a.js' }, 'app/user.txt': 'owned by 1000\n', 'app/attr.txt': 'has an xattr\n',
  });
  chownSync(path.join(ctx, 'app/user.txt'), 1000, 1000);
  execFileSync('setfattr', ['-n', 'user.note', '-v', 'kept-out', path.join(ctx, 'app/attr.txt')]);
  // Two names of one inode in the context: copying makes two files, and so must linking.
  linkSync(path.join(ctx, 'app/a.js'), path.join(ctx, 'app/a-again.js'));
  const other = onOtherFilesystem(ctx);

  const linked = await slipway(ctx, { sourceDateEpoch, noCache: true });
  const copied = await slipway(other, { sourceDateEpoch, noCache: true });
  assert.deepEqual(linked.result.layers.map((l) => l.digest), copied.result.layers.map((l) => l.digest), 'same layers either way');

  const diffId = linked.result.layers[1]!.diffId;
  const ino = (p: string) => lstatSync(p).ino;
  assert.equal(ino(keptFile(diffId, 'app/empty')), ino(path.join(ctx, 'app/empty')), 'empty is linked');
  assert.equal(ino(keptFile(diffId, 'app/bin/run')), ino(path.join(ctx, 'app/bin/run')), 'run is linked');
  assert.equal(ino(keptFile(diffId, 'app/link')), ino(path.join(ctx, 'app/link')), 'the symlink is linked (itself, not its target)');
  // a-again.js comes first in the walk ('-' sorts before '.').
  assert.equal(ino(keptFile(diffId, 'app/a-again.js')), ino(path.join(ctx, 'app/a.js')), 'the first name of an inode is linked');
  assert.notEqual(ino(keptFile(diffId, 'app/a.js')), ino(path.join(ctx, 'app/a.js')), 'its second name is copied');
  assert.notEqual(ino(keptFile(diffId, 'app/user.txt')), ino(path.join(ctx, 'app/user.txt')), 'a file whose owner changes is copied');
  assert.notEqual(ino(keptFile(diffId, 'app/attr.txt')), ino(path.join(ctx, 'app/attr.txt')), 'a file with xattrs is copied');
  assert.equal(lstatSync(keptFile(diffId, 'app/user.txt')).uid, 0);
  assert.equal(lstatSync(path.join(ctx, 'app/user.txt')).uid, 1000, 'the context file keeps its owner');
  // BuildKit leaves a context file's xattrs out of COPY; the context keeps them.
  assert.equal(execFileSync('getfattr', ['--only-values', '-n', 'user.note', path.join(ctx, 'app/attr.txt')]).toString(), 'kept-out');
  const tar = execFileSync('tar', ['--xattrs', '--xattrs-include=*', '-tvzf', path.join(storeRoot, 'blobs', 'sha256', linked.result.layers[1]!.digest.replace('sha256:', ''))]).toString();
  assert.doesNotMatch(tar, /user\.note/);
  assert.match(tar, /^lrwxrwxrwx +0\/0 +0 .* app\/link -> a\.js$/m);
  for (const name of ['a-again', 'a']) assert.match(tar, new RegExp(`^-rw-r--r-- +0/0 +3000 .* app/${name}\\.js$`, 'm'), `${name}.js: a regular file, no tar hard link`);

  // Linking moved the files' ctime; the stat cache must still know them (no re-read next time).
  // (a.js is the one left out: its inode's ctime moved through its other name.)
  const cache = await StatCache.load(path.join(storeRoot, 'build-statcache.json'));
  for (const rel of ['app/a-again.js', 'app/bin/run', 'app/empty', 'app/attr.txt']) {
    const abs = path.join(ctx, rel);
    assert.notEqual(cache.lookup(abs, lstatSync(abs)), undefined, `${rel} is still in the stat cache`);
  }
});

test('COPY --chmod and --chown never link, and never change the context file', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY --chmod=600 f /f\nCOPY --chown=7:7 g /g\n', f: 'f\n', g: 'g\n' });
  const built = await slipway(ctx, { sourceDateEpoch, noCache: true });
  const [, f, g] = built.result.layers.map((l) => l.diffId);
  assert.equal(lstatSync(keptFile(f!, 'f')).mode & 0o777, 0o600);
  assert.equal(lstatSync(path.join(ctx, 'f')).mode & 0o777, 0o644, 'context f keeps its mode');
  assert.equal(lstatSync(keptFile(g!, 'g')).uid, 7);
  assert.equal(lstatSync(path.join(ctx, 'g')).uid, 0, 'context g keeps its owner');
});

test('an in-place edit of a context file after a build does not reach an image built before it', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY d /d\n', 'd/data.txt': 'original\n' });
  const base = await slipway(ctx, { sourceDateEpoch, outputs: [{ type: 'image', names: ['localhost/borrow-base:1'], push: false, compression: 'gzip' }] });
  const diffId = base.result.layers[1]!.diffId;
  assert.equal(lstatSync(keptFile(diffId, 'd/data.txt')).ino, lstatSync(path.join(ctx, 'd/data.txt')).ino, 'data.txt is linked');
  // As an editor that rewrites in place does: the linked inode changes.
  appendFileSync(path.join(ctx, 'd/data.txt'), 'edited\n');

  const user = makeContext({ Dockerfile: 'FROM localhost/borrow-base:1\nRUN cat /d/data.txt > /seen.txt\n' }, false);
  const built = await slipway(user, { sourceDateEpoch });
  const rootfs = await unpack(built.archive);
  assert.equal(readFileSync(path.join(rootfs, 'seen.txt'), 'utf8'), 'original\n', 'the RUN saw the layer as built');
  assert.equal(existsSync(path.join(storeRoot, 'build-diffs', diffId.replace('sha256:', ''))), false, 'the stale kept dir is gone');
  const trash = path.join(storeRoot, 'build-trash');
  assert.equal(readdirSync(trash).filter((n) => n.startsWith(diffId.replace('sha256:', ''))).length, 1, 'it waits in the trash (deleting it would move every linked file\'s ctime)');
  assert.equal(readFileSync(path.join(ctx, 'd/data.txt'), 'utf8'), 'original\nedited\n', 'the context file is the user\'s');
  const record = path.join(storeRoot, 'build-cache', 'borrowed', diffId.replace('sha256:', ''));
  assert.ok(existsSync(record), 'its record stays until prune');
  await pruneBuildCache(await Store.open({ root: storeRoot }));
  assert.deepEqual(readdirSync(trash), [], 'prune empties the trash');
  assert.equal(existsSync(record), false, 'and drops the record of a dir that is gone');
});

test('an xattr set on a context file after a build does not reach a later RUN through the kept dir', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY d /d\nRUN chmod 700 /d/x\n', 'd/x': 'x\n' });
  await slipway(ctx, { sourceDateEpoch });
  // Only the ctime moves: size, mtime, mode and owner stay.
  execFileSync('setfattr', ['-n', 'user.evil', '-v', '1', path.join(ctx, 'd/x')]);
  writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY rootfs/ /\nCOPY d /d\nRUN chmod 750 /d/x\n');
  const second = await slipway(ctx, { sourceDateEpoch });
  assert.deepEqual(second.result.steps.map((s) => s.cached), [true, true, false], 'the COPY is the same layer (BuildKit leaves xattrs out)');
  const run = second.result.layers[2]!.digest.replace('sha256:', '');
  const tar = gunzipSync(readFileSync(path.join(storeRoot, 'blobs', 'sha256', run)));
  assert.ok(tar.includes('d/x'), 'the RUN changed d/x');
  assert.equal(tar.includes('user.evil'), false, 'the copy-up of d/x did not carry the xattr from the context');
});

test('a same-size rewrite with the mtime put back does not reach an image built before it', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY d /d\n', 'd/v': 'version=1\n' });
  await slipway(ctx, { sourceDateEpoch, outputs: [{ type: 'image', names: ['localhost/borrow-v:1'], push: false, compression: 'gzip' }] });
  const v = path.join(ctx, 'd/v');
  const st = lstatSync(v);
  writeFileSync(v, 'version=2\n');
  utimesSync(v, st.atime, st.mtime);
  const user = makeContext({ Dockerfile: 'FROM localhost/borrow-v:1\nRUN cat /d/v > /seen\n' }, false);
  const built = await slipway(user, { sourceDateEpoch });
  assert.equal(readFileSync(path.join(await unpack(built.archive), 'seen'), 'utf8'), 'version=1\n');
});

test('a context file replaced after a build makes the kept dir stale too; the layer comes from its blob', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY d /d\n', 'd/x': 'x1\n', 'd/y': 'y1\n' });
  const first = await slipway(ctx, { sourceDateEpoch });
  const diffId = first.result.layers[1]!.diffId;
  // As git checkout, or an editor writing a new file and renaming it over the old, does:
  // the old inode lives on in the kept dir, its ctime moved by the unlink.
  const x = path.join(ctx, 'd/x');
  const st = lstatSync(x);
  rmSync(x);
  writeFileSync(x, 'x1\n');
  utimesSync(x, st.atime, st.mtime);
  writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY rootfs/ /\nCOPY d /d\nRUN cat /d/x /d/y > /seen\n');
  const second = await slipway(ctx, { sourceDateEpoch });
  assert.deepEqual(second.result.steps.map((s) => s.cached), [true, true, false], 'same content: both COPY steps cached');
  assert.equal(existsSync(keptFile(diffId, 'd/y')), false, 'the kept dir was set aside');
  const rootfs = await unpack(second.archive);
  assert.equal(readFileSync(path.join(rootfs, 'seen'), 'utf8'), 'x1\ny1\n');
  await pruneBuildCache(await Store.open({ root: storeRoot }), { all: true });
  assert.deepEqual(readdirSync(path.join(storeRoot, 'build-cache', 'borrowed')), [], 'prune -a drops the records with the kept dirs');
});

test('a COPY re-run after a file was replaced links the rest again and keeps the stat cache valid', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY d /d\n', 'd/same.txt': 'same\n', 'd/changed.txt': 'v1\n' });
  await slipway(ctx, { sourceDateEpoch });
  const changed = path.join(ctx, 'd/changed.txt');
  rmSync(changed);
  writeFileSync(changed, 'v2\n');
  const second = await slipway(ctx, { sourceDateEpoch });
  assert.deepEqual(second.result.steps.map((s) => s.cached), [true, false]);
  const diffId = second.result.layers[1]!.diffId;
  const same = path.join(ctx, 'd/same.txt');
  assert.equal(lstatSync(keptFile(diffId, 'd/same.txt')).ino, lstatSync(same).ino, 'the unchanged file is the context file');
  assert.equal(readFileSync(keptFile(diffId, 'd/changed.txt'), 'utf8'), 'v2\n');
  const cache = await StatCache.load(path.join(storeRoot, 'build-statcache.json'));
  for (const f of [same, changed]) assert.notEqual(cache.lookup(f, lstatSync(f)), undefined, `${f} is still in the stat cache`);
});

test('an in-place edit and a rebuild leave the stat cache valid for every file', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY d /d\n', 'd/a.txt': 'a\n', 'd/b.txt': 'b\n', 'd/c.txt': 'c\n' });
  await slipway(ctx, { sourceDateEpoch });
  appendFileSync(path.join(ctx, 'd/b.txt'), 'more\n');
  const second = await slipway(ctx, { sourceDateEpoch });
  assert.deepEqual(second.result.steps.map((s) => s.cached), [true, false]);
  // The first build's kept dir was dropped as stale (b.txt changed in place) and the COPY
  // linked every file again: the next build must find all of them in the stat cache.
  const cache = await StatCache.load(path.join(storeRoot, 'build-statcache.json'));
  for (const f of ['a.txt', 'b.txt', 'c.txt']) {
    const abs = path.join(ctx, 'd', f);
    assert.notEqual(cache.lookup(abs, lstatSync(abs)), undefined, `d/${f} is still in the stat cache`);
  }
  const third = await slipway(ctx, { sourceDateEpoch });
  assert.deepEqual(third.result.steps.map((s) => s.cached), [true, true]);
});

test('a --no-cache rebuild that makes the same layer again leaves its copy of the tree to a detached rm, and the kept dir as it was', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY d /d\n', 'd/a.txt': 'a\n', 'd/sub/b.txt': 'b\n' }, false);
  const first = await slipway(ctx, { sourceDateEpoch });
  const diffId = first.result.layers[0]!.diffId;
  const keptIno = lstatSync(keptFile(diffId, 'd/a.txt')).ino;
  const again = await slipway(ctx, { sourceDateEpoch, noCache: true });
  assert.equal(again.result.layers[0]!.diffId, diffId);
  assert.equal(lstatSync(keptFile(diffId, 'd/a.txt')).ino, keptIno, 'the kept dir is the first build\'s');
  const trash = path.join(storeRoot, 'build-trash');
  const dups = () => readdirSync(trash).filter((n) => n.startsWith(`dup-${process.pid}-`));
  for (let i = 0; i < 100 && dups().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(dups(), [], 'the second tree is deleted');
  assert.deepEqual(readdirSync(path.join(storeRoot, 'build-tmp')).filter((n) => n.startsWith(`step-${process.pid}-`)), [], 'no scratch dir is left');
  assert.equal(readFileSync(path.join(ctx, 'd/a.txt'), 'utf8'), 'a\n');
});
