import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Digest } from '../../src/oci/index.js';
import { closeIdleConnections, login, pull, push, type ProgressEvent } from '../../src/registry/index.js';
import { Store } from '../../src/store/index.js';
import { PASSWORD, SETUPS, USER, startRegistry, type RegistryHandle } from './harness.js';
import { busyboxImage, importIntoStore, type FixtureImage } from './image-fixture.js';

const FAST_RETRY = { attempts: 4, baseDelay: 20, maxDelay: 2000 };

async function tempStore(prefix: string): Promise<Store> {
  return Store.open({ root: await mkdtemp(path.join(os.tmpdir(), `slipway-store-${prefix}-`)) });
}

for (const setup of SETUPS) {
  describe(`registry round trip (${setup})`, () => {
    let reg: RegistryHandle;
    let image: FixtureImage;
    const stores: Store[] = [];
    const store = async () => { const s = await tempStore(setup); stores.push(s); return s; };

    before(async () => {
      reg = await startRegistry(setup);
      image = await busyboxImage();
    });
    after(async () => {
      closeIdleConnections();
      await reg.stop();
      for (const s of stores) await rm(s.root, { recursive: true, force: true });
    });

    test('login, push, pull, push, pull: every digest identical', async () => {
      const env = reg.env;
      if (setup !== 'plain') {
        const res = await login(reg.host, { username: USER, password: PASSWORD, env });
        assert.equal(res.registry, reg.host);
        assert.equal(res.storedIn, path.join(reg.dockerConfig, 'config.json'));
      }
      const a = await store();
      await importIntoStore(a, image, 'example.com/busybox:fixture');
      const pushed = await push('example.com/busybox:fixture', `${reg.host}/test/busybox:1`, { store: a, env, retry: FAST_RETRY });
      assert.equal(pushed.digest, image.manifest.digest);
      assert.deepEqual(pushed.blobs, { exists: 0, mounted: 0, uploaded: 3 });

      const b = await store();
      const events: ProgressEvent[] = [];
      const pulled = await pull(`${reg.host}/test/busybox:1`, { store: b, env, retry: FAST_RETRY, onProgress: (e) => events.push(e) });
      assert.equal(pulled.digest, image.manifest.digest);
      assert.equal(pulled.resolvedDigest, image.manifest.digest);
      assert.equal(pulled.id, image.config.digest);
      assert.deepEqual(pulled.downloaded, { blobs: 3, bytes: image.config.size + image.layers.reduce((n, l) => n + l.size, 0) });
      assert.deepEqual(pulled.image.names, [`${reg.host}/test/busybox:1`]);
      for (const blob of [image.config, ...image.layers, image.manifest]) {
        assert.deepEqual(await b.readBlob(blob.digest as Digest), blob.data, `blob ${blob.digest} differs after pull`);
      }
      const done = events.filter((e) => e.type === 'blob' && e.phase === 'done').map((e) => e.type === 'blob' && e.digest).sort();
      assert.deepEqual(done, [image.config.digest, ...image.layers.map((l) => l.digest)].sort());

      // Push the pulled copy elsewhere in the same registry: blobs are mounted, not re-uploaded.
      const again = await push(`${reg.host}/test/busybox:1`, `${reg.host}/copy/busybox:2`, { store: b, env, retry: FAST_RETRY });
      assert.equal(again.digest, image.manifest.digest);
      assert.deepEqual(again.blobs, { exists: 0, mounted: 3, uploaded: 0 });

      const c = await store();
      const third = await pull(`${reg.host}/copy/busybox:2`, { store: c, env, retry: FAST_RETRY });
      assert.equal(third.digest, image.manifest.digest);
      assert.equal(third.id, image.config.digest);

      // A second pull into the same store moves nothing; pushing again finds everything there.
      const repeat = await pull(`${reg.host}/copy/busybox:2`, { store: c, env, retry: FAST_RETRY });
      assert.deepEqual(repeat.downloaded, { blobs: 0, bytes: 0 });
      const noop = await push(`${reg.host}/copy/busybox:2`, undefined, { store: c, env, retry: FAST_RETRY });
      assert.deepEqual(noop.blobs, { exists: 3, mounted: 0, uploaded: 0 });
    });

    test('chunked upload and pull by digest keep the digest', async () => {
      const a = await store();
      await importIntoStore(a, image, 'example.com/busybox:fixture');
      await reg.login();
      const pushed = await push('example.com/busybox:fixture', `${reg.host}/chunked/busybox:c`, { store: a, env: reg.env, chunkSize: 256 * 1024, retry: FAST_RETRY });
      assert.equal(pushed.digest, image.manifest.digest);
      const b = await store();
      const pulled = await pull(`${reg.host}/chunked/busybox@${image.manifest.digest}`, { store: b, env: reg.env, retry: FAST_RETRY });
      assert.equal(pulled.digest, image.manifest.digest);
      assert.deepEqual(pulled.image.names, []);
    });

    if (setup !== 'plain') {
      test('push without credentials is refused with REGISTRY_UNAUTHORIZED', async () => {
        const a = await store();
        await importIntoStore(a, image, 'example.com/busybox:fixture');
        const env = { ...reg.env, DOCKER_CONFIG: path.join(reg.dir, 'empty-docker-config') };
        await assert.rejects(push('example.com/busybox:fixture', `${reg.host}/test/anon:1`, { store: a, env, retry: FAST_RETRY }),
          { code: 'REGISTRY_UNAUTHORIZED' });
      });
      test('login with a wrong password fails and stores nothing', async () => {
        const env = { ...reg.env, DOCKER_CONFIG: path.join(reg.dir, 'wrong-login') };
        await assert.rejects(login(reg.host, { username: USER, password: 'nope', env }), { code: 'REGISTRY_UNAUTHORIZED' });
        await assert.rejects(import('node:fs/promises').then((fs) => fs.access(path.join(env.DOCKER_CONFIG, 'config.json'))), { code: 'ENOENT' });
      });
    }

    if (setup === 'tls-basic') {
      test('an untrusted certificate is a REGISTRY_TLS error', async () => {
        const bare = path.join(reg.dir, 'no-ca.toml');
        await writeFile(bare, '');
        await assert.rejects(pull(`${reg.host}/test/busybox:1`, { store: await store(), env: { ...reg.env, SLIPWAY_CONFIG: bare }, retry: FAST_RETRY }),
          { code: 'REGISTRY_TLS' });
      });
    }

    if (setup === 'token') {
      test('tokens are cached per scope: one token request per repository and action set', async () => {
        const server = reg.tokenServer!;
        const b = await store();
        server.requests.length = 0;
        await pull(`${reg.host}/test/busybox:1`, { store: b, env: reg.env, retry: FAST_RETRY });
        assert.deepEqual(server.requests.map((r) => r.scopes), [['repository:test/busybox:pull']]);
        assert.equal(server.requests[0]!.account, USER);
        // Anonymous pulls get a pull-only token.
        server.requests.length = 0;
        const anon = { ...reg.env, DOCKER_CONFIG: path.join(reg.dir, 'anonymous') };
        const pulled = await pull(`${reg.host}/test/busybox:1`, { store: await store(), env: anon, retry: FAST_RETRY });
        assert.equal(pulled.digest, image.manifest.digest);
        assert.deepEqual(server.requests.map((r) => r.account), [undefined]);
      });

      test('an identity token in docker config is exchanged with the OAuth2 refresh grant', async () => {
        const server = reg.tokenServer!;
        const form = new URLSearchParams({ grant_type: 'password', username: USER, password: PASSWORD, service: server.service, client_id: 'test' });
        const res = await fetch(server.realm, { method: 'POST', body: form });
        const { refresh_token: refresh } = await res.json() as { refresh_token: string };
        const dockerConfig = path.join(reg.dir, 'identity-token');
        await mkdir(dockerConfig, { recursive: true });
        await writeFile(path.join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [reg.host]: { identitytoken: refresh } } }));
        const a = await store();
        await importIntoStore(a, image, 'example.com/busybox:fixture');
        server.requests.length = 0;
        const pushed = await push('example.com/busybox:fixture', `${reg.host}/oauth/busybox:1`, { store: a, env: { ...reg.env, DOCKER_CONFIG: dockerConfig }, retry: FAST_RETRY });
        assert.equal(pushed.digest, image.manifest.digest);
        assert.deepEqual(server.requests.map((r) => [r.method, r.grantType, r.account, r.scopes]),
          [['POST', 'refresh_token', USER, ['repository:oauth/busybox:pull,push']]]);
      });
    }
  });
}
