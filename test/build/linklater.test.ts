/**
 * COPY into a new directory hands its links to another thread (Borrower.linkLater, the tar
 * worker's linkOnWorker) and goes on walking. The tree must be the one linking here makes:
 * the same inodes, a copy wherever a link fails, directory times set after their last link,
 * and each borrowed file recorded with its stat after the link.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync, type Stats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Borrower, type Linker } from '../../src/build/borrow.js';
import { executeCopy } from '../../src/build/copyexec.js';
import { linkOnWorker, prewarmTarWorker, releaseTarWorker } from '../../src/image/tar-offload.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'slipway-linklater-'));
after(() => {
  releaseTarWorker();
  rmSync(work, { recursive: true, force: true });
});

let n = 0;
/** A context dir with `files` files spread over nested dirs (times set in the past), a symlink, and one file owned by 1000. */
function context(files: number): string {
  const root = path.join(work, `ctx-${n++}`);
  for (let i = 0; i < files; i++) {
    const dir = path.join(root, 'src', `d${i % 5}`, `e${i % 3}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `f${i}.txt`), `file ${i}\n`);
  }
  symlinkSync('d0/e0/f0.txt', path.join(root, 'src', 'link'));
  writeFileSync(path.join(root, 'src', 'theirs.txt'), 'owned by 1000\n');
  chownSync(path.join(root, 'src', 'theirs.txt'), 1000, 1000);
  const old = new Date('2020-02-02T02:02:02Z');
  for (const d of ['src', ...readdirSync(path.join(root, 'src')).filter((x) => x.startsWith('d')).map((x) => `src/${x}`)]) utimesSync(path.join(root, d), old, old);
  for (let i = 0; i < 5; i++) for (let j = 0; j < 3; j++) utimesSync(path.join(root, 'src', `d${i}`, `e${j}`), old, old);
  return root;
}

/** Copies `src/` of `ctx` into a new `/app` of a fresh target, with `linker`; the target and the borrower. */
async function copy(ctx: string, linker?: Linker): Promise<{ target: string; borrow: Borrower }> {
  const target = path.join(work, `target-${n++}`);
  mkdirSync(target);
  const borrow = new Borrower(undefined, linker);
  await executeCopy({
    sourceRoot: ctx, targetRoot: target, items: [{ type: 'contents', from: 'src', to: '/app' }], preserveOwner: false,
    upper: { merged: target, dir: target }, borrow,
  });
  return { target, borrow };
}

/** Every entry under `root`: type, mode, owner, mtime (s), content or link target, and whether it is `ctx`'s inode. */
function tree(root: string, ctxSrc: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(path.join(root, r));
      const srcIno = (() => { try { return lstatSync(path.join(ctxSrc, r.replace(/^app\/?/, ''))).ino; } catch { return -1; } })();
      const kind = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : 'file';
      const body = kind === 'file' ? readFileSync(path.join(root, r), 'utf8') : '';
      out.set(r, `${kind} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${kind === 'dir' && r !== 'app' ? Math.floor(st.mtimeMs / 1000) : '-'} ${st.ino === srcIno ? 'same-inode' : 'own-inode'} ${body}`);
      if (kind === 'dir') walk(r);
    }
  };
  walk('');
  return out;
}

test('links made on the tar worker give the tree linking here gives, records included', async () => {
  const ctx = context(700);
  const here = await copy(ctx);
  prewarmTarWorker();
  // The worker says when it is up; links are not queued behind its start.
  for (let i = 0; i < 200 && linkOnWorker([]) === undefined; i++) await new Promise((r) => setTimeout(r, 10));
  let batches = 0;
  const counted: Linker = (pairs) => {
    const p = linkOnWorker(pairs);
    if (p !== undefined) batches++;
    return p;
  };
  const there = await copy(ctx, counted);
  assert.ok(batches >= 2, `links went to the worker in batches (${batches})`);
  assert.deepEqual(tree(there.target, path.join(ctx, 'src')), tree(here.target, path.join(ctx, 'src')));
  const t = tree(there.target, path.join(ctx, 'src'));
  assert.match(t.get('app/d2/e1/f7.txt')!, /^file 644 0:0 - same-inode file 7\n$/);
  assert.match(t.get('app/link')!, /^link 777 0:0 - same-inode $/);
  assert.match(t.get('app/theirs.txt')!, /^file 644 0:0 - own-inode owned by 1000\n$/, 'a file whose owner changes is copied, not linked');
  assert.match(t.get('app/d3/e1')!, new RegExp(`^dir 755 0:0 ${Date.parse('2020-02-02T02:02:02Z') / 1000} `), 'a directory keeps its source time after the links into it');
  // Each borrowed file is recorded with the stat its inode has after the link.
  for (const [rel, b] of there.borrow.borrowed) {
    const st = lstatSync(path.join(there.target, rel));
    for (const k of ['ino', 'size', 'mtimeMs', 'ctimeMs', 'mode', 'uid', 'gid'] as const) assert.equal((b.st as Stats)[k], st[k], `${rel} ${k}`);
    assert.equal(b.st.isSymbolicLink(), st.isSymbolicLink());
    assert.equal(b.st.mtime.getTime(), st.mtime.getTime());
  }
  assert.equal(there.borrow.borrowed.size, here.borrow.borrowed.size);
  // A link the worker cannot make comes back as its error code, in pair order.
  const outcomes = await linkOnWorker([[path.join(work, 'absent'), path.join(work, 'x')], [path.join(ctx, 'src/link'), path.join(work, 'y')]]);
  assert.deepEqual(outcomes?.[0], { code: 'ENOENT' });
  assert.equal((outcomes?.[1] as { stat: number[] }).stat[7], lstatSync(path.join(ctx, 'src/link')).ino);
});

test('a link the other thread could not make is copied; one it never answered is linked here', async () => {
  const ctx = context(800);
  const here = await copy(ctx);
  let call = 0;
  // First batch: every other link fails (as EXDEV would); second: no answer (a dead worker); then: not taken.
  const flaky: Linker = (pairs) => {
    call++;
    if (call === 1) return Promise.resolve(pairs.map((pair, i) => (i % 2 === 0 ? { code: 'EXDEV' } : realLink(pair))));
    if (call === 2) return Promise.resolve([]);
    return undefined;
  };
  const { target, borrow } = await copy(ctx, flaky);
  assert.ok(call >= 3);
  const got = tree(target, path.join(ctx, 'src'));
  const want = tree(here.target, path.join(ctx, 'src'));
  const copied = [...got].filter(([, v]) => v.includes('own-inode') && v.startsWith('file') && !v.includes('owned by 1000'));
  assert.ok(copied.length > 50, `the failed links became copies (${copied.length})`);
  // Same tree but for which inode each copied file has.
  assert.deepEqual(new Map([...got].map(([k, v]) => [k, v.replace('own-inode', 'same-inode')])), new Map([...want].map(([k, v]) => [k, v.replace('own-inode', 'same-inode')])));
  for (const [rel] of copied) assert.equal(borrow.borrowed.has(rel), false, `${rel} is not recorded as borrowed`);
  for (const [rel, b] of borrow.borrowed) assert.equal(b.st.ino, lstatSync(path.join(target, rel)).ino, `${rel} recorded with its linked inode`);
});

/** Links a pair here, the way the worker would, for a fake Linker. */
function realLink([from, to]: [string, string]): { stat: number[] } {
  linkSync(from, to);
  const s = lstatSync(to);
  return { stat: [s.dev, s.mode, s.nlink, s.uid, s.gid, s.rdev, s.blksize, s.ino, s.size, s.blocks, s.atimeMs, s.mtimeMs, s.ctimeMs, s.birthtimeMs] };
}

test('a link made before the thread ended unanswered is kept as linked, never copied over', async () => {
  const ctx = context(300);
  const before = lstatSync(path.join(ctx, 'src/d0/e0/f0.txt'));
  // The links are made, then no answer comes (as when the worker is terminated mid-batch).
  const madeThenDied: Linker = (pairs) => {
    for (const pair of pairs) realLink(pair);
    return Promise.resolve([]);
  };
  const { target, borrow } = await copy(ctx, madeThenDied);
  const t = tree(target, path.join(ctx, 'src'));
  assert.match(t.get('app/d0/e0/f0.txt')!, /same-inode/);
  assert.match(t.get('app/link')!, /^link 777 0:0 - same-inode $/);
  assert.equal(borrow.borrowed.has('app/d0/e0/f0.txt'), true, 'recorded as borrowed');
  const after = lstatSync(path.join(ctx, 'src/d0/e0/f0.txt'));
  assert.equal(after.mtimeMs, before.mtimeMs, 'the context file is not touched');
  assert.equal(after.size, before.size);
});

test('a copy that cannot be made after a failed link fails the COPY (the error, once every link is settled)', async () => {
  const ctx = context(600);
  let gone = '';
  const failing: Linker = (pairs) => {
    // The first file of the first batch disappears before its link, which then fails.
    if (gone === '') {
      gone = pairs[0]![0];
      rmSync(gone);
    }
    return Promise.resolve(pairs.map((pair) => (pair[0] === gone ? { code: 'ENOENT' } : realLink(pair))));
  };
  await assert.rejects(copy(ctx, failing), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
});

test('a worker let go while another copy links on it ends after those links, not in the middle', async () => {
  prewarmTarWorker();
  for (let i = 0; i < 200 && linkOnWorker([]) === undefined; i++) await new Promise((r) => setTimeout(r, 10));
  const ctx = context(2000);
  const dst = path.join(work, `released-${n++}`);
  mkdirSync(dst);
  const files = readdirSync(path.join(ctx, 'src'), { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => path.join(d.parentPath ?? (d as unknown as { path: string }).path, d.name));
  const pending = linkOnWorker(files.map((f, i) => [f, path.join(dst, `l${i}`)]));
  assert.ok(pending);
  releaseTarWorker(); // as another build ending now would
  const outcomes = await pending;
  assert.equal(outcomes.length, files.length, 'every link answered');
  assert.ok(outcomes.every((o) => 'stat' in o));
  assert.equal(linkOnWorker([]), undefined, 'no new links go to the released worker');
});
