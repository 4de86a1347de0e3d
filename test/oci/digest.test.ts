import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chainId, chainIds, Digester, isDigest, parseDigest, sha256Digest, type Digest } from '../../src/oci/index.js';
import { SlipwayError } from '../../src/errors.js';

test('sha256 of known bytes', () => {
  assert.equal(sha256Digest(''), 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  const d = new Digester();
  d.update(Buffer.from('ab'));
  d.update(Buffer.from('c'));
  assert.equal(d.digest(), 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(d.size, 3);
});

test('digest validation', () => {
  assert.ok(isDigest(`sha256:${'0'.repeat(64)}`));
  assert.ok(isDigest(`sha512:${'0'.repeat(128)}`));
  for (const bad of ['sha256:', `sha256:${'0'.repeat(63)}`, `SHA256:${'0'.repeat(64)}`, `sha256:${'G'.repeat(64)}`, 'md5:00', 42]) assert.equal(isDigest(bad), false, String(bad));
  assert.throws(() => parseDigest('sha256:zz'), (e: unknown) => e instanceof SlipwayError && e.code === 'OCI_INVALID_DIGEST');
});

test('chain IDs follow the image spec definition', () => {
  const a = sha256Digest('a') as Digest;
  const b = sha256Digest('b') as Digest;
  const c = sha256Digest('c') as Digest;
  assert.equal(chainId([a]), a);
  const ab = sha256Digest(`${a} ${b}`);
  assert.equal(chainId([a, b]), ab);
  assert.equal(chainId([a, b, c]), sha256Digest(`${ab} ${c}`));
  assert.deepEqual(chainIds([a, b, c]), [a, ab, sha256Digest(`${ab} ${c}`)]);
});
