import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { SlipwayError } from '../errors.js';
import { findEntry, isLoopback, type RegistryConfig, type RegistryEntry } from './config.js';
import type { TlsSettings } from './transport.js';

/**
 * Where a repository is really fetched from, after registries.conf rewriting and mirrors:
 * one endpoint per place to try, in order.
 */
export interface Endpoint {
  /** The registry as named in references (`docker.io`, `127.0.0.1:5000`): credentials key. */
  readonly registry: string;
  /** The host the API lives on (`registry-1.docker.io` for Docker Hub). */
  readonly apiHost: string;
  readonly repository: string;
  readonly tls: TlsSettings;
  /**
   * `verified-https`: HTTPS only. `https-then-http`: try HTTPS (verified), fall back to
   * plain HTTP when the server does not speak TLS (loopback default). `insecure`: HTTPS
   * without verification, then plain HTTP (`insecure = true`).
   */
  readonly transport: 'verified-https' | 'https-then-http' | 'insecure';
  readonly mirror: boolean;
}

export function apiHostOf(registry: string): string {
  return registry === 'docker.io' || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
}

async function certsFor(config: RegistryConfig, host: string, explicit: readonly string[]): Promise<Buffer[]> {
  const found: Buffer[] = [];
  for (const file of explicit) {
    try {
      found.push(await readFile(file));
    } catch (err) {
      throw new SlipwayError('REGISTRY_CONFIG_INVALID', `CA file ${file} for ${host}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  for (const root of config.certDirs) {
    const dir = path.join(root, host);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names.filter((n) => n.endsWith('.crt')).sort()) found.push(await readFile(path.join(dir, name)));
  }
  return found;
}

function transportFor(host: string, insecure: boolean | undefined): Endpoint['transport'] {
  if (insecure === true) return 'insecure';
  if (insecure === undefined && isLoopback(host)) return 'https-then-http';
  return 'verified-https';
}

function split(full: string): { host: string; repository: string } {
  const slash = full.indexOf('/');
  return { host: full.slice(0, slash), repository: full.slice(slash + 1) };
}

/** Maps `host/repository` through an entry's prefix onto `location` (or a mirror's). */
function rewrite(entry: RegistryEntry | undefined, host: string, repository: string, location: string): { host: string; repository: string } {
  if (!entry) return { host, repository };
  // A wildcard entry names no location of its own: only its mirrors move the repository.
  if (entry.prefix.startsWith('*.')) return location === entry.location ? { host, repository } : split(`${location}/${repository}`);
  const rest = `${host}/${repository}`.slice(entry.prefix.length);
  return split(`${location}${rest}`);
}

async function endpoint(config: RegistryConfig, registry: string, repository: string, insecure: boolean | undefined,
  ca: readonly string[], mirror: boolean): Promise<Endpoint> {
  const apiHost = apiHostOf(registry);
  const transport = transportFor(registry, insecure);
  const certs = await certsFor(config, registry, ca);
  return { registry, apiHost, repository, mirror, transport,
    tls: { ca: certs.length ? certs : undefined, skipVerify: transport === 'insecure' } };
}

/**
 * Endpoints for `registry/repository`: for pulls the mirrors first, then the (possibly
 * rewritten) location; pushes never go to mirrors. Blocked registries are refused.
 */
export async function resolveEndpoints(config: RegistryConfig, registry: string, repository: string,
  purpose: 'pull' | 'push'): Promise<Endpoint[]> {
  const entry = findEntry(config, registry, repository);
  if (entry?.blocked) {
    throw new SlipwayError('REGISTRY_BLOCKED', `${registry}/${repository} is blocked by ${entry.source}`);
  }
  const primary = rewrite(entry, registry, repository, entry?.location ?? registry);
  // The rewritten location may have its own entry (its own insecure/ca settings).
  const target = primary.host === registry ? entry : findEntry(config, primary.host, primary.repository) ?? entry;
  const list: Endpoint[] = [];
  if (purpose === 'pull') {
    for (const m of entry?.mirrors ?? []) {
      const where = rewrite(entry, registry, repository, m.location);
      const own = findEntry(config, where.host, where.repository);
      list.push(await endpoint(config, where.host, where.repository, m.insecure ?? own?.insecure, own?.ca ?? [], true));
    }
  }
  list.push(await endpoint(config, primary.host, primary.repository, target?.insecure, target?.ca ?? [], false));
  return list;
}
