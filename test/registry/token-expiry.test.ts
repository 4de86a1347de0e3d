import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { repositoryScope } from '../../src/registry/challenge.js';
import { RegistryClient } from '../../src/registry/client.js';
import { loadRegistryConfig } from '../../src/registry/config.js';
import { resolveEndpoints } from '../../src/registry/endpoints.js';
import { closeIdleConnections } from '../../src/registry/index.js';
import { startRegistry, type RegistryHandle } from './harness.js';

let reg: RegistryHandle;
before(async () => { reg = await startRegistry('token', { tokenExpiresIn: 2 }); });
after(async () => {
  closeIdleConnections();
  await reg.stop();
});

test('a cached token is reused while valid and renewed before it expires', async () => {
  const [endpoint] = await resolveEndpoints(await loadRegistryConfig(reg.env), reg.host, 'exp/app', 'pull');
  const client = new RegistryClient(endpoint!, { env: reg.env });
  const get = async () => {
    const res = await client.request({ method: 'GET', path: 'exp/app/tags/list', scopes: [repositoryScope('exp/app', false)] });
    res.body.resume();
    return res.status;
  };
  // The repository does not exist: 404 proves the token was accepted (401 would not).
  assert.equal(await get(), 404);
  assert.equal(await get(), 404);
  assert.equal(reg.tokenServer!.requests.length, 1);
  // A 2 s token is renewed after three quarters of its life.
  await sleep(1600);
  assert.equal(await get(), 404);
  assert.equal(reg.tokenServer!.requests.length, 2);
  // Another scope is another token.
  const other = await client.request({ method: 'GET', path: 'exp/other/tags/list', scopes: [repositoryScope('exp/other', false)] });
  other.body.resume();
  assert.deepEqual(reg.tokenServer!.requests.map((r) => r.scopes), [['repository:exp/app:pull'], ['repository:exp/app:pull'], ['repository:exp/other:pull']]);
});

test("the scope a registry's challenge names is added when it asks for more", async () => {
  const [endpoint] = await resolveEndpoints(await loadRegistryConfig(reg.env), reg.host, 'exp/guess', 'pull');
  const client = new RegistryClient(endpoint!, { env: reg.env });
  reg.tokenServer!.requests.length = 0;
  // No scope guessed: the registry answers 401 naming repository:exp/guess:pull.
  const res = await client.request({ method: 'GET', path: 'exp/guess/tags/list', scopes: [] });
  res.body.resume();
  assert.equal(res.status, 404);
  assert.deepEqual(reg.tokenServer!.requests.map((r) => r.scopes), [[], ['repository:exp/guess:pull']]);
});
