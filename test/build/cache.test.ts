import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BuildCache, baseKey, hashParts, stepKey } from '../../src/build/cache.js';
import { tempDirSync } from '../helpers/tmp.js';

test('keys depend on parent, instruction and inputs, and part boundaries', () => {
  const b = baseKey('scratch', 'linux/amd64');
  assert.match(b, /^sha256:[a-f0-9]{64}$/);
  assert.notEqual(stepKey(b, 'RUN a'), stepKey(b, 'RUN b'));
  assert.notEqual(stepKey(b, 'COPY x /', 'h1'), stepKey(b, 'COPY x /', 'h2'));
  assert.notEqual(stepKey(baseKey('scratch', 'linux/arm64'), 'RUN a'), stepKey(b, 'RUN a'));
  assert.equal(stepKey(b, 'RUN a', 'i'), stepKey(b, 'RUN a', 'i'));
  assert.notEqual(hashParts(['ab', 'c']), hashParts(['a', 'bc']));
});

test('the index maps keys to layers, survives garbage, and prunes', async () => {
  const root = tempDirSync('slipway-cache-');
  const cache = new BuildCache(root);
  const k = stepKey(baseKey('scratch', 'linux/amd64'), 'RUN x');
  assert.equal(await cache.get(k), undefined);
  const layer = { digest: `sha256:${'a'.repeat(64)}`, diffId: `sha256:${'b'.repeat(64)}`, size: 10, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' };
  await cache.put(k, layer);
  assert.deepEqual((await cache.get(k))?.layer, layer);
  await writeFile(path.join(cache.dir, `${'c'.repeat(64)}.json`), '{not json');
  assert.equal(await cache.get(`sha256:${'c'.repeat(64)}`), undefined);
  assert.equal((await cache.entries()).length, 1);
  assert.equal(await cache.prune(), 1);
  assert.deepEqual((await readdir(cache.dir)).filter((n) => !n.startsWith('c')), []);
});
