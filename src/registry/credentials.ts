import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SlipwayError } from '../errors.js';

/**
 * Credentials as docker and the containers tools store them: `auths` entries in
 * `$DOCKER_CONFIG/config.json` (default ~/.docker), `credHelpers`/`credsStore` through the
 * `docker-credential-<name>` protocol, then containers' auth.json.
 */
export type Credential =
  | { readonly type: 'basic'; readonly username: string; readonly password: string }
  /** An OAuth2 refresh token (docker stores it as `identitytoken`, helpers as user `<token>`). */
  | { readonly type: 'identity-token'; readonly username?: string; readonly token: string }
  /** A bearer token sent as-is (docker's `registrytoken`). */
  | { readonly type: 'registry-token'; readonly token: string };

export type Env = Readonly<Record<string, string | undefined>>;

/** Docker Hub's credentials live under this legacy key, not under `docker.io`. */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

export function homeDir(env: Env): string {
  return env.HOME || os.homedir();
}

export function dockerConfigDir(env: Env): string {
  return env.DOCKER_CONFIG || path.join(homeDir(env), '.docker');
}

/** The key docker files a registry's credentials under (`docker.io` is special). */
export function credentialKey(registry: string): string {
  return registry === 'docker.io' || registry === 'index.docker.io' || registry === 'registry-1.docker.io' ? DOCKER_HUB_KEY : registry;
}

/** Docker's hostname normalisation of an `auths` key: drop scheme and path. */
export function keyHostname(key: string): string {
  let host = key.replace(/^[a-z]+:\/\//i, '');
  host = host.split('/')[0] ?? host;
  return host === 'index.docker.io' ? 'docker.io' : host;
}

export interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export interface DockerConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [other: string]: unknown;
}

async function readJson(file: string): Promise<DockerConfigFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SlipwayError('REGISTRY_CONFIG_UNREADABLE', `cannot read ${file}: ${(err as Error).message}`);
  }
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as DockerConfigFile;
  } catch (err) {
    throw new SlipwayError('REGISTRY_CONFIG_INVALID', `${file}: invalid JSON: ${(err as Error).message}`);
  }
}

export function readDockerConfig(env: Env): Promise<DockerConfigFile | undefined> {
  return readJson(path.join(dockerConfigDir(env), 'config.json'));
}

/** containers' auth.json locations, most specific first. */
export function containersAuthFiles(env: Env): string[] {
  if (env.REGISTRY_AUTH_FILE) return [env.REGISTRY_AUTH_FILE];
  const files: string[] = [];
  if (env.XDG_RUNTIME_DIR) files.push(path.join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  files.push(path.join(env.XDG_CONFIG_HOME || path.join(homeDir(env), '.config'), 'containers', 'auth.json'));
  return files;
}

function fromEntry(entry: AuthEntry, where: string): Credential | undefined {
  if (entry.identitytoken) return { type: 'identity-token', token: entry.identitytoken, username: entry.username };
  if (entry.registrytoken) return { type: 'registry-token', token: entry.registrytoken };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString();
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new SlipwayError('REGISTRY_CONFIG_INVALID', `${where}: 'auth' is not base64 of user:password`);
    return { type: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username && entry.password !== undefined) return { type: 'basic', username: entry.username, password: entry.password };
  return undefined;
}

/**
 * The `auths` entry for a registry (and optionally a repository path: containers allow
 * `host/ns/repo` keys, most specific wins).
 */
function findEntry(auths: Record<string, AuthEntry> | undefined, registry: string, repository?: string): [string, AuthEntry] | undefined {
  if (!auths) return undefined;
  const host = keyHostname(credentialKey(registry));
  if (repository) {
    const parts = repository.split('/');
    for (let n = parts.length; n > 0; n--) {
      const key = `${registry}/${parts.slice(0, n).join('/')}`;
      if (auths[key]) return [key, auths[key]];
    }
  }
  if (auths[credentialKey(registry)]) return [credentialKey(registry), auths[credentialKey(registry)]!];
  for (const [key, entry] of Object.entries(auths)) if (keyHostname(key) === host) return [key, entry];
  return undefined;
}

/** The helper that owns a registry's credentials in this config, if any. */
export function helperFor(config: DockerConfigFile | undefined, registry: string): string | undefined {
  const helpers = config?.credHelpers ?? {};
  return helpers[registry] ?? helpers[credentialKey(registry)] ?? config?.credsStore ?? undefined;
}

/** Runs `docker-credential-<helper> <action>` with `input` on stdin; returns stdout. */
export function runHelper(helper: string, action: 'get' | 'store' | 'erase', input: string, env: Env): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(`docker-credential-${helper}`, [action], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.resume();
    child.on('error', (err) => reject(new SlipwayError('REGISTRY_CREDENTIAL_HELPER',
      `credential helper docker-credential-${helper} cannot be run: ${(err as NodeJS.ErrnoException).code ?? err.message}`)));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

async function fromHelper(helper: string, registry: string, env: Env): Promise<Credential | undefined> {
  const { code, stdout } = await runHelper(helper, 'get', credentialKey(registry), env);
  if (code !== 0) {
    // The protocol reports "not found" on stdout with a non-zero exit; that is no credential.
    if (/credentials not found/i.test(stdout)) return undefined;
    throw new SlipwayError('REGISTRY_CREDENTIAL_HELPER', `docker-credential-${helper} get failed: ${stdout.trim() || `exit ${code}`}`);
  }
  let parsed: { Username?: string; Secret?: string };
  try {
    parsed = JSON.parse(stdout) as typeof parsed;
  } catch {
    throw new SlipwayError('REGISTRY_CREDENTIAL_HELPER', `docker-credential-${helper} get printed invalid JSON`);
  }
  if (!parsed.Secret) return undefined;
  if (parsed.Username === '<token>') return { type: 'identity-token', token: parsed.Secret };
  return { type: 'basic', username: parsed.Username ?? '', password: parsed.Secret };
}

/**
 * The credential to use for `registry` (host[:port] as in references; `docker.io` for Docker
 * Hub), or undefined for anonymous access.
 */
export async function resolveCredential(registry: string, env: Env, repository?: string): Promise<Credential | undefined> {
  const docker = await readDockerConfig(env);
  const helper = helperFor(docker, registry);
  if (helper) {
    const found = await fromHelper(helper, registry, env);
    if (found) return found;
  }
  const entry = findEntry(docker?.auths, registry, repository);
  const fromDocker = entry && fromEntry(entry[1], `${path.join(dockerConfigDir(env), 'config.json')} auths["${entry[0]}"]`);
  if (fromDocker) return fromDocker;
  for (const file of containersAuthFiles(env)) {
    const containers = await readJson(file);
    if (!containers) continue;
    const ownHelper = containers.credHelpers?.[registry];
    if (ownHelper) {
      const found = await fromHelper(ownHelper, registry, env);
      if (found) return found;
    }
    const hit = findEntry(containers.auths, registry, repository);
    const cred = hit && fromEntry(hit[1], `${file} auths["${hit[0]}"]`);
    if (cred) return cred;
  }
  return undefined;
}
