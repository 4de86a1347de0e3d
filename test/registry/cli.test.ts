import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { closeIdleConnections } from '../../src/registry/index.js';
import { Store } from '../../src/store/index.js';
import { runCli } from '../helpers/cli.js';
import { installCredentialHelper } from './cred-helper.js';
import { PASSWORD, USER, startRegistry, type RegistryHandle } from './harness.js';
import { busyboxImage, importIntoStore, type FixtureImage } from './image-fixture.js';

const short = (d: string) => d.slice(7, 19);

describe('slipway pull/push/login/logout on the command line', () => {
  let reg: RegistryHandle;
  let scratch: string;
  let image: FixtureImage;
  let env: Record<string, string>;

  before(async () => {
    reg = await startRegistry('tls-basic');
    scratch = await mkdtemp(path.join(os.tmpdir(), 'slipway-cli-'));
    image = await busyboxImage();
    env = { ...reg.env, SLIPWAY_ROOT: path.join(scratch, 'store-a') };
    await importIntoStore(await Store.open({ root: env.SLIPWAY_ROOT }), image, 'example.com/busybox:fixture');
  });
  after(async () => {
    closeIdleConnections();
    await reg.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  test('login writes docker config; wrong passwords fail cleanly', async () => {
    const bad = await runCli(['login', '-u', USER, '--password-stdin', reg.host], { env, stdin: 'wrong\n' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^slipway login: login to 127\.0\.0\.1:\d+ failed/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
    const ok = await runCli(['login', '-u', USER, '--password-stdin', reg.host], { env, stdin: `${PASSWORD}\n` });
    assert.deepEqual([ok.code, ok.stdout, ok.stderr], [0, 'Login Succeeded\n', '']);
    const config = JSON.parse(await readFile(path.join(reg.dockerConfig, 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(Buffer.from(config.auths[reg.host]!.auth, 'base64').toString(), `${USER}:${PASSWORD}`);
  });

  test('push prints per-layer lines and the digest line', async () => {
    const dest = `${reg.host}/cli/busybox:1`;
    const r = await runCli(['push', 'example.com/busybox:fixture', dest], { env });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], `The push refers to ${dest}`);
    assert.equal(lines.at(-1), `1: digest: ${image.manifest.digest} size: ${image.manifest.size}`);
    const pushed = lines.filter((l) => l.endsWith(')') && l.includes(': Pushed (')).map((l) => l.slice(0, 12)).sort();
    assert.deepEqual(pushed, [image.config.digest, ...image.layers.map((l) => l.digest)].map(short).sort());
  });

  test('push --all-tags pushes every stored tag of the repository', async () => {
    const store = await Store.open({ root: env.SLIPWAY_ROOT });
    await store.tag('example.com/busybox:fixture', `${reg.host}/multi/busybox:a`);
    await store.tag('example.com/busybox:fixture', `${reg.host}/multi/busybox:b`);
    const r = await runCli(['push', '-a', `${reg.host}/multi/busybox`], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trimEnd().split('\n').filter((l) => l.includes(': digest: ')),
      [`a: digest: ${image.manifest.digest} size: ${image.manifest.size}`, `b: digest: ${image.manifest.digest} size: ${image.manifest.size}`]);
    const tagged = await runCli(['push', '-a', `${reg.host}/multi/busybox:a`], { env });
    assert.equal(tagged.code, 2);
  });

  test('pull prints the digest and status; again it is up to date; -q prints the name only', async () => {
    const penv = { ...env, SLIPWAY_ROOT: path.join(scratch, 'store-b') };
    const ref = `${reg.host}/cli/busybox:1`;
    const first = await runCli(['pull', ref], { env: penv });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.split('\n')[0], '1: Pulling from cli/busybox');
    const tail = first.stdout.trimEnd().split('\n').slice(-3);
    assert.deepEqual(tail, [`Digest: ${image.manifest.digest}`, `Status: Downloaded newer image for ${ref}`, ref]);
    const again = await runCli(['pull', ref], { env: penv });
    assert.match(again.stdout, new RegExp(`Status: Image is up to date for ${ref.replace(/[.]/g, '\\.')}\n`));
    const quiet = await runCli(['pull', '-q', ref], { env: penv });
    assert.equal(quiet.stdout, `${ref}\n`);
    const store = await Store.open({ root: penv.SLIPWAY_ROOT });
    assert.equal((await store.resolveImage(ref)).digest, image.manifest.digest);
  });

  test('logout removes the credentials; a second logout says so', async () => {
    const out = await runCli(['logout', reg.host], { env });
    assert.deepEqual([out.code, out.stdout], [0, `Removing login credentials for ${reg.host}\n`]);
    const again = await runCli(['logout', reg.host], { env });
    assert.deepEqual([again.code, again.stdout], [0, `Not logged in to ${reg.host}\n`]);
    const anon = await runCli(['pull', `${reg.host}/cli/busybox:1`], { env: { ...env, SLIPWAY_ROOT: path.join(scratch, 'store-c') } });
    assert.equal(anon.code, 1);
    assert.match(anon.stderr, /authentication required/);
  });

  test('login and logout through a credsStore helper', async () => {
    const helper = await installCredentialHelper(path.join(scratch, 'bin'), 'slipwaycli');
    const henv = { ...env, PATH: helper.path, DOCKER_CONFIG: path.join(scratch, 'helper-docker') };
    await mkdir(henv.DOCKER_CONFIG, { recursive: true });
    await writeFile(path.join(henv.DOCKER_CONFIG, 'config.json'), JSON.stringify({ credsStore: 'slipwaycli' }));
    const r = await runCli(['login', '-u', USER, '--password-stdin', reg.host], { env: henv, stdin: PASSWORD });
    assert.equal(r.code, 0, r.stderr);
    const secrets = JSON.parse(await readFile(helper.storeFile, 'utf8')) as Record<string, { Username: string; Secret: string }>;
    assert.deepEqual(secrets[reg.host], { Username: USER, Secret: PASSWORD });
    const config = JSON.parse(await readFile(path.join(henv.DOCKER_CONFIG, 'config.json'), 'utf8')) as { auths: Record<string, unknown>; credsStore: string };
    assert.deepEqual(config, { credsStore: 'slipwaycli', auths: { [reg.host]: {} } });
    const pulled = await runCli(['pull', '-q', `${reg.host}/cli/busybox:1`], { env: { ...henv, SLIPWAY_ROOT: path.join(scratch, 'store-d') } });
    assert.equal(pulled.code, 0, pulled.stderr);
    const out = await runCli(['logout', reg.host], { env: henv });
    assert.equal(out.stdout, `Removing login credentials for ${reg.host}\n`);
    assert.deepEqual(JSON.parse(await readFile(helper.storeFile, 'utf8')), {});
  });

  test('usage errors exit 2, bad references exit 1, never a stack', async () => {
    const cases: [string[], number, RegExp][] = [
      [['pull'], 2, /expected exactly one image reference/],
      [['pull', '--platform', 'linux', 'busybox'], 2, /invalid platform "linux"/],
      [['pull', 'Foo/Bar'], 1, /invalid reference "Foo\/Bar"/],
      [['push', image.config.digest], 2, /needs a repository name/],
      [['push', '--chunk-size', '12', 'a', 'b'], 2, /--chunk-size/],
      [['login', reg.host], 2, /username is required/],
      [['login', '-u', 'x', '-p', 'y', '--password-stdin', reg.host], 2, /mutually exclusive/],
      [['login', '-u', 'x', '--password-stdin', 'bad host!'], 2, /invalid registry/],
    ];
    for (const [argv, code, message] of cases) {
      const r = await runCli(argv, { env, stdin: 'pw' });
      assert.equal(r.code, code, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });
});
