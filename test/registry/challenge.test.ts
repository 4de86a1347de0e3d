import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatScope, normaliseScopes, parseScope, parseWwwAuthenticate, repositoryScope } from '../../src/registry/challenge.js';
import { parseRetryAfter } from '../../src/registry/retry.js';

test('Bearer challenge with realm, service and scope', () => {
  assert.deepEqual(parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } },
  ]);
});

test('Basic challenge, case-insensitive scheme and names, spaces around =', () => {
  assert.deepEqual(parseWwwAuthenticate('basic Realm = "Registry Realm"'), [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
});

test('several challenges in one header and in several headers', () => {
  const one = parseWwwAuthenticate('Basic realm="a", Bearer realm="https://t/x",service=s, error="insufficient_scope"');
  assert.deepEqual(one, [
    { scheme: 'basic', params: { realm: 'a' } },
    { scheme: 'bearer', params: { realm: 'https://t/x', service: 's', error: 'insufficient_scope' } },
  ]);
  assert.deepEqual(parseWwwAuthenticate(['Basic realm="a"', 'Bearer realm="b"']).map((c) => c.scheme), ['basic', 'bearer']);
});

test('quoted strings keep commas and unescape backslashes', () => {
  const [c] = parseWwwAuthenticate('Bearer realm="https://h/t",scope="repository:a/b:pull,push repository:c:pull",note="say \\"hi\\""');
  assert.equal(c!.params.scope, 'repository:a/b:pull,push repository:c:pull');
  assert.equal(c!.params.note, 'say "hi"');
});

test('token68 credentials and empty or missing headers', () => {
  assert.deepEqual(parseWwwAuthenticate('Negotiate dG9rZW4=='), [{ scheme: 'negotiate', params: {} }]);
  assert.deepEqual(parseWwwAuthenticate(''), []);
  assert.deepEqual(parseWwwAuthenticate(undefined), []);
  // An unterminated quote runs to the end instead of throwing.
  assert.deepEqual(parseWwwAuthenticate('Bearer realm="https://x'), [{ scheme: 'bearer', params: { realm: 'https://x' } }]);
});

test('scopes whose resource name holds host:port', () => {
  assert.deepEqual(parseScope('repository:127.0.0.1:5000/ns/app:pull,push'), { type: 'repository', name: '127.0.0.1:5000/ns/app', actions: ['pull', 'push'] });
  assert.deepEqual(parseScope('registry:catalog:*'), { type: 'registry', name: 'catalog', actions: ['*'] });
  assert.equal(parseScope('nonsense'), undefined);
  assert.equal(formatScope(repositoryScope('a/b', true)), 'repository:a/b:pull,push');
});

test('scopes are merged per resource into a stable cache key', () => {
  const merged = normaliseScopes([repositoryScope('z/app', false), repositoryScope('a/base', false), { type: 'repository', name: 'z/app', actions: ['push'] }]);
  assert.deepEqual(merged.map(formatScope), ['repository:a/base:pull', 'repository:z/app:pull,push']);
});

test('Retry-After as seconds or HTTP date', () => {
  const now = Date.parse('2024-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('3', now), 3000);
  assert.equal(parseRetryAfter('Mon, 01 Jan 2024 00:00:10 GMT', now), 10_000);
  assert.equal(parseRetryAfter('Sun, 31 Dec 2023 23:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});
