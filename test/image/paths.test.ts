import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalKey, normaliseLayerPath, whiteoutPath } from '../../src/image/index.js';
import { compareKeys } from '../../src/image/paths.js';
import { SlipwayError } from '../../src/errors.js';

test('layer paths are normalised; climbing and NUL are refused', () => {
  assert.equal(normaliseLayerPath('/a//b/./c/'), 'a/b/c');
  assert.equal(normaliseLayerPath('./'), '');
  for (const bad of ['../x', 'a/../../x', 'a/..', 'a\0b']) {
    assert.throws(() => normaliseLayerPath(bad), (e: unknown) => e instanceof SlipwayError && e.code === 'LAYER_UNSAFE_PATH', bad);
  }
  assert.equal(whiteoutPath('a/b'), 'a/.wh.b');
  assert.equal(whiteoutPath('top'), '.wh.top');
});

test('canonical order: UTF-8 bytes per component, parents first, opaque then whiteouts first', () => {
  const paths = ['b', 'a/z', 'a', 'a b', 'a/.wh.y', 'a/.wh..wh..opq', 'a-b', 'a/x', '\u{1F600}', '\uFFFD', 'é', 'Z'];
  const sorted = [...paths].sort((x, y) => compareKeys(canonicalKey(x), canonicalKey(y)));
  assert.deepEqual(sorted, ['Z', 'a', 'a/.wh..wh..opq', 'a/.wh.y', 'a/x', 'a/z', 'a b', 'a-b', 'b', 'é', '\uFFFD', '\u{1F600}']);
  // Same result as comparing the UTF-8 bytes of each component.
  const bytes = [...paths].sort((x, y) => {
    const a = x.split('/');
    const b = y.split('/');
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const rank = (s: string) => (s === '.wh..wh..opq' ? 0 : s.startsWith('.wh.') ? 1 : 2);
      if (a[i] !== b[i]) return rank(a[i]!) - rank(b[i]!) || Buffer.compare(Buffer.from(a[i]!), Buffer.from(b[i]!));
    }
    return a.length - b.length;
  });
  assert.deepEqual(sorted, bytes);
});
