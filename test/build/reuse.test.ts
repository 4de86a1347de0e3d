/**
 * A COPY that runs again because some of its files changed links the unchanged ones from
 * its previous result (src/build/copyreuse.ts): the layer must be exactly what a full
 * copy makes, and a file whose mode or content changed must never be linked.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, lstatSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pruneBuildCache } from '../../src/build/prune.js';
import { Store } from '../../src/store/index.js';
import { cleanup, makeContext, slipway, storeRoot } from './harness.js';

after(cleanup);

const kept = (diffId: string, rel: string) => lstatSync(path.join(storeRoot, 'build-diffs', diffId.replace('sha256:', ''), rel));

test('COPY after a change links unchanged files from its last result; the layer equals a full copy', async () => {
  const ctx = makeContext({
    Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY d /app/d\n',
    'd/a.js': 'a'.repeat(5000), 'd/b.js': 'b'.repeat(5000), 'd/sub/c.js': 'c'.repeat(5000), 'd/run.sh': '#!/bin/sh\n',
  });
  // Owned by someone else, the files are copied, not linked from the context (borrow.ts):
  // linking from the last result is what a COPY of such a context can do.
  for (const f of ['d/a.js', 'd/b.js', 'd/sub/c.js', 'd/run.sh']) chownSync(path.join(ctx, f), 1000, 1000);
  const sourceDateEpoch = 1700000000;
  const first = await slipway(ctx, { sourceDateEpoch });
  writeFileSync(path.join(ctx, 'd/b.js'), 'B'.repeat(6000));
  chmodSync(path.join(ctx, 'd/run.sh'), 0o700);
  const second = await slipway(ctx, { sourceDateEpoch });
  const full = await slipway(ctx, { sourceDateEpoch, noCache: true });
  assert.equal(second.result.steps.filter((s) => s.cached).length, 1, 'COPY rootfs/ cached, COPY d ran');
  assert.deepEqual(second.result.layers.map((l) => l.digest), full.result.layers.map((l) => l.digest), 'linked and copied layers are identical');
  const [before, after] = [first.result.layers[1]!.diffId, second.result.layers[1]!.diffId];
  assert.notEqual(before, after);
  for (const same of ['app/d/a.js', 'app/d/sub/c.js']) assert.equal(kept(after, same).ino, kept(before, same).ino, `${same} is linked`);
  assert.notEqual(kept(after, 'app/d/b.js').ino, kept(before, 'app/d/b.js').ino, 'changed content is copied');
  assert.notEqual(kept(after, 'app/d/run.sh').ino, kept(before, 'app/d/run.sh').ino, 'changed mode is copied');
  assert.equal(kept(after, 'app/d/run.sh').mode & 0o777, 0o700);
  assert.equal(kept(before, 'app/d/run.sh').mode & 0o777, 0o644, 'the earlier layer is untouched');

  const members = (digest: string) => path.join(storeRoot, 'build-cache', 'members', digest.replace('sha256:', ''));
  // With ISA-L deflating, members are not indexed (test/build/deflater.test.ts has zlib's).
  assert.equal(existsSync(members(second.result.layers[1]!.digest)), false, 'ISA-L: no member index');

  const copies = path.join(storeRoot, 'build-cache', 'copies');
  assert.ok(readdirSync(copies).length >= 1);
  await pruneBuildCache(await Store.open({ root: storeRoot }), { all: true });
  assert.deepEqual(readdirSync(copies), [], 'prune -a drops the COPY records with the kept dirs');
});
