/**
 * `RUN --mount=...` values, read as BuildKit reads them (instructions/commands_runmount.go)
 * and completed with the defaults its converter applies, so the builder gets every field.
 */
import type { Range } from '../syntax/ast.js';
import { readCsvRecord, type CsvField } from './csv.js';
import { fail, suggest } from './errors.js';
import { subRange } from './ranges.js';

export type MountSharing = 'shared' | 'private' | 'locked';

interface MountBase {
  /** Absolute, or relative to the WORKDIR of the step (the builder resolves it). */
  readonly target: string;
}

/** Read-only by default; `from` a stage/image/context, else the build context. */
export interface BindMount extends MountBase {
  readonly type: 'bind';
  readonly source: string;
  readonly from: string | null;
  readonly readOnly: boolean;
}

/** A persistent cache directory; `id` defaults to the target. */
export interface CacheMount extends MountBase {
  readonly type: 'cache';
  readonly id: string;
  readonly sharing: MountSharing;
  readonly from: string | null;
  readonly source: string;
  readonly readOnly: boolean;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** Size in bytes, null for no limit. */
export interface TmpfsMount extends MountBase {
  readonly type: 'tmpfs';
  readonly size: number | null;
}

/**
 * A build secret: a file at `target` (default `/run/secrets/<id>`), and/or an
 * environment variable `env`. With only `env` given there is no file.
 */
export interface SecretMount {
  readonly type: 'secret';
  readonly id: string;
  readonly target: string | null;
  readonly env: string | null;
  readonly required: boolean;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** The SSH agent socket `id`; target null means `/run/buildkit/ssh_agent.<n>`. */
export interface SshMount {
  readonly type: 'ssh';
  readonly id: string;
  readonly target: string | null;
  readonly required: boolean;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

export type Mount = BindMount | CacheMount | TmpfsMount | SecretMount | SshMount;
export type MountType = Mount['type'];

const TYPES: readonly MountType[] = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'];
const SHARING: readonly MountSharing[] = ['shared', 'private', 'locked'];
const KEYS = ['type', 'from', 'source', 'target', 'readonly', 'id', 'sharing', 'required', 'mode', 'uid', 'gid', 'src', 'dst', 'ro', 'rw', 'readwrite', 'size', 'env', 'destination'];

/**
 * Parses one `--mount` value. Without `expand`, values are taken as written and the
 * mount is null when any value still holds a `$` (the plan parses it again after
 * expansion); `from` never takes variables. With `expand`, every value is expanded first.
 */
export function parseMount(raw: string, range: Range, expand?: (value: string) => string): Mount | null {
  const fields = readCsvRecord(raw);
  if (typeof fields === 'string') fail('INSTR_MOUNT_SYNTAX', `failed to parse csv mounts: ${fields}`, range);
  const at = (f: CsvField) => subRange(range, raw, f.start, f.end);
  let deferred = false;
  let type: MountType = 'bind';
  let roAuto = true;
  let readOnly = false;
  let required = false;
  const v: { from?: string; source?: string; target?: string; id?: string; sharing?: MountSharing; env?: string; size?: number; mode?: number; uid?: number; gid?: number } = {};
  for (const field of fields) {
    const eq = field.text.indexOf('=');
    const key = (eq < 0 ? field.text : field.text.slice(0, eq)).toLowerCase();
    if (eq < 0) {
      if (key === 'readonly' || key === 'ro' || key === 'readwrite' || key === 'rw') {
        readOnly = key === 'readonly' || key === 'ro';
        roAuto = false;
        continue;
      }
      if (key === 'required') {
        if (type !== 'secret' && type !== 'ssh') fail('INSTR_MOUNT_KEY_NOT_ALLOWED', `unexpected key '${key}' for mount type '${type}'`, at(field));
        required = true;
        continue;
      }
      fail('INSTR_MOUNT_MISSING_VALUE', `invalid field '${field.text}' must be a key=value pair`, at(field));
    }
    let value = field.text.slice(eq + 1);
    if (key === 'from' && /\$./su.test(value) && !expand) {
      fail('INSTR_FROM_VARIABLE', "'from' doesn't support variable expansion, define alias stage instead", at(field));
    }
    if (expand) value = expand(value);
    else if (value.includes('$')) {
      deferred = true;
      continue;
    }
    const bad = (what = 'value'): never => fail('INSTR_MOUNT_INVALID_VALUE', `invalid ${what} for ${key}: ${value}`, at(field));
    const only = (allowed: boolean): void => {
      if (!allowed) fail('INSTR_MOUNT_KEY_NOT_ALLOWED', `unexpected key '${key}' for mount type '${type}'`, at(field));
    };
    switch (key) {
      case 'type': {
        const t = value.toLowerCase() as MountType;
        if (!TYPES.includes(t)) fail('INSTR_MOUNT_TYPE', `unsupported mount type ${JSON.stringify(value)}`, at(field), suggest(value, TYPES, true));
        type = t;
        break;
      }
      case 'from': v.from = value; break;
      case 'source': case 'src': v.source = value; break;
      case 'target': case 'dst': case 'destination': v.target = value; break;
      case 'readonly': case 'ro': case 'readwrite': case 'rw': {
        const b = parseGoBool(value);
        if (b === undefined) bad();
        readOnly = key === 'readonly' || key === 'ro' ? b! : !b;
        roAuto = false;
        break;
      }
      case 'required': {
        only(type === 'secret' || type === 'ssh');
        const b = parseGoBool(value);
        if (b === undefined) bad();
        required = b!;
        break;
      }
      case 'size': {
        only(type === 'tmpfs');
        const n = ramInBytes(value);
        if (n === undefined) bad();
        v.size = n;
        break;
      }
      case 'id': v.id = value; break;
      case 'env': only(type === 'secret'); v.env = value; break;
      case 'sharing': {
        const s = value.toLowerCase() as MountSharing;
        if (!SHARING.includes(s)) fail('INSTR_MOUNT_INVALID_VALUE', `unsupported sharing value ${JSON.stringify(value)}`, at(field), suggest(value, SHARING, true));
        v.sharing = s;
        break;
      }
      case 'mode': v.mode = parseUint32(value, 8) ?? bad(); break;
      case 'uid': v.uid = parseUint32(value, 10) ?? bad(); break;
      case 'gid': v.gid = parseUint32(value, 10) ?? bad(); break;
      default:
        fail('INSTR_MOUNT_UNKNOWN_KEY', `unexpected key '${key}' in '${field.text}'`, at(field), suggest(key, KEYS, true));
    }
  }
  if (deferred) return null;
  return complete(type, v, { readOnly: roAuto ? type !== 'cache' && type !== 'tmpfs' : readOnly, required }, range);
}

function complete(type: MountType, v: { from?: string; source?: string; target?: string; id?: string; sharing?: MountSharing; env?: string; size?: number; mode?: number; uid?: number; gid?: number }, o: { readOnly: boolean; required: boolean }, range: Range): Mount {
  const fileInfo = type === 'secret' || type === 'ssh' || type === 'cache';
  if (!fileInfo) {
    for (const k of ['mode', 'uid', 'gid'] as const) {
      if (v[k] !== undefined) fail('INSTR_MOUNT_KEY_NOT_ALLOWED', `${k} not allowed for "${type}" type mounts`, range);
    }
  }
  if (v.sharing !== undefined && type !== 'cache') fail('INSTR_MOUNT_KEY_NOT_ALLOWED', `invalid cache sharing set for ${type} mount`, range);
  const target = v.target ?? '';
  switch (type) {
    case 'bind':
      if (target === '') fail('INSTR_MOUNT_INVALID', 'mount target is required', range);
      return { type, target, source: v.source ?? '', from: v.from ?? null, readOnly: o.readOnly };
    case 'cache':
      if (target === '') fail('INSTR_MOUNT_INVALID', 'mount target is required', range);
      return { type, target, id: v.id || target, sharing: v.sharing ?? 'shared', from: v.from ?? null, source: v.source ?? '', readOnly: o.readOnly, mode: v.mode ?? 0o755, uid: v.uid ?? 0, gid: v.gid ?? 0 };
    case 'tmpfs':
      if (target === '') fail('INSTR_MOUNT_INVALID', 'mount target is required', range);
      return { type, target, size: v.size ?? null };
    case 'secret': {
      if (v.from !== undefined) fail('INSTR_MOUNT_INVALID', 'secret mount should not have a from', range);
      if (v.source && v.id) fail('INSTR_MOUNT_INVALID', "both source and id can't be set", range);
      if (!v.source && !v.target && !v.id && !v.env) fail('INSTR_MOUNT_INVALID', 'invalid secret mount. one of source, target, id or env required', range);
      const id = v.id || v.source || basename(target);
      const file = target !== '' ? target : v.env ? null : `/run/secrets/${id}`;
      return { type, id, target: file, env: v.env ?? null, required: o.required, mode: v.mode ?? 0o400, uid: v.uid ?? 0, gid: v.gid ?? 0 };
    }
    case 'ssh':
      if (v.from !== undefined) fail('INSTR_MOUNT_INVALID', 'ssh mount should not have a from', range);
      return { type, id: v.id || 'default', target: target || null, required: o.required, mode: v.mode ?? 0o600, uid: v.uid ?? 0, gid: v.gid ?? 0 };
  }
}

function basename(p: string): string {
  const parts = p.split('/').filter((s) => s !== '');
  return parts[parts.length - 1] ?? '';
}

/** Go's strconv.ParseBool. */
export function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

function parseUint32(s: string, base: 8 | 10): number | undefined {
  if (!(base === 8 ? /^[0-7]+$/ : /^[0-9]+$/).test(s)) return undefined;
  const n = parseInt(s, base);
  return n <= 0xffffffff ? n : undefined;
}

/** docker/go-units RAMInBytes: `64m`, `1.5g`, `512kb`, `100` (bytes); binary multiples. */
export function ramInBytes(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)*) ?([kmgtp])?i?b?$/i.exec(s);
  if (!m) return undefined;
  const n = Number.parseFloat(m[1]!);
  if (Number.isNaN(n)) return undefined;
  const power = m[2] ? 'kmgtp'.indexOf(m[2].toLowerCase()) + 1 : 0;
  return Math.trunc(n * 1024 ** power);
}
