import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { SlipwayError } from '../errors.js';
import { homeDir, type Env } from './credentials.js';

/**
 * Registry settings from TOML: containers' registries.conf (v2 `[[registry]]` tables and
 * the v1 `[registries.insecure]`/`[registries.block]` lists) and slipway's own
 * registries.toml, which uses the same v2 shape plus `ca` (extra PEM roots). slipway's
 * files are read last, so an entry there replaces one with the same prefix.
 *
 *     [[registry]]
 *     prefix = "docker.io"            # optional; defaults to location
 *     location = "docker.io"
 *     insecure = false                # plain HTTP allowed, TLS not verified
 *     blocked = false
 *     ca = ["/etc/ssl/my-ca.pem"]
 *     [[registry.mirror]]
 *     location = "mirror.local:5000"
 *     insecure = true
 */
export interface Mirror {
  readonly location: string;
  readonly insecure?: boolean;
}

export interface RegistryEntry {
  /** What the entry matches: `host[:port][/path]`, or `*.domain` for any subdomain. */
  readonly prefix: string;
  /** Where matching references really live (same as prefix unless rewritten). */
  readonly location: string;
  /** Undefined when the file did not say: loopback then defaults to plain HTTP allowed. */
  readonly insecure?: boolean;
  readonly blocked: boolean;
  readonly mirrors: readonly Mirror[];
  readonly ca: readonly string[];
  /** File the entry came from, for messages. */
  readonly source: string;
}

export interface RegistryConfig {
  readonly entries: readonly RegistryEntry[];
  /** certs.d roots searched for `<host>/*.crt` CA files. */
  readonly certDirs: readonly string[];
}

function table(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
}

function strings(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  throw new SlipwayError('REGISTRY_CONFIG_INVALID', `${where}: expected a string or a list of strings`);
}

function bool(value: unknown, where: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new SlipwayError('REGISTRY_CONFIG_INVALID', `${where}: expected true or false`);
  return value;
}

function str(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new SlipwayError('REGISTRY_CONFIG_INVALID', `${where}: expected a non-empty string`);
  return value;
}

/** Parses one registries file (either family's syntax) into entries. */
export async function parseRegistriesToml(text: string, source: string): Promise<RegistryEntry[]> {
  // Loaded when a registries file is read: most builds never contact a registry.
  const { default: TOML } = await import('@ltd/j-toml');
  let doc: Record<string, unknown>;
  try {
    doc = TOML.parse(text, { joiner: '\n', bigint: false }) as Record<string, unknown>;
  } catch (err) {
    throw new SlipwayError('REGISTRY_CONFIG_INVALID', `${source}: ${(err as Error).message}`);
  }
  const entries: RegistryEntry[] = [];
  const list = doc.registry ?? [];
  if (!Array.isArray(list)) throw new SlipwayError('REGISTRY_CONFIG_INVALID', `${source}: 'registry' must be an array of tables ([[registry]])`);
  list.forEach((raw, i) => {
    const where = `${source}: registry #${i + 1}`;
    const t = table(raw);
    if (!t) throw new SlipwayError('REGISTRY_CONFIG_INVALID', `${where}: expected a table`);
    const location = str(t.location, `${where} location`);
    const prefix = str(t.prefix, `${where} prefix`) ?? location;
    if (!prefix) throw new SlipwayError('REGISTRY_CONFIG_INVALID', `${where}: needs 'location' or 'prefix'`);
    const mirrors = (Array.isArray(t.mirror) ? t.mirror : t.mirror === undefined ? [] : [t.mirror]).map((m, j) => {
      const mt = table(m);
      const mwhere = `${where} mirror #${j + 1}`;
      const ml = mt && str(mt.location, `${mwhere} location`);
      if (!mt || !ml) throw new SlipwayError('REGISTRY_CONFIG_INVALID', `${mwhere}: needs 'location'`);
      return { location: ml, insecure: bool(mt.insecure, `${mwhere} insecure`) };
    });
    entries.push({
      prefix, location: location ?? prefix, insecure: bool(t.insecure, `${where} insecure`),
      blocked: bool(t.blocked, `${where} blocked`) ?? false, mirrors, ca: strings(t.ca, `${where} ca`), source,
    });
  });
  // containers' v1 syntax: flat lists of hosts.
  const v1 = table(doc.registries);
  for (const host of strings(table(v1?.insecure)?.registries, `${source}: registries.insecure`)) {
    entries.push({ prefix: host, location: host, insecure: true, blocked: false, mirrors: [], ca: [], source });
  }
  for (const host of strings(table(v1?.block)?.registries, `${source}: registries.block`)) {
    entries.push({ prefix: host, location: host, blocked: true, mirrors: [], ca: [], source });
  }
  return entries;
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new SlipwayError('REGISTRY_CONFIG_UNREADABLE', `cannot read ${file}: ${(err as Error).message}`);
  }
}

async function dropIns(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith('.conf')).sort().map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/** The files read, in order (later entries replace earlier ones with the same prefix). */
export async function registryConfigFiles(env: Env): Promise<string[]> {
  const files: string[] = [];
  if (env.CONTAINERS_REGISTRIES_CONF) files.push(env.CONTAINERS_REGISTRIES_CONF);
  else {
    const userConf = path.join(env.XDG_CONFIG_HOME || path.join(homeDir(env), '.config'), 'containers');
    files.push('/etc/containers/registries.conf', ...await dropIns('/etc/containers/registries.conf.d'));
    files.push(path.join(userConf, 'registries.conf'), ...await dropIns(path.join(userConf, 'registries.conf.d')));
  }
  if (env.SLIPWAY_CONFIG) files.push(env.SLIPWAY_CONFIG);
  else {
    files.push('/etc/slipway/registries.toml',
      path.join(env.XDG_CONFIG_HOME || path.join(homeDir(env), '.config'), 'slipway', 'registries.toml'));
  }
  return files;
}

export async function loadRegistryConfig(env: Env): Promise<RegistryConfig> {
  const byPrefix = new Map<string, RegistryEntry>();
  for (const file of await registryConfigFiles(env)) {
    const text = await readOptional(file);
    if (text === undefined) continue;
    for (const entry of await parseRegistriesToml(text, file)) {
      byPrefix.delete(entry.prefix);
      byPrefix.set(entry.prefix, entry);
    }
  }
  const certDirs = ['/etc/docker/certs.d', '/etc/containers/certs.d',
    path.join(env.XDG_CONFIG_HOME || path.join(homeDir(env), '.config'), 'containers', 'certs.d')];
  return { entries: [...byPrefix.values()], certDirs };
}

function prefixMatches(prefix: string, target: string): number {
  if (prefix.startsWith('*.')) {
    const host = target.split('/')[0]!;
    return host.endsWith(prefix.slice(1)) ? prefix.length : -1;
  }
  return target === prefix || target.startsWith(`${prefix}/`) ? prefix.length : -1;
}

/** The entry that governs `host/repository` (longest prefix wins), if any. */
export function findEntry(config: RegistryConfig, host: string, repository: string): RegistryEntry | undefined {
  const target = `${host}/${repository}`;
  let best: RegistryEntry | undefined;
  let bestLength = -1;
  for (const entry of config.entries) {
    const length = prefixMatches(entry.prefix, target);
    if (length > bestLength) {
      best = entry;
      bestLength = length;
    }
  }
  return best;
}

export function isLoopback(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}
