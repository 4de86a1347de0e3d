import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { build } from '../../src/build/index.js';
import { MediaType } from '../../src/oci/index.js';
import { closeIdleConnections, login, pull, push } from '../../src/registry/index.js';
import { Store } from '../../src/store/index.js';
import { PASSWORD, USER, startRegistry, type RegistryHandle } from './harness.js';
import { busyboxImage, importIntoStore, otherPlatformImage, writeOciIndexLayout, writeOciLayout } from './image-fixture.js';

const run = promisify(execFile);
const FAST_RETRY = { attempts: 3, baseDelay: 20, maxDelay: 1000 };

/**
 * Interop with the containers tools: what slipway pushes, podman pulls and runs and skopeo
 * inspects; what skopeo pushes (Docker schema 2, OCI index), slipway pulls.
 */
describe('registry interop with podman and skopeo', () => {
  let plain: RegistryHandle;
  let tls: RegistryHandle;
  let scratch: string;

  before(async () => {
    [plain, tls] = await Promise.all([startRegistry('plain'), startRegistry('tls-basic')]);
    scratch = await mkdtemp(path.join(os.tmpdir(), 'slipway-interop-'));
  });
  after(async () => {
    closeIdleConnections();
    await Promise.all([plain.stop(), tls.stop()]);
    await rm(scratch, { recursive: true, force: true });
  });

  const newStore = async (name: string) => Store.open({ root: path.join(scratch, name) });

  test('an image slipway pushed is pulled and run by podman', async () => {
    const image = await busyboxImage();
    const store = await newStore('podman-src');
    await importIntoStore(store, image, 'example.com/busybox:fixture');
    const ref = `${plain.host}/interop/busybox:run`;
    await push('example.com/busybox:fixture', ref, { store, env: plain.env, retry: FAST_RETRY });
    // A private podman root: the test leaves the machine's container storage alone.
    const podman = ['--root', path.join(scratch, 'podman-root'), '--runroot', path.join(scratch, 'podman-run'), '--storage-driver', 'vfs'];
    const pulled = await run('podman', [...podman, 'pull', '-q', '--tls-verify=false', ref]);
    assert.equal(pulled.stdout.trim(), image.config.digest.slice('sha256:'.length));
    const ran = await run('podman', [...podman, 'run', '--rm', '--network', 'none', '--ulimit', 'nofile=1024:1024',
      '--ulimit', 'nproc=1024:1024', ref, 'sh', '-c', 'echo hello from $(id -un); ls -ld /tmp | cut -c1-10']);
    assert.equal(ran.stdout, 'hello from root\ndrwxrwxrwt\n');
  });

  test('skopeo inspects what slipway pushed over TLS with Basic auth', async () => {
    const image = await busyboxImage();
    const store = await newStore('skopeo-inspect');
    await importIntoStore(store, image, 'example.com/busybox:fixture');
    await login(tls.host, { username: USER, password: PASSWORD, env: tls.env });
    const ref = `${tls.host}/interop/busybox:inspect`;
    await push('example.com/busybox:fixture', ref, { store, env: tls.env, retry: FAST_RETRY, chunkSize: 64 * 1024 });
    const out = await run('skopeo', ['inspect', '--cert-dir', tls.certDir!, '--creds', `${USER}:${PASSWORD}`, `docker://${ref}`]);
    const info = JSON.parse(out.stdout) as { Digest: string; Layers: string[]; Architecture: string; Os: string };
    assert.equal(info.Digest, image.manifest.digest);
    assert.deepEqual(info.Layers, image.layers.map((l) => l.digest));
    assert.equal(`${info.Os}/${info.Architecture}`, 'linux/amd64');
    // Without the CA skopeo refuses, as slipway does: the certificate really is checked.
    await assert.rejects(run('skopeo', ['inspect', '--creds', `${USER}:${PASSWORD}`, `docker://${ref}`]));
  });

  test('an image skopeo pushed as Docker schema 2 is pulled by slipway with its digest', async () => {
    const image = await busyboxImage();
    const layout = path.join(scratch, 'layout-v2s2');
    await writeOciLayout(layout, image, 'latest');
    const ref = `${plain.host}/from-skopeo/busybox:v2s2`;
    await run('skopeo', ['copy', '--format', 'v2s2', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${ref}`]);
    const raw = (await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], { encoding: 'buffer' })).stdout;
    const expected = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
    const store = await newStore('from-skopeo');
    const pulled = await pull(ref, { store, env: plain.env, retry: FAST_RETRY });
    assert.equal(pulled.digest, expected);
    assert.equal(pulled.mediaType, MediaType.DockerManifest);
    assert.deepEqual(await store.readBlob(pulled.digest), raw);
    // The layers are the same bytes skopeo had, only the manifest and config types changed.
    const manifest = await store.getManifest(pulled.digest);
    assert.deepEqual(manifest.layers.map((l) => l.digest), image.layers.map((l) => l.digest));
    assert.equal(manifest.layers[0]!.mediaType, MediaType.DockerLayerGzip);
  });

  test('slipway builds FROM an image skopeo pushed, pushes the result, podman runs it', async () => {
    const image = await busyboxImage();
    const layout = path.join(scratch, 'layout-base');
    await writeOciLayout(layout, image, 'latest');
    const base = `${plain.host}/from-skopeo/base:1`;
    await run('skopeo', ['copy', '--format', 'v2s2', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${base}`]);
    const context = path.join(scratch, 'context');
    await mkdir(context);
    const root = path.join(scratch, 'build-store');
    const result = await build({ context, root, env: plain.env, tags: ['example.com/built:1'], network: 'none',
      dockerfileText: `FROM ${base}\nRUN echo built on $(cat /etc/group | head -1) > /built.txt\n` });
    assert.deepEqual(result.layers.slice(0, 2).map((l) => l.digest), image.layers.map((l) => l.digest));
    assert.equal(result.layers.length, 3);
    const store = await Store.open({ root });
    const dest = `${plain.host}/built/app:1`;
    const pushed = await push('example.com/built:1', dest, { store, env: plain.env, retry: FAST_RETRY });
    assert.equal(pushed.digest, result.manifestDigest);
    const podman = ['--root', path.join(scratch, 'podman-root'), '--runroot', path.join(scratch, 'podman-run'), '--storage-driver', 'vfs'];
    await run('podman', [...podman, 'pull', '-q', '--tls-verify=false', dest]);
    const ran = await run('podman', [...podman, 'run', '--rm', '--network', 'none', '--ulimit', 'nofile=1024:1024',
      '--ulimit', 'nproc=1024:1024', dest, 'cat', '/built.txt']);
    assert.equal(ran.stdout, 'built on root:x:0:\n');
  });

  test('a multi-platform index skopeo pushed: slipway picks the platform', async () => {
    const amd64 = await busyboxImage();
    const arm64 = await otherPlatformImage('arm64', 'v8');
    const armv7 = await otherPlatformImage('arm', 'v7');
    const layout = path.join(scratch, 'layout-index');
    const index = await writeOciIndexLayout(layout, [
      { image: amd64, architecture: 'amd64' }, { image: arm64, architecture: 'arm64', variant: 'v8' }, { image: armv7, architecture: 'arm', variant: 'v7' },
    ], 'multi');
    const ref = `${plain.host}/from-skopeo/multi:1`;
    await run('skopeo', ['copy', '--all', '--dest-tls-verify=false', `oci:${layout}:multi`, `docker://${ref}`]);
    const store = await newStore('multi');
    const host = await pull(ref, { store, env: plain.env, platform: 'linux/amd64', retry: FAST_RETRY });
    assert.equal(host.resolvedDigest, index.digest);
    assert.equal(host.digest, amd64.manifest.digest);
    assert.equal(host.platform, 'linux/amd64');
    const arm = await pull(ref, { store, env: plain.env, platform: 'linux/arm64', retry: FAST_RETRY });
    assert.equal(arm.digest, arm64.manifest.digest);
    const v7 = await pull(ref, { store, env: plain.env, platform: 'linux/arm/v7', retry: FAST_RETRY });
    assert.equal(v7.digest, armv7.manifest.digest);
    await assert.rejects(pull(ref, { store, env: plain.env, platform: 'linux/s390x', retry: FAST_RETRY }), { code: 'REGISTRY_NO_PLATFORM' });
    await assert.rejects(pull(ref, { store, env: plain.env, platform: 'linux/arm/v6', retry: FAST_RETRY }), { code: 'REGISTRY_NO_PLATFORM' });
  });
});
