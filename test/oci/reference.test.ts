import { test } from 'node:test';
import assert from 'node:assert/strict';
import { familiarReference, formatReference, parseReference } from '../../src/oci/index.js';
import { SlipwayError } from '../../src/errors.js';

const H = 'a'.repeat(64);

test('docker normalisation of valid references', () => {
  const cases: [string, string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['user/app', 'docker.io/user/app:latest', 'user/app:latest'],
    ['index.docker.io/user/app:v2', 'docker.io/user/app:v2', 'user/app:v2'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['localhost/app', 'localhost/app:latest', 'localhost/app:latest'],
    ['localhost:5000/ns/name:tag', 'localhost:5000/ns/name:tag', 'localhost:5000/ns/name:tag'],
    ['127.0.0.1:5000/a/b/c:t', '127.0.0.1:5000/a/b/c:t', '127.0.0.1:5000/a/b/c:t'],
    [`host:5000/ns/name:tag@sha256:${H}`, `host:5000/ns/name:tag@sha256:${H}`, `host:5000/ns/name:tag@sha256:${H}`],
    [`busybox@sha256:${H}`, `docker.io/library/busybox@sha256:${H}`, `busybox@sha256:${H}`],
    ['[::1]:5000/x:y', '[::1]:5000/x:y', '[::1]:5000/x:y'],
    ['ns/a.b-c__d---e:T_1.x-y', 'docker.io/ns/a.b-c__d---e:T_1.x-y', 'ns/a.b-c__d---e:T_1.x-y'],
    ['a.b-c/d', 'a.b-c/d:latest', 'a.b-c/d:latest'],
    ['Registry.Example.com/x', 'Registry.Example.com/x:latest', 'Registry.Example.com/x:latest'],
  ];
  for (const [input, full, short] of cases) {
    const r = parseReference(input);
    assert.equal(formatReference(r), full, input);
    assert.equal(familiarReference(r), short, input);
  }
});

test('parts are split correctly', () => {
  assert.deepEqual(parseReference(`127.0.0.1:5000/ns/name:tag@sha256:${H}`), { domain: '127.0.0.1:5000', path: 'ns/name', tag: 'tag', digest: `sha256:${H}` });
  assert.deepEqual(parseReference('busybox', { defaultTag: false }), { domain: 'docker.io', path: 'library/busybox' });
});

test('invalid references fail with a code naming the problem', () => {
  const cases: [string, string][] = [
    ['', 'REF_EMPTY'],
    ['Busybox', 'REF_NAME_NOT_LOWERCASE'],
    ['user/App', 'REF_NAME_NOT_LOWERCASE'],
    ['a//b', 'REF_INVALID_FORMAT'],
    ['-a', 'REF_INVALID_FORMAT'],
    ['a__b.c_d/x', 'REF_INVALID_FORMAT'],
    ['a_-b', 'REF_INVALID_FORMAT'],
    ['a/', 'REF_INVALID_FORMAT'],
    [':tag', 'REF_INVALID_FORMAT'],
    ['name:', 'REF_INVALID_TAG'],
    ['name:-x', 'REF_INVALID_TAG'],
    [`name:${'t'.repeat(129)}`, 'REF_INVALID_TAG'],
    ['name@sha256:abc', 'REF_INVALID_DIGEST'],
    [`name@sha256:${'A'.repeat(64)}`, 'REF_INVALID_DIGEST'],
    ['name@md5:0123456789abcdef0123456789abcdef', 'REF_INVALID_DIGEST'],
    [`h_st:5000/x`, 'REF_INVALID_FORMAT'],
    [`${'a'.repeat(250)}/b/c`, 'REF_NAME_TOO_LONG'],
    ['a b', 'REF_INVALID_FORMAT'],
  ];
  for (const [input, code] of cases) {
    assert.throws(() => parseReference(input), (e: unknown) => e instanceof SlipwayError && e.code === code, `${input} -> ${code}`);
  }
});
