import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import TOML from '@ltd/j-toml';
import { SlipwayError } from '../errors.js';
import type { Directive } from '../syntax/ast.js';
import { LEVELS, type Level } from './types.js';

/** The value formats hadolint's label schema knows (DL3049-DL3058). */
export const LABEL_TYPES = ['text', 'url', 'semver', 'hash', 'rfc3339', 'spdx', 'email'] as const;
export type LabelType = (typeof LABEL_TYPES)[number];
export type LabelSchema = Readonly<Record<string, LabelType>>;

export type Threshold = Level | 'none';

/**
 * Linter settings, from the `[lint]` table of `.slipway.toml` (keys spelled as in
 * hadolint's YAML config) merged with command-line flags:
 *
 *     [lint]
 *     ignored = ["DL3008", "StageNameCasing"]
 *     enable = ["InvalidDefinitionDescription"]   # opt-in rules
 *     failure-threshold = "warning"
 *     trusted-registries = ["docker.io", "registry.example.com:5000"]
 *     strict-labels = false
 *     disable-ignore-pragma = false
 *     [lint.override]
 *     error = ["DL3001"]
 *     [lint.label-schema]
 *     version = "semver"
 */
export interface LintConfig {
  readonly ignored?: readonly string[];
  readonly enable?: readonly string[];
  readonly override?: Readonly<Partial<Record<Level, readonly string[]>>>;
  readonly failureThreshold?: Threshold;
  readonly trustedRegistries?: readonly string[];
  readonly labelSchema?: LabelSchema;
  readonly strictLabels?: boolean;
  readonly disableIgnorePragma?: boolean;
}

export const CONFIG_FILE = '.slipway.toml';

/** The nearest `.slipway.toml` in `dir` or a parent directory. */
export function findConfig(dir: string): string | undefined {
  let current = path.resolve(dir);
  for (;;) {
    const candidate = path.join(current, CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

function invalid(file: string, why: string): never {
  throw new SlipwayError('LINT_CONFIG_INVALID', `${file}: ${why}`, { exitCode: 2 });
}

function strings(file: string, key: string, v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return invalid(file, `lint.${key} must be a string or an array of strings`);
}

function bool(file: string, key: string, v: unknown): boolean {
  if (typeof v !== 'boolean') invalid(file, `lint.${key} must be true or false`);
  return v;
}

function table(file: string, key: string, v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) invalid(file, `lint.${key} must be a table`);
  return v as Record<string, unknown>;
}

export function parseThreshold(value: string, where: string): Threshold {
  if (value === 'none' || (LEVELS as readonly string[]).includes(value)) return value as Threshold;
  throw new SlipwayError('LINT_BAD_THRESHOLD', `${where}: failure threshold must be one of error, warning, info, style, none (got ${JSON.stringify(value)})`, { exitCode: 2 });
}

/** Reads the `[lint]` table of a TOML file; other tables belong to other commands. */
export function loadConfig(file: string): LintConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SlipwayError('LINT_CONFIG_UNREADABLE', `cannot read config ${file}: ${(err as Error).message}`, { exitCode: 2 });
  }
  let doc: Record<string, unknown>;
  try {
    doc = TOML.parse(text, { joiner: '\n', bigint: false }) as Record<string, unknown>;
  } catch (err) {
    return invalid(file, (err as Error).message.split('\n')[0]!);
  }
  if (doc.lint === undefined) return {};
  return configFromTable(file, table(file, 'lint', doc.lint));
}

export function configFromTable(file: string, t: Record<string, unknown>): LintConfig {
  const out: { -readonly [K in keyof LintConfig]: LintConfig[K] } = {};
  for (const [key, v] of Object.entries(t)) {
    switch (key) {
      case 'ignored': out.ignored = strings(file, key, v); break;
      case 'enable': out.enable = strings(file, key, v); break;
      case 'trusted-registries': out.trustedRegistries = strings(file, key, v); break;
      case 'strict-labels': out.strictLabels = bool(file, key, v); break;
      case 'disable-ignore-pragma': out.disableIgnorePragma = bool(file, key, v); break;
      case 'failure-threshold':
        if (typeof v !== 'string') invalid(file, 'lint.failure-threshold must be a string');
        out.failureThreshold = parseThreshold(v, file);
        break;
      case 'override': {
        const o: Partial<Record<Level, string[]>> = {};
        for (const [level, rules] of Object.entries(table(file, key, v))) {
          if (!(LEVELS as readonly string[]).includes(level)) invalid(file, `lint.override.${level}: level must be one of ${LEVELS.join(', ')}`);
          o[level as Level] = strings(file, `override.${level}`, rules);
        }
        out.override = o;
        break;
      }
      case 'label-schema': {
        const schema: Record<string, LabelType> = {};
        for (const [label, type] of Object.entries(table(file, key, v))) {
          if (typeof type !== 'string' || !(LABEL_TYPES as readonly string[]).includes(type)) {
            invalid(file, `lint.label-schema.${label} must be one of ${LABEL_TYPES.join(', ')}`);
          }
          schema[label] = type as LabelType;
        }
        out.labelSchema = schema;
        break;
      }
      default:
        invalid(file, `unknown key lint.${key}`);
    }
  }
  return out;
}

/** Later configs win key by key; `ignored` and `enable` lists add up. */
export function mergeConfig(base: LintConfig, over: LintConfig): LintConfig {
  return {
    ...base,
    ...over,
    ignored: [...(base.ignored ?? []), ...(over.ignored ?? [])],
    enable: [...(base.enable ?? []), ...(over.enable ?? [])],
    override: { ...base.override, ...over.override },
  };
}

/** BuildKit's `# check=skip=A,B;error=true;experimental=C` directive. */
export interface CheckDirective {
  readonly skip: readonly string[] | 'all';
  readonly error: boolean;
  readonly experimental: readonly string[] | 'all';
}

export function checkDirective(directives: readonly Directive[]): CheckDirective {
  const d = directives.find((x) => x.name === 'check');
  let skip: string[] | 'all' = [];
  let error = false;
  let experimental: string[] | 'all' = [];
  if (!d) return { skip, error, experimental };
  for (const part of d.value.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    const list = value.split(',').map((s) => s.trim()).filter(Boolean);
    if (key === 'skip') skip = value.toLowerCase() === 'all' ? 'all' : list;
    else if (key === 'error') error = value.toLowerCase() === 'true';
    else if (key === 'experimental') experimental = value.toLowerCase() === 'all' ? 'all' : list;
  }
  return { skip, error, experimental };
}
