import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { SlipwayError } from '../../src/errors.js';
import { MediaType, chainId, sha256Digest, type Digest } from '../../src/oci/index.js';
import { Store, pruneStore, verifyStore } from '../../src/store/index.js';
import { storeBusyboxImage, tempDir } from '../image/fixtures.js';

const code = (c: string) => (e: unknown) => e instanceof SlipwayError && e.code === c;

async function withStore(fn: (store: Store, root: string) => Promise<void>): Promise<void> {
  const root = await tempDir('slipway-store-');
  try {
    await fn(await Store.open({ root }), root);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

test('putBlob verifies while streaming and never stores a bad blob', () => withStore(async (store, root) => {
  const data = Buffer.from('hello blob\n');
  const digest = sha256Digest(data);
  const info = await store.putBlob(Readable.from([data.subarray(0, 3), data.subarray(3)]), { digest, size: data.length });
  assert.deepEqual(info, { digest, size: data.length });
  assert.ok((await store.readBlob(digest)).equals(data));
  assert.deepEqual(await store.putBlob([data]), info, 'idempotent, digest computed when not given');
  const other = sha256Digest('other');
  await assert.rejects(store.putBlob([data], { digest: other }), code('STORE_DIGEST_MISMATCH'));
  await assert.rejects(store.putBlob([data], { digest, size: data.length + 1 }), code('STORE_SIZE_MISMATCH'));
  await assert.rejects(store.putBlob([data, data], { size: data.length }), code('STORE_SIZE_MISMATCH'));
  assert.equal(await store.hasBlob(other), false);
  assert.deepEqual(await fs.readdir(path.join(root, 'tmp')), []);
  await assert.rejects(store.openBlob(other), code('STORE_BLOB_UNKNOWN'));
}));

test('putting stored bytes again writes nothing; a damaged copy is replaced', () => withStore(async (store, root) => {
  const json = '{"a":1}';
  const d = await store.putBytes(json, MediaType.OciConfig);
  const file = path.join(root, 'blobs', 'sha256', d.digest.slice(7));
  const before = await fs.stat(file);
  assert.deepEqual(await store.putBytes(json, MediaType.OciConfig), d);
  const after = await fs.stat(file);
  assert.equal(after.ino, before.ino, 'the stored file is kept as it is (no temp, sync, rename)');
  await fs.writeFile(file, '{"a":2}');
  assert.deepEqual(await store.putBytes(json, MediaType.OciConfig), d);
  assert.equal(await fs.readFile(file, 'utf8'), json, 'a stored copy with other bytes is rewritten');
  assert.notEqual((await fs.stat(file)).ino, before.ino);
}));

test('tagging an image as it already is leaves refs.json untouched', () => withStore(async (store, root) => {
  const img = await storeBusyboxImage(store, ['example/app:1']);
  const refs = path.join(root, 'refs.json');
  const before = await fs.stat(refs);
  await store.addImage(img.digest, ['example/app:1']);
  await store.tag('example/app:1', 'docker.io/example/app:1');
  assert.equal((await fs.stat(refs)).ino, before.ino, 'not rewritten');
  await store.tag('example/app:1', 'example/app:2');
  assert.notEqual((await fs.stat(refs)).ino, before.ino, 'a new tag is written');
  assert.deepEqual((await store.resolveImage('example/app:2')).names, ['docker.io/example/app:1', 'docker.io/example/app:2']);
}));

test('corruption on disk is detected by reads and by verify', () => withStore(async (store) => {
  const { digest } = await store.putBlob([Buffer.from('x'.repeat(1000))]);
  await fs.chmod(store.blobPath(digest), 0o644);
  await fs.writeFile(store.blobPath(digest), 'y'.repeat(1000));
  await assert.rejects(store.readBlob(digest), code('STORE_BLOB_CORRUPT'));
  await assert.rejects(async () => { for await (const _ of await store.openBlob(digest)) { /* drain */ } }, code('STORE_BLOB_CORRUPT'));
  const report = await verifyStore(store);
  assert.equal(report.ok, false);
  assert.deepEqual(report.problems.map((p) => [p.code, p.digest]), [['BLOB_CORRUPT', digest]]);
}));

test('images: add, resolve by name/digest/ID prefix, tag, rmi, prune', () => withStore(async (store) => {
  const img = await storeBusyboxImage(store, ['example/app:1']);
  assert.deepEqual(img.names, ['docker.io/example/app:1']);
  assert.equal((await store.resolveImage('example/app:1')).digest, img.digest);
  assert.equal((await store.resolveImage('docker.io/example/app:1')).digest, img.digest);
  assert.equal((await store.resolveImage(img.digest)).digest, img.digest);
  assert.equal((await store.resolveImage(img.id)).digest, img.digest);
  assert.equal((await store.resolveImage(img.id.slice(7, 19))).digest, img.digest);
  assert.equal((await store.resolveImage(`example/app@${img.digest}`)).digest, img.digest);
  await assert.rejects(store.resolveImage('example/app:2'), code('STORE_IMAGE_UNKNOWN'));
  await assert.rejects(store.resolveImage('Bad Name'), code('REF_INVALID_FORMAT'));
  await store.tag('example/app:1', 'localhost:5000/other:v2');
  assert.deepEqual((await store.resolveImage('example/app:1')).names, ['docker.io/example/app:1', 'localhost:5000/other:v2']);
  await assert.rejects(store.removeImage(img.id), code('STORE_IMAGE_IN_USE'));
  assert.deepEqual(await store.removeImage('localhost:5000/other:v2'), { untagged: ['localhost:5000/other:v2'], deleted: [] });

  const manifest = await store.getManifest(img.digest);
  const config = await store.getConfig(manifest.config.digest);
  const chain = chainId(config.rootfs.diff_ids);
  await store.ensureLayerDir(chain, async (dir) => { await fs.writeFile(path.join(dir, 'marker'), 'x'); });
  const orphan = await store.putBlob([Buffer.from('orphan')]);
  const orphanChain = sha256Digest('not a chain of any image');
  await store.ensureLayerDir(orphanChain, async () => undefined);
  let pruned = await pruneStore(store);
  assert.deepEqual(pruned.blobsRemoved, [orphan.digest]);
  assert.deepEqual(pruned.layerDirsRemoved, [orphanChain]);
  assert.ok(await store.hasLayerDir(chain));

  assert.deepEqual(await store.removeImage('example/app:1'), { untagged: ['docker.io/example/app:1'], deleted: [img.digest] });
  pruned = await pruneStore(store);
  assert.equal(pruned.blobsRemoved.length, 4, 'manifest, config and two layers');
  assert.deepEqual(pruned.layerDirsRemoved, [chain]);
  assert.deepEqual(await store.listImages(), []);
  assert.equal((await verifyStore(store)).ok, true);
}));

test('addImage refuses manifests whose blobs are missing or are indexes', () => withStore(async (store) => {
  const config = await store.putJson({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }, MediaType.OciConfig);
  const missing = sha256Digest('missing layer') as Digest;
  const m = await store.putJson({ schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: [{ mediaType: MediaType.OciLayerGzip, digest: missing, size: 5 }] }, MediaType.OciManifest);
  await assert.rejects(store.addImage(m.digest, ['x:1']), code('STORE_IMAGE_INCOMPLETE'));
  const idx = await store.putJson({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] }, MediaType.OciIndex);
  await assert.rejects(store.addImage(idx.digest, ['x:1']), code('STORE_NOT_A_MANIFEST'));
  const ok = await store.putJson({ schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: [] }, MediaType.OciManifest);
  await assert.rejects(store.addImage(ok.digest, ['x@' + ok.digest]), code('STORE_BAD_TAG'));
  assert.deepEqual((await store.addImage(ok.digest, ['x:1'])).names, ['docker.io/library/x:1']);
}));

test('a layer dir appears complete or not at all', () => withStore(async (store, root) => {
  const chain = sha256Digest('chain');
  await assert.rejects(store.ensureLayerDir(chain, async (dir) => {
    await fs.writeFile(path.join(dir, 'half'), 'x');
    throw new Error('populate failed');
  }), /populate failed/);
  assert.equal(await store.hasLayerDir(chain), false);
  assert.deepEqual(await fs.readdir(path.join(root, 'tmp')), []);
  const dir = await store.ensureLayerDir(chain, async (d) => { await fs.writeFile(path.join(d, 'full'), 'y'); });
  assert.deepEqual(await fs.readdir(dir), ['full']);
}));

test('a lock left by a killed process is broken by the next taker', () => withStore(async (store, root) => {
  const { spawnSync } = await import('node:child_process');
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  await fs.writeFile(path.join(root, 'locks', 'refs.lock'), `${dead} deadbeef\n`);
  await fs.writeFile(path.join(root, 'locks', `gc.shared.${dead}.cafe`), `${dead} cafe\n`);
  const img = await storeBusyboxImage(store, ['locks/app:1']);
  await store.tag('locks/app:1', 'locks/app:2');
  assert.deepEqual((await store.resolveImage(img.digest)).names, ['docker.io/locks/app:1', 'docker.io/locks/app:2']);
  await pruneStore(store);
  assert.deepEqual((await fs.readdir(path.join(root, 'locks'))).sort(), []);
}));

test('a lock that stays held times out naming its holder; leasedByOthers tells who else uses the store', () => withStore(async (store, root) => {
  const { spawn } = await import('node:child_process');
  const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    await fs.writeFile(path.join(root, 'locks', 'demo.lock'), `${holder.pid} beef\n`);
    const err = await store.acquireLock('demo', 'exclusive', 200).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SlipwayError && err.code === 'STORE_LOCK_TIMEOUT', String(err));
    assert.match(err.message, new RegExp(`timed out after 0 s waiting for store lock demo in .*, held by pid ${holder.pid} \\(sleep 30\\)$`));

    assert.equal(await store.lease(() => store.leasedByOthers()), false, 'a lone lease');
    assert.equal(await store.lease(() => store.lease(() => store.leasedByOthers())), true, 'a second lease in this process');
    await fs.writeFile(path.join(root, 'locks', `gc.shared.${holder.pid}.beef`), `${holder.pid} beef\n`);
    assert.equal(await store.lease(() => store.leasedByOthers()), true, 'a lease of another live process');
  } finally {
    holder.kill();
  }
  await new Promise((r) => holder.once('exit', r));
  assert.equal(await store.lease(() => store.leasedByOthers()), false, 'its lease file is stale once it has gone');
}));

test('a held lock makes others wait, in order', () => withStore(async (store) => {
  const order: string[] = [];
  const release = await store.acquireLock('demo');
  const waiter = store.withLock('demo', 'exclusive', async () => { order.push('second'); });
  await new Promise((r) => setTimeout(r, 100));
  order.push('first');
  await release();
  await waiter;
  assert.deepEqual(order, ['first', 'second']);
}));
