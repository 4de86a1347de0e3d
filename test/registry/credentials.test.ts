import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resolveCredential } from '../../src/registry/credentials.js';
import { installCredentialHelper } from './cred-helper.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('credentials from docker config, helpers and containers auth.json', () => {
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-creds-'));
    env = { HOME: path.join(dir, 'home'), DOCKER_CONFIG: path.join(dir, 'docker'), REGISTRY_AUTH_FILE: path.join(dir, 'auth.json'), PATH: process.env.PATH ?? '' };
    await mkdir(env.DOCKER_CONFIG!, { recursive: true });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const writeDocker = (config: unknown) => writeFile(path.join(env.DOCKER_CONFIG!, 'config.json'), JSON.stringify(config));

  test('auths entries: base64 auth, URL-shaped keys, Docker Hub legacy key, identity tokens', async () => {
    await writeDocker({ auths: {
      'reg.example.com:5000': { auth: b64('alice:s3cr:et') },
      'https://other.example.com/v1/': { auth: b64('bob:pw') },
      'https://index.docker.io/v1/': { auth: b64('hubuser:hubpw') },
      'tokens.example.com': { username: 'carol', identitytoken: 'refresh-123' },
      'split.example.com': { username: 'dave', password: 'pw2' },
    } });
    assert.deepEqual(await resolveCredential('reg.example.com:5000', env), { type: 'basic', username: 'alice', password: 's3cr:et' });
    assert.deepEqual(await resolveCredential('other.example.com', env), { type: 'basic', username: 'bob', password: 'pw' });
    assert.deepEqual(await resolveCredential('docker.io', env), { type: 'basic', username: 'hubuser', password: 'hubpw' });
    assert.deepEqual(await resolveCredential('tokens.example.com', env), { type: 'identity-token', username: 'carol', token: 'refresh-123' });
    assert.deepEqual(await resolveCredential('split.example.com', env), { type: 'basic', username: 'dave', password: 'pw2' });
    assert.equal(await resolveCredential('unknown.example.com', env), undefined);
  });

  test('credHelpers and credsStore through docker-credential-<name>', async () => {
    const helper = await installCredentialHelper(path.join(dir, 'bin'), 'slipwaytest');
    await writeFile(helper.storeFile, JSON.stringify({
      'helped.example.com': { Username: 'erin', Secret: 'from-helper' },
      'https://index.docker.io/v1/': { Username: '<token>', Secret: 'hub-refresh' },
    }));
    const henv = { ...env, PATH: helper.path };
    await writeDocker({ credHelpers: { 'helped.example.com': 'slipwaytest' }, auths: { 'plain.example.com': { auth: b64('frank:pw') } } });
    assert.deepEqual(await resolveCredential('helped.example.com', henv), { type: 'basic', username: 'erin', password: 'from-helper' });
    assert.deepEqual(await resolveCredential('plain.example.com', henv), { type: 'basic', username: 'frank', password: 'pw' });
    await writeDocker({ credsStore: 'slipwaytest', auths: { 'plain.example.com': { auth: b64('frank:pw') } } });
    assert.deepEqual(await resolveCredential('docker.io', henv), { type: 'identity-token', token: 'hub-refresh' });
    // Not in the store: the file's own entry still counts.
    assert.deepEqual(await resolveCredential('plain.example.com', henv), { type: 'basic', username: 'frank', password: 'pw' });
    await writeDocker({ credsStore: 'doesnotexist' });
    await assert.rejects(resolveCredential('x.example.com', henv), { code: 'REGISTRY_CREDENTIAL_HELPER' });
  });

  test("containers' auth.json, most specific repository key first", async () => {
    await writeDocker({});
    await writeFile(env.REGISTRY_AUTH_FILE!, JSON.stringify({ auths: {
      'quay.example.com': { auth: b64('generic:pw') },
      'quay.example.com/team': { auth: b64('team:pw') },
      'quay.example.com/team/app': { auth: b64('app:pw') },
    } }));
    assert.deepEqual(await resolveCredential('quay.example.com', env, 'team/app'), { type: 'basic', username: 'app', password: 'pw' });
    assert.deepEqual(await resolveCredential('quay.example.com', env, 'team/other'), { type: 'basic', username: 'team', password: 'pw' });
    assert.deepEqual(await resolveCredential('quay.example.com', env, 'solo/x'), { type: 'basic', username: 'generic', password: 'pw' });
    // docker's file wins over containers' for the same registry.
    await writeDocker({ auths: { 'quay.example.com': { auth: b64('docker:pw') } } });
    assert.deepEqual(await resolveCredential('quay.example.com', env, 'team/app'), { type: 'basic', username: 'docker', password: 'pw' });
  });

  test('broken files are reported with their path', async () => {
    await writeFile(path.join(env.DOCKER_CONFIG!, 'config.json'), '{ not json');
    await assert.rejects(resolveCredential('a.example.com', env), { code: 'REGISTRY_CONFIG_INVALID' });
    await writeDocker({ auths: { 'a.example.com': { auth: b64('no-colon') } } });
    await assert.rejects(resolveCredential('a.example.com', env), { code: 'REGISTRY_CONFIG_INVALID' });
  });
});
