import { SlipwayError } from '../errors.js';
import type { Compression, OutputSpec, ProgressMode, SecretSpec, NetworkMode } from './types.js';

/**
 * Parsers for the flag values of `slipway build` that are small languages of their own
 * (`-o`, `--secret`, `--build-arg`, `--label`), shared by the CLI and library callers.
 * They follow docker buildx: comma-separated `key=value` fields, CSV quoting allowed.
 */

function fail(code: string, message: string): never {
  throw new SlipwayError(code, message, { exitCode: 2 });
}

/** Splits `a=1,"b=x,y",c` as a CSV record (buildx parses these flags with encoding/csv). */
export function splitCsv(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (quoted) {
      if (ch === '"' && value[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"' && cur === '') quoted = true;
    else if (ch === ',') { out.push(cur); cur = ''; }
    else cur += ch;
  }
  if (quoted) fail('BUILD_BAD_FLAG', `unterminated quote in ${JSON.stringify(value)}`);
  out.push(cur);
  return out;
}

function fields(flag: string, value: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const field of splitCsv(value)) {
    if (field === '') continue;
    const eq = field.indexOf('=');
    if (eq <= 0) fail('BUILD_BAD_FLAG', `${flag}: invalid field ${JSON.stringify(field)}: want key=value`);
    map.set(field.slice(0, eq).trim().toLowerCase(), field.slice(eq + 1));
  }
  return map;
}

function compressionOf(map: Map<string, string>): Compression {
  const c = map.get('compression') ?? 'gzip';
  if (c !== 'gzip' && c !== 'uncompressed') fail('BUILD_BAD_OUTPUT', `-o: unsupported compression ${JSON.stringify(c)} (gzip or uncompressed)`);
  return c;
}

/** buildx's `compression-level`: 0-9 for gzip. */
function levelOf(map: Map<string, string>): { compressionLevel?: number } {
  const v = map.get('compression-level');
  if (v === undefined) return {};
  if (!/^[0-9]$/.test(v.trim())) fail('BUILD_BAD_OUTPUT', `-o: compression-level must be 0-9 for gzip, got ${JSON.stringify(v)}`);
  return { compressionLevel: Number(v.trim()) };
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && ['1', 'true', 't', 'yes'].includes(v.toLowerCase());
}

/**
 * Parses one `-o`/`--output` value: `type=oci|docker|image|registry[,dest=PATH][,name=REF]
 * [,compression=gzip|uncompressed][,compression-level=0-9][,push=true]`. `tags` are the `-t` values, used as the
 * names when the output does not give its own.
 */
export function parseOutput(value: string, tags: readonly string[] = []): OutputSpec {
  const map = fields('-o', value);
  const type = map.get('type');
  if (type === undefined) fail('BUILD_BAD_OUTPUT', `-o ${JSON.stringify(value)}: missing type= (oci, docker, image or registry)`);
  const names = map.has('name') ? map.get('name')!.split(',').filter((n) => n !== '') : [...tags];
  const compression = compressionOf(map);
  const level = levelOf(map);
  for (const key of map.keys()) {
    if (!['type', 'dest', 'name', 'compression', 'compression-level', 'push', 'oci-mediatypes', 'tar'].includes(key)) fail('BUILD_BAD_OUTPUT', `-o: unknown field ${JSON.stringify(key)}`);
  }
  switch (type) {
    case 'oci':
    case 'docker': {
      const dest = map.get('dest');
      if (dest === undefined || dest === '') fail('BUILD_BAD_OUTPUT', `-o type=${type} needs dest=PATH (or dest=- for stdout)`);
      return { type, dest, names, compression, ...level };
    }
    case 'image':
      return { type: 'image', names, push: truthy(map.get('push')), compression, ...level };
    case 'registry':
      if (names.length === 0) fail('BUILD_BAD_OUTPUT', '-o type=registry needs name=REF or a -t tag');
      return { type: 'registry', names, compression, ...level };
    default:
      return fail('BUILD_BAD_OUTPUT', `-o: unsupported output type ${JSON.stringify(type)} (oci, docker, image or registry)`);
  }
}

/**
 * Parses one `--secret` value: `id=ID[,src=PATH|source=PATH][,env=VAR][,type=file|env]`.
 * As buildx: with neither `src` nor `env`, a `type=env` secret reads the variable named
 * ID and any other reads the file named ID.
 */
export function parseSecret(value: string): SecretSpec {
  const map = fields('--secret', value);
  const id = map.get('id');
  if (id === undefined || id === '') fail('BUILD_BAD_SECRET', `--secret ${JSON.stringify(value)}: missing id=`);
  for (const key of map.keys()) {
    if (!['id', 'src', 'source', 'env', 'type'].includes(key)) fail('BUILD_BAD_SECRET', `--secret: unknown field ${JSON.stringify(key)}`);
  }
  const type = map.get('type');
  if (type !== undefined && type !== 'file' && type !== 'env') fail('BUILD_BAD_SECRET', `--secret: unsupported type ${JSON.stringify(type)} (file or env)`);
  const src = map.get('src') ?? map.get('source');
  const env = map.get('env');
  if (src !== undefined && env !== undefined) fail('BUILD_BAD_SECRET', '--secret: give src= or env=, not both');
  if (env !== undefined || (type === 'env' && src === undefined)) return { type: 'env', id, env: env ?? src ?? id };
  return { type: 'file', id, src: src ?? id };
}

/**
 * Resolves `--build-arg` values: `K=V` sets, a bare `K` takes K from `env` and is dropped
 * when `env` lacks it (docker's behaviour).
 */
export function parseBuildArgs(values: readonly string[], env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq === 0) fail('BUILD_BAD_FLAG', `--build-arg ${JSON.stringify(v)}: missing name`);
    if (eq > 0) out[v.slice(0, eq)] = v.slice(eq + 1);
    else if (env[v] !== undefined) out[v] = env[v]!;
  }
  return out;
}

/** `--label K=V` (a bare K is an empty label, as docker). */
export function parseLabels(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq === 0) fail('BUILD_BAD_FLAG', `--label ${JSON.stringify(v)}: missing name`);
    if (eq > 0) out[v.slice(0, eq)] = v.slice(eq + 1);
    else out[v] = '';
  }
  return out;
}

export function parseProgressMode(value: string): ProgressMode {
  if (value === 'auto' || value === 'tty' || value === 'plain' || value === 'quiet') return value;
  return fail('BUILD_BAD_FLAG', `--progress: unsupported mode ${JSON.stringify(value)} (auto, tty, plain or quiet)`);
}

export function parseNetworkMode(value: string): NetworkMode {
  if (value === 'default' || value === 'none' || value === 'host') return value;
  return fail('BUILD_BAD_FLAG', `--network: unsupported mode ${JSON.stringify(value)} (default, none or host)`);
}

/** `--source-date-epoch N`: whole seconds, non-negative. */
export function parseEpoch(value: string): number {
  if (!/^\d+$/.test(value)) fail('BUILD_BAD_FLAG', `--source-date-epoch: ${JSON.stringify(value)} is not a whole number of seconds`);
  return Number(value);
}
