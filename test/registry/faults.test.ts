import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Digest } from '../../src/oci/index.js';
import { closeIdleConnections, pull, push, type ProgressEvent } from '../../src/registry/index.js';
import { Store } from '../../src/store/index.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { startRegistry, type RegistryHandle } from './harness.js';
import { busyboxImage, importIntoStore, type FixtureImage } from './image-fixture.js';

const RETRY = { attempts: 4, baseDelay: 20, maxDelay: 5000 };

/** Every blob file in the store hashes to its name, and no temp file is left behind. */
async function assertStoreClean(store: Store): Promise<string[]> {
  const dir = path.join(store.root, 'blobs', 'sha256');
  const names = await readdir(dir);
  for (const name of names) {
    const hex = createHash('sha256').update(await readFile(path.join(dir, name))).digest('hex');
    assert.equal(hex, name, `store holds an unverified blob ${name}`);
  }
  assert.deepEqual(await readdir(path.join(store.root, 'tmp')), []);
  return names.map((n) => `sha256:${n}`);
}

describe('registry faults through a loopback proxy', () => {
  let reg: RegistryHandle;
  let proxy: FaultProxy;
  let image: FixtureImage;
  let scratch: string;
  let n = 0;
  const ref = () => `${proxy.host}/faults/busybox:1`;
  const bigLayer = () => image.layers.reduce((a, b) => (a.size >= b.size ? a : b));
  const blobPath = (d: string) => new RegExp(`/blobs/${d}$`);
  const freshStore = () => Store.open({ root: path.join(scratch, `store-${++n}`) });

  before(async () => {
    reg = await startRegistry('plain');
    proxy = await startFaultProxy(reg.host);
    image = await busyboxImage();
    scratch = await mkdtemp(path.join(os.tmpdir(), 'slipway-faults-'));
    const src = await freshStore();
    await importIntoStore(src, image, 'example.com/busybox:fixture');
    await push('example.com/busybox:fixture', `${reg.host}/faults/busybox:1`, { store: src, env: reg.env, retry: RETRY });
  });
  after(async () => {
    closeIdleConnections();
    await proxy.close();
    await reg.stop();
    await rm(scratch, { recursive: true, force: true });
  });
  beforeEach(() => proxy.clear());

  test('connections dropped mid-blob are resumed with Range', async () => {
    const layer = bigLayer();
    assert.ok(layer.size > 500_000, 'the busybox layer is big enough to cut twice');
    proxy.add({ method: 'GET', path: blobPath(layer.digest), fault: { type: 'drop', afterBytes: 200_000 } });
    proxy.add({ method: 'GET', path: blobPath(layer.digest), fault: { type: 'drop', afterBytes: 150_000 } });
    const store = await freshStore();
    const events: ProgressEvent[] = [];
    const pulled = await pull(ref(), { store, env: reg.env, retry: RETRY, onProgress: (e) => events.push(e) });
    assert.equal(pulled.digest, image.manifest.digest);
    const gets = proxy.log.filter((l) => l.method === 'GET' && blobPath(layer.digest).test(l.path));
    assert.deepEqual(gets.map((g) => g.range), [undefined, 'bytes=200000-', 'bytes=350000-']);
    assert.equal(events.filter((e) => e.type === 'blob' && e.phase === 'retry').length, 2);
    assert.deepEqual(await store.readBlob(layer.digest as Digest), layer.data);
    await assertStoreClean(store);
  });

  test('a registry that ignores Range: the resumed download skips what it has', async () => {
    const layer = bigLayer();
    proxy.add({ method: 'GET', path: blobPath(layer.digest), fault: { type: 'drop', afterBytes: 300_000 } });
    proxy.add({ method: 'GET', path: blobPath(layer.digest), fault: { type: 'ignore-range' } });
    const store = await freshStore();
    const pulled = await pull(ref(), { store, env: reg.env, retry: RETRY });
    assert.equal(pulled.digest, image.manifest.digest);
    assert.deepEqual(proxy.log.filter((l) => blobPath(layer.digest).test(l.path)).map((l) => l.fault), ['drop', 'ignore-range']);
    assert.deepEqual(await store.readBlob(layer.digest as Digest), layer.data);
  });

  test('500s, 503s and connection resets are retried until success', async () => {
    proxy.add({ method: 'GET', path: /^\/v2\/$/, fault: { type: 'status', status: 503 }, times: 2 });
    proxy.add({ method: 'GET', path: /\/manifests\/1$/, fault: { type: 'status', status: 500 }, times: 2 });
    proxy.add({ method: 'GET', path: blobPath(image.config.digest), fault: { type: 'status', status: 503 } });
    proxy.add({ method: 'GET', path: blobPath(bigLayer().digest), fault: { type: 'reset' } });
    const store = await freshStore();
    const pulled = await pull(ref(), { store, env: reg.env, retry: RETRY });
    assert.equal(pulled.digest, image.manifest.digest);
    assert.equal(proxy.log.filter((l) => /\/manifests\/1$/.test(l.path)).length, 3);
    assert.equal(proxy.log.filter((l) => l.path === '/v2/').length, 3);
  });

  test('429 with Retry-After is honoured', async () => {
    proxy.add({ method: 'GET', path: /\/manifests\/1$/, fault: { type: 'status', status: 429, headers: { 'retry-after': '1' } } });
    const store = await freshStore();
    const started = Date.now();
    const pulled = await pull(ref(), { store, env: reg.env, retry: { ...RETRY, baseDelay: 1 } });
    assert.equal(pulled.digest, image.manifest.digest);
    // Backoff alone would have waited ~1 ms; the registry asked for one second.
    assert.ok(Date.now() - started >= 950, `waited only ${Date.now() - started} ms`);
  });

  test('other 4xx are not retried', async () => {
    proxy.add({ method: 'GET', path: /\/manifests\/1$/, fault: { type: 'status', status: 403 }, times: 5 });
    await assert.rejects(pull(ref(), { store: await freshStore(), env: reg.env, retry: RETRY }), { code: 'REGISTRY_DENIED' });
    assert.equal(proxy.log.filter((l) => /\/manifests\/1$/.test(l.path)).length, 1);
    proxy.clear();
    await assert.rejects(pull(`${proxy.host}/faults/busybox:missing`, { store: await freshStore(), env: reg.env, retry: RETRY }), { code: 'REGISTRY_NOT_FOUND' });
    assert.equal(proxy.log.filter((l) => /\/manifests\/missing$/.test(l.path)).length, 1);
  });

  test('persistent 5xx ends in REGISTRY_ERROR after the configured attempts', async () => {
    proxy.add({ method: 'GET', path: /\/manifests\/1$/, fault: { type: 'status', status: 502 }, times: 10 });
    await assert.rejects(pull(ref(), { store: await freshStore(), env: reg.env, retry: RETRY }), { code: 'REGISTRY_ERROR' });
    assert.equal(proxy.log.filter((l) => /\/manifests\/1$/.test(l.path)).length, RETRY.attempts);
  });

  test('a flipped byte is a digest error and nothing unverified is stored', async () => {
    const layer = bigLayer();
    proxy.add({ method: 'GET', path: blobPath(layer.digest), fault: { type: 'flip', offset: 123_456 } });
    const store = await freshStore();
    await assert.rejects(pull(ref(), { store, env: reg.env, retry: RETRY }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'REGISTRY_DIGEST_MISMATCH');
      assert.ok(err.message.includes(layer.digest), err.message);
      return true;
    });
    const stored = await assertStoreClean(store);
    assert.ok(!stored.includes(layer.digest), 'the corrupted layer must not be stored');
    assert.deepEqual(await store.listImages(), []);
    // A flipped manifest byte is caught too (its digest is announced by the registry).
    proxy.add({ method: 'GET', path: /\/manifests\/1$/, fault: { type: 'flip', offset: 10 } });
    await assert.rejects(pull(ref(), { store, env: reg.env, retry: RETRY }), { code: 'REGISTRY_DIGEST_MISMATCH' });
  });

  test('a manifest naming a blob by a path-like digest is refused before any request for it', async () => {
    const hostile = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: image.config.digest, size: image.config.size },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: 'sha256:../../../../etc/passwd', size: 10 }] };
    proxy.add({ method: 'GET', path: /\/manifests\/1$/, fault: { type: 'replace', body: Buffer.from(JSON.stringify(hostile)), contentType: hostile.mediaType } });
    const store = await freshStore();
    await assert.rejects(pull(ref(), { store, env: reg.env, retry: RETRY }), { code: 'REGISTRY_PROTOCOL' });
    assert.deepEqual(proxy.log.filter((l) => l.path.includes('/blobs/')), []);
    await assertStoreClean(store);
  });

  test('a blob that rotted in the store is never pushed: STORE_BLOB_CORRUPT, monolithic or chunked', async () => {
    const src = await freshStore();
    await importIntoStore(src, image, 'example.com/busybox:fixture');
    const layer = bigLayer();
    const file = src.blobPath(layer.digest as Digest);
    const bytes = await readFile(file);
    bytes[1000] = bytes[1000]! ^ 0xff;
    await writeFile(file, bytes);
    for (const chunkSize of [undefined, 256 * 1024]) {
      await assert.rejects(push('example.com/busybox:fixture', `${proxy.host}/faults/rotten:${chunkSize ?? 'mono'}`,
        { store: src, env: reg.env, retry: RETRY, chunkSize }), { code: 'STORE_BLOB_CORRUPT' });
    }
    const head = await fetch(`${reg.url}/v2/faults/rotten/blobs/${layer.digest}`, { method: 'HEAD' });
    assert.equal(head.status, 404);
  });

  test('push survives a reset upload, a 500 on the chunk and a 429 on the manifest', async () => {
    const src = await freshStore();
    await importIntoStore(src, image, 'example.com/busybox:fixture');
    const dest = `${proxy.host}/faults/pushed:1`;
    proxy.add({ method: 'PATCH', path: /\/blobs\/uploads\//, fault: { type: 'reset' } });
    proxy.add({ method: 'PATCH', path: /\/blobs\/uploads\//, fault: { type: 'status', status: 500 } });
    proxy.add({ method: 'PUT', path: /\/manifests\/1$/, fault: { type: 'status', status: 429, headers: { 'retry-after': '0' } } });
    const pushed = await push('example.com/busybox:fixture', dest, { store: src, env: reg.env, retry: RETRY, chunkSize: 256 * 1024, concurrency: 1 });
    assert.equal(pushed.digest, image.manifest.digest);
    assert.equal(proxy.log.filter((l) => l.fault !== undefined).length, 3);
    const back = await pull(dest, { store: await freshStore(), env: reg.env, retry: RETRY });
    assert.equal(back.digest, image.manifest.digest);
  });
});
