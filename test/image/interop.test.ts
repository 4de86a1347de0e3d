import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { loadArchive, loadLayoutDir, saveImagesToFile } from '../../src/image/index.js';
import { Store, verifyStore } from '../../src/store/index.js';
import type { ImageRecord } from '../../src/store/index.js';
import { sh, storeBusyboxImage, tempDir } from './fixtures.js';

/** Real consumers of our archives: skopeo, umoci, podman and a private dockerd. */
const tag = `t${randomBytes(4).toString('hex')}`;
const name = `slipway-interop/bb:${tag}`;
const message = `interop ${tag}`;
let work = '';
let store: Store;
let img: ImageRecord;
let combined = '';
let oci = '';

before(async () => {
  work = await tempDir('slipway-interop-');
  store = await Store.open({ root: path.join(work, 'store') });
  img = await storeBusyboxImage(store, [name], message);
  combined = path.join(work, 'combined.tar');
  oci = path.join(work, 'oci.tar');
  await saveImagesToFile(store, [name], combined);
  await saveImagesToFile(store, [name], oci, 'oci');
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

const ok = (r: { code: number; stdout: string; stderr: string }, what: string) => assert.equal(r.code, 0, `${what}: ${r.stderr}${r.stdout}`);

test('skopeo inspects the combined archive both as oci-archive and docker-archive', async () => {
  let r = await sh('skopeo', ['inspect', `oci-archive:${combined}`]);
  ok(r, 'skopeo inspect oci-archive');
  const asOci = JSON.parse(r.stdout);
  assert.equal(asOci.Digest, img.digest);
  assert.equal(asOci.Layers.length, 2);
  assert.equal(asOci.Labels['org.example'], 'yes');
  r = await sh('skopeo', ['inspect', `docker-archive:${combined}`]);
  ok(r, 'skopeo inspect docker-archive');
  const config = await store.getConfig((await store.getManifest(img.digest)).config.digest);
  assert.deepEqual(JSON.parse(r.stdout).Layers, config.rootfs.diff_ids, 'docker-archive shows uncompressed layer digests');
  r = await sh('skopeo', ['inspect', '--config', `oci-archive:${oci}`]);
  ok(r, 'skopeo inspect --config');
  assert.deepEqual(JSON.parse(r.stdout).config.Cmd, ['/bin/cat', '/hello.txt']);
});

test('skopeo copy to an OCI dir and a docker-archive; our load reads skopeo\'s docker-archive back', async () => {
  let r = await sh('skopeo', ['copy', `oci-archive:${combined}`, `oci:${path.join(work, 'layout')}:${tag}`]);
  ok(r, 'skopeo copy to oci');
  const fromDir = await Store.open({ root: path.join(work, 'store-dir') });
  const [viaDir] = await loadLayoutDir(fromDir, path.join(work, 'layout'));
  assert.equal(viaDir!.id, img.id, 'skopeo\'s OCI layout directory loads with the same image ID');
  const out = path.join(work, 'skopeo-docker.tar');
  r = await sh('skopeo', ['copy', `oci-archive:${oci}`, `docker-archive:${out}:${name}`]);
  ok(r, 'skopeo copy to docker-archive');
  const other = await Store.open({ root: path.join(work, 'store2') });
  const [loaded] = await loadArchive(other, createReadStream(out));
  assert.equal(loaded!.id, img.id, 'the config survives byte for byte');
  assert.deepEqual(loaded!.names, [`docker.io/${name}`]);
  assert.ok((await verifyStore(other)).ok);
});

test('umoci unpacks the OCI layout into the expected rootfs', async () => {
  const layout = path.join(work, 'umoci-layout');
  await fs.mkdir(layout);
  ok(await sh('tar', ['-xf', oci, '-C', layout]), 'tar x');
  const bundle = path.join(work, 'bundle');
  const r = await sh('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
  ok(r, 'umoci unpack');
  assert.equal(await fs.readFile(path.join(bundle, 'rootfs/hello.txt'), 'utf8'), `${message}\n`);
  assert.equal(await fs.readlink(path.join(bundle, 'rootfs/bin/sh')), 'busybox');
  assert.equal((await fs.stat(path.join(bundle, 'rootfs/tmp'))).mode & 0o7777, 0o1777);
});

test('podman load then podman run prints the expected output', async () => {
  let r = await sh('podman', ['load', '-i', combined]);
  ok(r, 'podman load');
  assert.match(r.stdout, new RegExp(`Loaded image: docker.io/${name}`));
  try {
    r = await sh('podman', ['run', '--rm', '--network=none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', name]);
    ok(r, 'podman run');
    assert.equal(r.stdout, `${message}\n`);
    r = await sh('podman', ['run', '--rm', '--network=none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', name, 'sh', '-c', 'echo $PATH; ls -ld /tmp | cut -c1-10']);
    ok(r, 'podman run sh');
    assert.equal(r.stdout, '/bin\ndrwxrwxrwt\n');
  } finally {
    await sh('podman', ['rmi', '-f', name]);
  }
});

/** A private dockerd (own data/exec roots and socket) started and stopped by this test. */
async function withDockerd(fn: (docker: (args: string[]) => ReturnType<typeof sh>) => Promise<void>): Promise<void> {
  const dir = await fs.mkdtemp('/tmp/sw-dk-');
  const sock = `unix://${dir}/docker.sock`;
  const d = spawn('dockerd', ['--data-root', `${dir}/data`, '--exec-root', `${dir}/exec`, '-H', sock, '--pidfile', `${dir}/docker.pid`, '--bridge=none', '--iptables=false', '--ip-masq=false'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  d.stderr.on('data', (c: Buffer) => { log += c.toString(); });
  const exited = new Promise<void>((r) => d.on('close', () => r()));
  const docker = (args: string[]) => sh('docker', ['-H', sock, ...args]);
  try {
    let up = false;
    for (let i = 0; i < 180 && !up; i++) {
      up = (await docker(['version', '--format', '{{.Server.Version}}'])).code === 0;
      if (!up) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(up, `dockerd did not start: ${log.slice(-2000)}`);
    await fn(docker);
  } finally {
    d.kill('SIGTERM');
    const killer = setTimeout(() => d.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
    await sh('umount', ['-R', `${dir}/data`]).catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

test('docker load then docker run; docker save (legacy layout) loads back into our store', async () => {
  await withDockerd(async (docker) => {
    let r = await docker(['load', '-i', combined]);
    ok(r, 'docker load');
    assert.match(r.stdout, new RegExp(`Loaded image: ${name}`));
    r = await docker(['run', '--rm', '--network', 'none', name]);
    ok(r, 'docker run');
    assert.equal(r.stdout, `${message}\n`);
    r = await docker(['image', 'inspect', '--format', '{{.Id}}', name]);
    assert.equal(r.stdout.trim(), img.id, 'docker computes the same image ID');
    r = await docker(['image', 'inspect', '--format', '{{json .Config}}', name]);
    const cfg = JSON.parse(r.stdout);
    assert.deepEqual([cfg.Healthcheck, cfg.OnBuild, cfg.Shell, cfg.StopSignal, cfg.User, cfg.ExposedPorts, cfg.Volumes],
      [{ Test: ['CMD-SHELL', 'true'], Interval: 30e9, Timeout: 5e9, Retries: 3 }, ['RUN echo child'], ['/bin/sh', '-c'], 'SIGTERM', '0:0', { '8080/tcp': {} }, { '/data': {} }]);
    const legacy = path.join(work, 'docker-save.tar');
    ok(await docker(['save', '-o', legacy, name]), 'docker save');
    const other = await Store.open({ root: path.join(work, 'store3') });
    const [loaded] = await loadArchive(other, createReadStream(legacy));
    assert.equal(loaded!.id, img.id);
    assert.deepEqual(loaded!.names, [`docker.io/${name}`]);
  });
});
