import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { SlipwayError } from '../../src/errors.js';
import { loadArchive, saveImages, type ArchiveFormat } from '../../src/image/index.js';
import { MediaType, sha256Digest } from '../../src/oci/index.js';
import { Store, verifyStore } from '../../src/store/index.js';
import { storeBusyboxImage, tempDir } from './fixtures.js';

const code = (c: string) => (e: unknown) => e instanceof SlipwayError && e.code === c;

async function saved(store: Store, refs: string[], format: ArchiveFormat = 'combined'): Promise<Buffer> {
  const parts: Buffer[] = [];
  await saveImages(store, refs, new Writable({ write(c, _e, cb) { parts.push(c as Buffer); cb(); } }), format);
  return Buffer.concat(parts);
}

async function makeTar(entries: { name: string; data: string | Buffer; linkname?: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  const parts: Buffer[] = [];
  const done = (async () => { for await (const c of pack) parts.push(c as Buffer); })();
  for (const e of entries) {
    if (e.linkname) pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname });
    else pack.entry({ name: e.name }, e.data);
  }
  pack.finalize();
  await done;
  return Buffer.concat(parts);
}

/** Unpacks an archive into name -> bytes. */
async function entriesOf(archive: Buffer): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const ex = tar.extract();
  const done = (async () => {
    for await (const e of ex) {
      const parts: Buffer[] = [];
      for await (const c of e) parts.push(c as Buffer);
      if (e.header.type === 'file') out.set(e.header.name, Buffer.concat(parts));
    }
  })();
  ex.end(archive);
  await done;
  return out;
}

