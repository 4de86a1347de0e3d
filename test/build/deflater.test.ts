/**
 * ISA-L and zlib deflate the same tar into other bytes, so what deflates a build's layers
 * is part of its cache keys: a store's zlib layers are not handed out where ISA-L's were
 * asked for (the digests would depend on the store's history), and the other way round.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pruneBuildCache } from '../../src/build/prune.js';
import { Store } from '../../src/store/index.js';
import { cleanup, makeContext, slipway, storeRoot } from './harness.js';

after(cleanup);

test('layers deflated by zlib and by ISA-L are cached apart: same diff_ids, other digests', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY d /d\n', 'd/a.txt': 'a\n'.repeat(50000) });
  const sourceDateEpoch = 1700000000;
  let zlib;
  process.env.SLIPWAY_GZIP = 'zlib';
  try {
    zlib = await slipway(ctx, { sourceDateEpoch });
  } finally {
    delete process.env.SLIPWAY_GZIP;
  }
  const isal = await slipway(ctx, { sourceDateEpoch });
  assert.deepEqual(isal.result.steps.map((s) => s.cached), [false, false], 'nothing reused from the zlib build');
  assert.deepEqual(isal.result.layers.map((l) => l.diffId), zlib.result.layers.map((l) => l.diffId), 'the same tars');
  for (const [i, l] of isal.result.layers.entries()) assert.notEqual(l.digest, zlib.result.layers[i]!.digest, `layer ${i}: other gzip bytes`);
  const again = await slipway(ctx, { sourceDateEpoch });
  assert.deepEqual(again.result.steps.map((s) => s.cached), [true, true]);
  assert.deepEqual(again.result.layers.map((l) => l.digest), isal.result.layers.map((l) => l.digest));
  process.env.SLIPWAY_GZIP = 'zlib';
  try {
    const zlibAgain = await slipway(ctx, { sourceDateEpoch });
    assert.deepEqual(zlibAgain.result.steps.map((s) => s.cached), [true, true], 'the zlib layers are still there for zlib');
    assert.deepEqual(zlibAgain.result.layers.map((l) => l.digest), zlib.result.layers.map((l) => l.digest));
  } finally {
    delete process.env.SLIPWAY_GZIP;
  }
});

test('a COPY re-run never reuses gzip members the other deflater made: its layer is a full build\'s', async () => {
  // Several members' worth of files; the last one changes, so every member before it is
  // reusable by the same deflater (build/members.ts), and must not be by the other.
  const files: Record<string, string> = { Dockerfile: 'FROM scratch\nCOPY d /d\n' };
  for (let i = 0; i < 6; i++) files[`d/f${i}.txt`] = `${i} ${'some text of a source file\n'.repeat(20000)}`;
  const ctx = makeContext(files, false);
  const sourceDateEpoch = 1700000000;
  const withGzip = async <T>(value: string | undefined, fn: () => Promise<T>): Promise<T> => {
    if (value === undefined) delete process.env.SLIPWAY_GZIP;
    else process.env.SLIPWAY_GZIP = value;
    try {
      return await fn();
    } finally {
      delete process.env.SLIPWAY_GZIP;
    }
  };
  for (const [first, second] of [['zlib', undefined], [undefined, 'zlib']] as const) {
    await withGzip(first, () => slipway(ctx, { sourceDateEpoch }));
    writeFileSync(path.join(ctx, 'd/f5.txt'), `changed after ${first ?? 'isal'}\n`);
    const rerun = await withGzip(second, () => slipway(ctx, { sourceDateEpoch }));
    assert.equal(rerun.result.steps[0]!.cached, false);
    const full = await withGzip(second, () => slipway(ctx, { sourceDateEpoch, noCache: true }));
    assert.equal(rerun.result.layers[0]!.digest, full.result.layers[0]!.digest, `${first ?? 'isal'} then ${second ?? 'isal'}: the layer a full build makes`);
  }
});

test('with zlib a COPY\'s gzip members are indexed by their own bytes, found again in a re-run without SOURCE_DATE_EPOCH; prune drops the index', async () => {
  const files: Record<string, string> = { Dockerfile: 'FROM scratch\nCOPY d /app/d\n' };
  for (let i = 0; i < 5; i++) files[`d/f${i}.txt`] = `${i} ${'more text of a source file\n'.repeat(20000)}`;
  const ctx = makeContext(files, false);
  const index = (digest: string) => path.join(storeRoot, 'build-cache', 'members', digest.replace('sha256:', ''));
  process.env.SLIPWAY_GZIP = 'zlib';
  try {
    const first = await slipway(ctx);
    const lines = readFileSync(index(first.result.layers[0]!.digest), 'utf8').trim().split('\n');
    assert.match(lines[0]!, /^slipway-members 1\t1\tzlib-/);
    assert.equal(lines.length - 1, 3, 'one line per member');
    // The first member changes (as it does every run without SOURCE_DATE_EPOCH: it holds the
    // directories COPY creates, with this build's time; here f0.txt changes too, size kept),
    // and so does the last: the one between must still be found by its own digest.
    const f0 = readFileSync(path.join(ctx, 'd/f0.txt'), 'utf8');
    writeFileSync(path.join(ctx, 'd/f0.txt'), `X${f0.slice(1)}`);
    writeFileSync(path.join(ctx, 'd/f4.txt'), 'changed\n');
    const second = await slipway(ctx);
    assert.equal(second.result.steps[0]!.cached, false);
    // Members are keyed by their own tar bytes, so those after the first are the same records
    // (a key over the tar so far would differ for all: nothing could be reused).
    const record = readFileSync(index(second.result.layers[0]!.digest), 'utf8').trim().split('\n').slice(1);
    assert.deepEqual(record.map((l) => lines.includes(l)), [false, true, false], 'member 1 is the same record; 0 (f0.txt) and 2 (f4.txt) are not');
    await pruneBuildCache(await Store.open({ root: storeRoot }), { all: true });
    assert.equal(existsSync(index(second.result.layers[0]!.digest)), false, 'prune -a drops the member indexes');
  } finally {
    delete process.env.SLIPWAY_GZIP;
  }
});
