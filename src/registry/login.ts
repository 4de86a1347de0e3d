import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SlipwayError } from '../errors.js';
import { RegistryClient } from './client.js';
import { loadRegistryConfig } from './config.js';
import { credentialKey, dockerConfigDir, helperFor, keyHostname, readDockerConfig, runHelper, type DockerConfigFile, type Env } from './credentials.js';
import { resolveEndpoints } from './endpoints.js';
import { registryError, responseError } from './errors.js';
import type { RetryPolicy } from './retry.js';

export interface LoginOptions {
  readonly username: string;
  readonly password: string;
  readonly env?: Env;
  readonly retry?: RetryPolicy;
}

export interface LoginResult {
  /** The registry as normalised (`docker.io`, `127.0.0.1:5000`). */
  readonly registry: string;
  /** Where the credentials went: the config.json path or `docker-credential-<helper>`. */
  readonly storedIn: string;
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:]+\])(?::\d+)?$/;

/** `https://host:5000/v2/`, `host:5000`, `index.docker.io` -> `host:5000`, `docker.io`. */
export function normaliseRegistry(input: string | undefined): string {
  const host = keyHostname(input?.trim() || 'docker.io');
  if (!HOST.test(host)) throw new SlipwayError('REGISTRY_BAD_NAME', `invalid registry ${JSON.stringify(input)}: want host[:port]`, { exitCode: 2 });
  return host === 'registry-1.docker.io' ? 'docker.io' : host;
}

async function writeDockerConfig(env: Env, config: DockerConfigFile): Promise<string> {
  const dir = dockerConfigDir(env);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'config.json');
  const tmp = path.join(dir, `.config.json.${process.pid}.${randomBytes(4).toString('hex')}`);
  // Credentials: readable by the owner only, written whole or not at all.
  await fs.writeFile(tmp, `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 });
  await fs.rename(tmp, file);
  return file;
}

/**
 * `slipway login`: checks the credentials against the registry (Basic, or a Bearer token
 * from its token server) and stores them as docker does: through the configured credential
 * helper, else base64 in `auths` of $DOCKER_CONFIG/config.json.
 */
export async function login(registryInput: string | undefined, options: LoginOptions): Promise<LoginResult> {
  const env = options.env ?? process.env;
  const registry = normaliseRegistry(registryInput);
  if (!options.username) throw new SlipwayError('REGISTRY_LOGIN_USAGE', 'a username is required', { exitCode: 2 });
  if (!options.password) throw new SlipwayError('REGISTRY_LOGIN_USAGE', 'a password is required (use --password-stdin)', { exitCode: 2 });
  const [endpoint] = await resolveEndpoints(await loadRegistryConfig(env), registry, '', 'push');
  const client = new RegistryClient(endpoint!, { env, retry: options.retry,
    credential: { type: 'basic', username: options.username, password: options.password } });
  const res = await client.request({ method: 'GET', path: '', scopes: [] });
  res.body.resume();
  if (res.status === 401) throw registryError('REGISTRY_UNAUTHORIZED', `login to ${registry} failed: username or password rejected`);
  if (res.status !== 200) throw await responseError(res, `login to ${registry}`);

  const config: DockerConfigFile = (await readDockerConfig(env)) ?? {};
  const key = credentialKey(registry);
  const helper = helperFor(config, registry);
  config.auths ??= {};
  if (helper) {
    const payload = JSON.stringify({ ServerURL: key, Username: options.username, Secret: options.password });
    const { code, stdout } = await runHelper(helper, 'store', payload, env);
    if (code !== 0) throw new SlipwayError('REGISTRY_CREDENTIAL_HELPER', `docker-credential-${helper} store failed: ${stdout.trim() || `exit ${code}`}`);
    // docker keeps an empty entry so `auths` still lists the registries logged in to.
    config.auths[key] = {};
    await writeDockerConfig(env, config);
    return { registry, storedIn: `docker-credential-${helper}` };
  }
  config.auths[key] = { auth: Buffer.from(`${options.username}:${options.password}`).toString('base64') };
  return { registry, storedIn: await writeDockerConfig(env, config) };
}

/**
 * `slipway logout`: forgets the registry's credentials (helper `erase` and the `auths`
 * entry). Returns false when there were none, which docker reports without failing.
 */
export async function logout(registryInput: string | undefined, options: { env?: Env } = {}): Promise<{ registry: string; removed: boolean }> {
  const env = options.env ?? process.env;
  const registry = normaliseRegistry(registryInput);
  const config = await readDockerConfig(env);
  if (!config) return { registry, removed: false };
  const key = credentialKey(registry);
  let removed = false;
  const helper = helperFor(config, registry);
  if (helper) {
    const { code, stdout } = await runHelper(helper, 'erase', key, env);
    if (code === 0) removed = true;
    else if (!/credentials not found/i.test(stdout)) {
      throw new SlipwayError('REGISTRY_CREDENTIAL_HELPER', `docker-credential-${helper} erase failed: ${stdout.trim() || `exit ${code}`}`);
    }
  }
  for (const k of Object.keys(config.auths ?? {})) {
    if (k === key || keyHostname(k) === keyHostname(key)) {
      delete config.auths![k];
      removed = true;
    }
  }
  if (removed) await writeDockerConfig(env, config);
  return { registry, removed };
}