async function withStores(fn: (src: Store, dst: Store) => Promise<void>): Promise<void> {
  const work = await tempDir();
  try {
    await fn(await Store.open({ root: path.join(work, 'a') }), await Store.open({ root: path.join(work, 'b') }));
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

test('save -> load round trip in every format, plain and gzipped, keeps digests and names', () => withStores(async (src, dst) => {
  const img = await storeBusyboxImage(src, ['round/trip:1']);
  for (const format of ['combined', 'oci', 'docker'] as const) {
    const archive = await saved(src, ['round/trip:1'], format);
    const names = [...(await entriesOf(archive)).keys()].filter((n) => !n.startsWith('blobs/')).sort();
    assert.deepEqual(names, { combined: ['index.json', 'manifest.json', 'oci-layout', 'repositories'], oci: ['index.json', 'oci-layout'], docker: ['manifest.json', 'repositories'] }[format]);
    for (const bytes of [archive, zlib.gzipSync(archive)]) {
      const [loaded] = await loadArchive(dst, [bytes]);
      assert.equal(loaded!.digest, img.digest, format);
      assert.equal(loaded!.id, img.id);
      assert.deepEqual(loaded!.names, ['docker.io/round/trip:1']);
    }
  }
  const combined = await entriesOf(await saved(src, ['round/trip:1']));
  const index = JSON.parse(combined.get('index.json')!.toString());
  assert.deepEqual(index.manifests[0].annotations, { 'io.containerd.image.name': 'docker.io/round/trip:1', 'org.opencontainers.image.ref.name': '1' });
  const manifest = JSON.parse(combined.get('manifest.json')!.toString());
  assert.deepEqual(manifest[0].RepoTags, ['round/trip:1']);
  assert.equal(manifest[0].Config, `blobs/sha256/${img.id.slice(7)}`);
  assert.deepEqual(JSON.parse(combined.get('repositories')!.toString()), { 'round/trip': { 1: img.id.slice(7) } });
  assert.ok((await verifyStore(dst)).ok);
}));

test('legacy docker save layout (<id>/layer.tar, uncompressed, symlinked duplicate) loads and verifies', () => withStores(async (src, dst) => {
  const img = await storeBusyboxImage(src, ['legacy/app:7']);
  const manifest = await src.getManifest(img.digest);
  const config = await src.readBlob(manifest.config.digest);
  const layers = await Promise.all(manifest.layers.map(async (l) => zlib.gunzipSync(await src.readBlob(l.digest))));
  const entries = [
    { name: `${img.id.slice(7)}.json`, data: config },
    { name: 'l1/VERSION', data: '1.0' },
    { name: 'l1/json', data: '{}' },
    { name: 'l1/layer.tar', data: layers[0]! },
    { name: 'l2/layer.tar', data: layers[1]! },
    { name: 'manifest.json', data: JSON.stringify([{ Config: `${img.id.slice(7)}.json`, RepoTags: ['legacy/app:7'], Layers: ['l1/layer.tar', 'l2/layer.tar'] }]) },
    { name: 'repositories', data: '{}' },
  ];
  const [loaded] = await loadArchive(dst, [await makeTar(entries)]);
  assert.equal(loaded!.id, img.id, 'same config, same image ID');
  const m = await dst.getManifest(loaded!.digest);
  assert.deepEqual(m.layers.map((l) => l.mediaType), [MediaType.OciLayer, MediaType.OciLayer]);
  assert.deepEqual(loaded!.names, ['docker.io/legacy/app:7']);
}));

test('hostile or broken archives are refused and tag nothing', () => withStores(async (src, dst) => {
  const img = await storeBusyboxImage(src, ['bad/app:1']);
  const good = await entriesOf(await saved(src, ['bad/app:1']));
  const manifest = await src.getManifest(img.digest);
  const rebuild = (patch: (m: Map<string, Buffer>) => void) => { const m = new Map(good); patch(m); return makeTar([...m].map(([name, data]) => ({ name, data }))); };
  const config = JSON.parse(good.get(`blobs/sha256/${img.id.slice(7)}`)!.toString());
  config.rootfs.diff_ids[1] = sha256Digest('wrong');
  const badConfig = Buffer.from(JSON.stringify(config));
  const badConfigDigest = sha256Digest(badConfig);
  const badManifest = Buffer.from(JSON.stringify({ ...manifest, config: { ...manifest.config, digest: badConfigDigest, size: badConfig.length } }));
  const cases: [string, Promise<Buffer>, string][] = [
    ['blob content does not match its name', rebuild((m) => m.set(`blobs/sha256/${manifest.layers[1]!.digest.slice(7)}`, Buffer.from('tampered'))), 'STORE_DIGEST_MISMATCH'],
    ['same-size tampering', rebuild((m) => { const b = Buffer.from(m.get(`blobs/sha256/${img.id.slice(7)}`)!); b[b.length - 2] ^= 1; m.set(`blobs/sha256/${img.id.slice(7)}`, b); }), 'STORE_DIGEST_MISMATCH'],
    ['dot-dot entry name', rebuild((m) => m.set('../evil', Buffer.from('x'))), 'LOAD_UNSAFE_PATH'],
    ['absolute entry name', rebuild((m) => m.set('/etc/evil', Buffer.from('x'))), 'LOAD_UNSAFE_PATH'],
    ['diff_id mismatch', rebuild((m) => {
      m.set(`blobs/sha256/${badConfigDigest.slice(7)}`, badConfig);
      m.set(`blobs/sha256/${sha256Digest(badManifest).slice(7)}`, badManifest);
      m.set('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MediaType.OciManifest, digest: sha256Digest(badManifest), size: badManifest.length, annotations: { 'io.containerd.image.name': 'docker.io/bad/app:2' } }] })));
    }), 'LOAD_DIFFID_MISMATCH'],
    ['layer missing from the archive', rebuild((m) => { m.delete('index.json'); m.delete(`blobs/sha256/${manifest.layers[0]!.digest.slice(7)}`); }), 'LOAD_BAD_ARCHIVE'],
    ['neither index.json nor manifest.json', rebuild((m) => { m.delete('index.json'); m.delete('manifest.json'); }), 'LOAD_UNKNOWN_FORMAT'],
    ['truncated archive', saved(src, ['bad/app:1']).then((b) => b.subarray(0, 5000)), 'LOAD_CORRUPT'],
    ['symlink leaving the archive', makeTar([{ name: 'x/layer.tar', data: '', linkname: '../../etc/passwd' }, { name: 'manifest.json', data: '[]' }]), 'LOAD_UNSAFE_PATH'],
    ['not a tar at all', Promise.resolve(Buffer.from('this is not an archive'.repeat(40))), 'LOAD_CORRUPT'],
    ['index.json not JSON', rebuild((m) => m.set('index.json', Buffer.from('{nope'))), 'LOAD_BAD_ARCHIVE'],
    ['huge metadata file', rebuild((m) => m.set('manifest.json', Buffer.alloc(17 << 20, 32))), 'LOAD_BAD_ARCHIVE'],
  ];
  for (const [name, archive, c] of cases) {
    await assert.rejects(loadArchive(dst, [await archive]), (e: unknown) => {
      assert.ok(e instanceof SlipwayError, `${name}: ${String(e)}`);
      assert.equal(e.code, c, `${name}: ${e.message}`);
      return true;
    });
    assert.deepEqual(await dst.listImages(), [], name);
  }
  assert.ok((await verifyStore(dst)).ok);
}));
