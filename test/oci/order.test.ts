import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sortByBytes } from '../../src/oci/index.js';

test('names sort in UTF-8 byte order, also where UTF-16 order differs (astral vs U+E000..U+FFFF)', () => {
  assert.deepEqual(sortByBytes(['b', 'a', 'B', '_', 'a0']), ['B', '_', 'a', 'a0', 'b']);
  // U+FF5E is EF BD 9E in UTF-8, U+1F600 is F0 9F 98 80: bytes put the emoji last, UTF-16 first.
  assert.deepEqual(sortByBytes(['\u{1F600}', '\uFF5E', 'z']), ['z', '\uFF5E', '\u{1F600}']);
});
