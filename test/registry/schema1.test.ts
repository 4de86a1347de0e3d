import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { closeIdleConnections, pull, push } from '../../src/registry/index.js';
import { readAll, send } from '../../src/registry/transport.js';
import { Store } from '../../src/store/index.js';
import { startRegistry, type RegistryHandle } from './harness.js';
import { busyboxImage, importIntoStore } from './image-fixture.js';
import { signedSchema1Manifest } from './schema1.js';

let reg: RegistryHandle;
let scratch: string;

before(async () => {
  reg = await startRegistry('plain', { schema1: true });
  scratch = await mkdtemp(path.join(os.tmpdir(), 'slipway-schema1-'));
});
after(async () => {
  closeIdleConnections();
  await reg.stop();
  await rm(scratch, { recursive: true, force: true });
});

test('a schema 1 manifest is refused with REGISTRY_UNSUPPORTED and nothing is stored', async () => {
  const image = await busyboxImage();
  const src = await Store.open({ root: path.join(scratch, 'src') });
  await importIntoStore(src, image, 'example.com/busybox:fixture');
  // The layer must be in the repository before the registry accepts a manifest naming it.
  await push('example.com/busybox:fixture', `${reg.host}/legacy/busybox:new`, { store: src, env: reg.env });
  const put = await send({ method: 'PUT', url: new URL(`${reg.url}/v2/legacy/busybox/manifests/old`),
    headers: { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' },
    body: signedSchema1Manifest('legacy/busybox', 'old', image.layers[0]!.digest) });
  assert.equal(put.status, 201, (await readAll(put)).toString());
  put.body.resume();
  const store = await Store.open({ root: path.join(scratch, 'dst') });
  await assert.rejects(pull(`${reg.host}/legacy/busybox:old`, { store, env: reg.env }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'REGISTRY_UNSUPPORTED');
    assert.match(err.message, /schema 1/);
    return true;
  });
  assert.deepEqual(await store.listImages(), []);
  // The same repository's current-format tag still pulls.
  assert.equal((await pull(`${reg.host}/legacy/busybox:new`, { store, env: reg.env })).digest, image.manifest.digest);
});
