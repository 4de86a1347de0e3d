/**
 * A build holds the store's gc lease from its first step to its last output: a prune that
 * starts meanwhile waits, instead of deleting layers the build wrote but no image names yet.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from '../../src/build/index.js';
import type { Digest } from '../../src/oci/index.js';
import { Store, pruneStore } from '../../src/store/index.js';
import { cleanup, makeContext, storeRoot } from './harness.js';

after(cleanup);

test('a prune started during a build waits for it and leaves its image whole', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nRUN sleep 1.5 && echo done > /done\n' });
  let runStarted!: () => void;
  const running = new Promise<void>((r) => { runStarted = r; });
  const building = build({
    context: ctx, root: storeRoot, noCache: true, tags: ['localhost/lease:1'],
    onProgress: (e) => { if (e.type === 'step-start' && /RUN/.test(e.name)) runStarted(); },
  }).then((r) => ({ r, at: Date.now() }));
  await running;
  // The COPY layer is stored by now and named by no image yet.
  const store = await Store.open({ root: storeRoot });
  const pruned = await pruneStore(store).then((p) => ({ p, at: Date.now() }));
  const built = await building;
  assert.ok(pruned.at >= built.at, 'prune finished after the build');
  for (const l of built.r.layers) assert.ok(await store.hasBlob(l.digest as Digest), `layer ${l.digest} is still stored`);
  const image = await store.resolveImage('localhost/lease:1');
  assert.equal(image.digest, built.r.manifestDigest);
  assert.deepEqual(pruned.p.blobsRemoved.filter((d) => built.r.layers.some((l) => l.digest === d)), []);
});
