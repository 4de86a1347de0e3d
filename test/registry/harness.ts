import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createPki, createSigningBundle } from './pki.js';
import { startTokenServer, type TokenServer } from './token-server.js';

const run = promisify(execFile);

/**
 * The three registry setups the acceptance tests run against:
 * - `plain`: HTTP, anonymous (what a loopback dev registry usually is);
 * - `tls-basic`: HTTPS with a CA the test created, htpasswd Basic auth;
 * - `token`: Bearer token auth with a token server the test runs (anonymous pull allowed,
 *   push needs credentials).
 */
export type Setup = 'plain' | 'tls-basic' | 'token';
export const SETUPS: readonly Setup[] = ['plain', 'tls-basic', 'token'];

export interface RegistryHandle {
  readonly setup: Setup;
  /** `127.0.0.1:PORT`, the registry part of references. */
  readonly host: string;
  readonly url: string;
  /** Scratch directory holding config, storage, PKI and a DOCKER_CONFIG home. */
  readonly dir: string;
  readonly caCert?: string;
  /** A directory holding only `ca.crt` (skopeo's --cert-dir, podman's --cert-dir). */
  readonly certDir?: string;
  readonly username?: string;
  readonly password?: string;
  readonly tokenServer?: TokenServer;
  /** SLIPWAY_CONFIG that trusts this registry's CA (TLS setup) or is empty. */
  readonly slipwayConfig: string;
  /** A DOCKER_CONFIG directory (initially without credentials). */
  readonly dockerConfig: string;
  /** Environment for slipway: SLIPWAY_CONFIG, DOCKER_CONFIG and an empty containers auth file. */
  readonly env: Record<string, string>;
  /** Writes docker-style credentials for this registry into `dockerConfig`. */
  login(): Promise<void>;
  /** The registry's own log (for assertion messages). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export const USER = 'slipway';
export const PASSWORD = 'correct horse battery staple';

/** A free TCP port on 127.0.0.1 (bound then released; the registry takes it right after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function probe(url: string, ca: Buffer | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(url, { ca, timeout: 1000, agent: false }, (res) => { res.resume(); resolve(true); });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
  });
}

async function waitReady(url: string, ca: Buffer | undefined, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited early:\n${await readFile(logFile, 'utf8')}`);
    if (await probe(url, ca)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`docker-registry did not come up at ${url}:\n${await readFile(logFile, 'utf8')}`);
}

export interface RegistryOptions {
  /** Accept legacy signed schema 1 manifests. */
  readonly schema1?: boolean;
  /** Lifetime of tokens the token server issues (seconds). */
  readonly tokenExpiresIn?: number;
}

/**
 * Starts Debian's `docker-registry` on a free 127.0.0.1 port in the given setup. The port
 * is free when picked but another process may take it first: then a new one is tried.
 */
export async function startRegistry(setup: Setup, options: RegistryOptions = {}): Promise<RegistryHandle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(setup, options);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test((err as Error).message)) throw err;
    }
  }
}

async function startOnce(setup: Setup, options: RegistryOptions): Promise<RegistryHandle> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `slipway-reg-${setup}-`));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const lines = ['version: 0.1', 'log:', '  level: warn', '  accesslog:', '    disabled: true',
    'storage:', '  filesystem:', `    rootdirectory: ${dir}/storage`, '  delete:', '    enabled: true',
    'http:', `  addr: ${host}`, '  secret: slipway-test-secret'];
  let caCert: string | undefined;
  let certDir: string | undefined;
  let tokenServer: TokenServer | undefined;
  let slipwayToml = '';
  if (setup === 'tls-basic') {
    const pkiDir = path.join(dir, 'pki');
    await mkdir(pkiDir);
    const pki = await createPki(pkiDir);
    // A directory holding only the CA: the shape skopeo's --cert-dir and certs.d expect.
    certDir = path.join(dir, 'certs');
    await mkdir(certDir);
    caCert = path.join(certDir, 'ca.crt');
    await copyFile(pki.caCert, caCert);
    lines.push('  tls:', `    certificate: ${pki.serverCert}`, `    key: ${pki.serverKey}`);
    const { stdout } = await run('htpasswd', ['-Bbn', USER, PASSWORD]);
    await writeFile(path.join(dir, 'htpasswd'), stdout);
    lines.push('auth:', '  htpasswd:', '    realm: slipway-test', `    path: ${dir}/htpasswd`);
    slipwayToml = `[[registry]]\nlocation = "${host}"\nca = ["${caCert}"]\n`;
  } else if (setup === 'token') {
    const bundle = await createSigningBundle(dir);
    tokenServer = await startTokenServer({ signingKey: bundle.key, users: { [USER]: PASSWORD }, anonymousPull: true, expiresIn: options.tokenExpiresIn });
    lines.push('auth:', '  token:', `    realm: ${tokenServer.realm}`, `    service: ${tokenServer.service}`,
      `    issuer: ${tokenServer.issuer}`, `    rootcertbundle: ${bundle.cert}`);
  }
  // Accept legacy signed schema 1 manifests (so tests can show they are refused on pull).
  if (options.schema1) lines.push('compatibility:', '  schema1:', '    enabled: true');
  const configFile = path.join(dir, 'config.yml');
  await writeFile(configFile, `${lines.join('\n')}\n`);
  const slipwayConfig = path.join(dir, 'slipway-registries.toml');
  await writeFile(slipwayConfig, slipwayToml);
  const dockerConfig = path.join(dir, 'docker-config');
  const logFile = path.join(dir, 'registry.log');
  const fd = openSync(logFile, 'w');
  const child = spawn('docker-registry', ['serve', configFile], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const url = `${setup === 'tls-basic' ? 'https' : 'http'}://${host}`;
  try {
    await waitReady(`${url}/v2/`, caCert ? await readFile(caCert) : undefined, child, logFile);
  } catch (err) {
    child.kill('SIGKILL');
    await tokenServer?.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const hasAuth = setup !== 'plain';
  return {
    setup, host, url, dir, caCert, certDir, tokenServer, slipwayConfig, dockerConfig,
    username: hasAuth ? USER : undefined,
    password: hasAuth ? PASSWORD : undefined,
    env: {
      SLIPWAY_CONFIG: slipwayConfig,
      DOCKER_CONFIG: dockerConfig,
      REGISTRY_AUTH_FILE: path.join(dir, 'containers-auth.json'),
      // Hermetic: the machine's /etc/containers files must not change what the tests see.
      CONTAINERS_REGISTRIES_CONF: path.join(dir, 'containers-registries.conf'),
    },
    async login() {
      if (!hasAuth) return;
      await mkdir(dockerConfig, { recursive: true });
      const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
      await writeFile(path.join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [host]: { auth } } }));
    },
    log: () => readFile(logFile, 'utf8'),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await tokenServer?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
