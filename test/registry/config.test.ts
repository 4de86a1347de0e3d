import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { closeIdleConnections, loadRegistryConfig, parseRegistriesToml, pull, push } from '../../src/registry/index.js';
import { resolveEndpoints } from '../../src/registry/endpoints.js';
import { Store } from '../../src/store/index.js';
import { startRegistry, type RegistryHandle } from './harness.js';
import { busyboxImage, importIntoStore } from './image-fixture.js';

describe('registry settings in TOML', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-regconf-')); });
  after(() => rm(dir, { recursive: true, force: true }));

  test('v2 tables: location, prefix, insecure, blocked, mirrors, ca', async () => {
    const entries = await parseRegistriesToml(`
[[registry]]
prefix = "docker.io"
location = "docker.io"
[[registry.mirror]]
location = "mirror.local:5000"
insecure = true

[[registry]]
location = "bad.example.com"
blocked = true

[[registry]]
location = "tls.example.com:8443"
ca = "/etc/ssl/tls-ca.pem"
insecure = false
`, 'test.toml');
    assert.deepEqual(entries.map((e) => [e.prefix, e.location, e.insecure, e.blocked, e.mirrors, e.ca]), [
      ['docker.io', 'docker.io', undefined, false, [{ location: 'mirror.local:5000', insecure: true }], []],
      ['bad.example.com', 'bad.example.com', undefined, true, [], []],
      ['tls.example.com:8443', 'tls.example.com:8443', false, false, [], ['/etc/ssl/tls-ca.pem']],
    ]);
  });

  test("containers' v1 lists", async () => {
    const entries = await parseRegistriesToml(`
[registries.search]
registries = ["docker.io"]
[registries.insecure]
registries = ["old.example.com:5000"]
[registries.block]
registries = ["evil.example.com"]
`, 'v1.conf');
    assert.deepEqual(entries.map((e) => [e.prefix, e.insecure, e.blocked]), [['old.example.com:5000', true, false], ['evil.example.com', undefined, true]]);
  });

  test('errors name the file and what is wrong', async () => {
    await assert.rejects(() => parseRegistriesToml('[[registry]]\nlocation = ', 'broken.toml'), (err: Error & { code?: string }) =>
      err.code === 'REGISTRY_CONFIG_INVALID' && err.message.startsWith('broken.toml: ') && /line 2/.test(err.message));
    await assert.rejects(() => parseRegistriesToml('[[registry]]\ninsecure = "yes"\nlocation = "x"', 'types.toml'), { code: 'REGISTRY_CONFIG_INVALID' });
    await assert.rejects(() => parseRegistriesToml('[[registry]]\ninsecure = true', 'noloc.toml'), { code: 'REGISTRY_CONFIG_INVALID' });
  });

  test("slipway's file overrides containers' for the same prefix; transports per host", async () => {
    const containers = path.join(dir, 'registries.conf');
    const slipway = path.join(dir, 'slipway.toml');
    await writeFile(containers, '[[registry]]\nlocation = "reg.example.com"\ninsecure = true\n\n[[registry]]\nlocation = "blocked.example.com"\nblocked = true\n');
    await writeFile(slipway, '[[registry]]\nlocation = "reg.example.com"\ninsecure = false\n');
    const env = { HOME: dir, CONTAINERS_REGISTRIES_CONF: containers, SLIPWAY_CONFIG: slipway };
    const config = await loadRegistryConfig(env);
    const transport = async (host: string) => (await resolveEndpoints(config, host, 'a/b', 'pull'))[0]!.transport;
    assert.equal(await transport('reg.example.com'), 'verified-https');
    assert.equal(await transport('127.0.0.1:5000'), 'https-then-http');
    assert.equal(await transport('localhost:5000'), 'https-then-http');
    assert.equal(await transport('[::1]:5000'), 'https-then-http');
    assert.equal(await transport('elsewhere.example.com'), 'verified-https');
    await assert.rejects(resolveEndpoints(config, 'blocked.example.com', 'x', 'pull'), { code: 'REGISTRY_BLOCKED' });
    await writeFile(slipway, '[[registry]]\nlocation = "127.0.0.1:5000"\ninsecure = true\n');
    assert.equal((await resolveEndpoints(await loadRegistryConfig(env), '127.0.0.1:5000', 'a', 'push'))[0]!.transport, 'insecure');
  });

  test('certs.d directories add CA files for a host', async () => {
    const home = path.join(dir, 'home-certs');
    const certs = path.join(home, '.config', 'containers', 'certs.d', 'tls.example.com:8443');
    await mkdir(certs, { recursive: true });
    await writeFile(path.join(certs, 'ca.crt'), 'PEM');
    const env = { HOME: home, CONTAINERS_REGISTRIES_CONF: path.join(dir, 'none'), SLIPWAY_CONFIG: path.join(dir, 'none') };
    const [ep] = await resolveEndpoints(await loadRegistryConfig(env), 'tls.example.com:8443', 'x', 'pull');
    assert.deepEqual(ep!.tls.ca, [Buffer.from('PEM')]);
  });
});

describe('mirrors and prefix rewriting against real registries', () => {
  let primary: RegistryHandle;
  let mirror: RegistryHandle;
  let scratch: string;
  before(async () => {
    [primary, mirror] = await Promise.all([startRegistry('plain'), startRegistry('plain')]);
    scratch = await mkdtemp(path.join(os.tmpdir(), 'slipway-mirror-'));
    const src = await Store.open({ root: path.join(scratch, 'src') });
    await importIntoStore(src, await busyboxImage(), 'example.com/busybox:fixture');
    await push('example.com/busybox:fixture', `${primary.host}/lib/busybox:1`, { store: src, env: primary.env });
    await push('example.com/busybox:fixture', `${primary.host}/only-primary/busybox:1`, { store: src, env: primary.env });
    await push('example.com/busybox:fixture', `${mirror.host}/lib/busybox:1`, { store: src, env: mirror.env });
    await push('example.com/busybox:fixture', `${primary.host}/rewritten/base/busybox:1`, { store: src, env: primary.env });
    await writeFile(primary.slipwayConfig, `[[registry]]\nlocation = "${primary.host}"\n[[registry.mirror]]\nlocation = "${mirror.host}"\n\n`
      + `[[registry]]\nprefix = "images.example.com/base"\nlocation = "${primary.host}/rewritten/base"\n`);
  });
  after(async () => {
    closeIdleConnections();
    await Promise.all([primary.stop(), mirror.stop()]);
    await rm(scratch, { recursive: true, force: true });
  });

  test('pulls come from the mirror, and fall back to the registry when the mirror lacks them', async () => {
    const store = await Store.open({ root: path.join(scratch, 'dst') });
    const viaMirror = await pull(`${primary.host}/lib/busybox:1`, { store, env: primary.env });
    assert.equal(viaMirror.source, `${mirror.host}/lib/busybox`);
    const fallback = await pull(`${primary.host}/only-primary/busybox:1`, { store, env: primary.env });
    assert.equal(fallback.source, `${primary.host}/only-primary/busybox`);
    // Pushes never go to mirrors.
    await push(`${primary.host}/lib/busybox:1`, `${primary.host}/pushed/busybox:1`, { store, env: primary.env });
    await assert.rejects(pull(`${mirror.host}/pushed/busybox:1`, { store, env: mirror.env }), { code: 'REGISTRY_NOT_FOUND' });
  });

  test('a prefix entry rewrites the repository onto its location; the tag keeps the name asked for', async () => {
    const store = await Store.open({ root: path.join(scratch, 'rewrite') });
    const pulled = await pull('images.example.com/base/busybox:1', { store, env: primary.env });
    assert.equal(pulled.source, `${primary.host}/rewritten/base/busybox`);
    assert.deepEqual(pulled.image.names, ['images.example.com/base/busybox:1']);
  });
});
