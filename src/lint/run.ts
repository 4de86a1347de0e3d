import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SlipwayError } from '../errors.js';
import { findConfig, loadConfig, mergeConfig, type LintConfig, type Threshold } from './config.js';
import { fix, unifiedDiff } from './fix.js';
import { formatReports, type FileReport, type Format } from './format/index.js';
import { lintDetailed } from './lint.js';
import { LEVELS, type Diagnostic } from './types.js';

/** What `slipway lint` was asked to do, after argument parsing. */
export interface LintRun {
  /** Files, directories, or `-` for stdin. */
  readonly paths: readonly string[];
  readonly cwd: string;
  readonly stdin?: string;
  readonly format: Format;
  /** An explicit config file; otherwise `.slipway.toml` is looked up from each Dockerfile. */
  readonly configFile?: string;
  /** Command-line settings, applied over the config file. */
  readonly overrides: LintConfig;
  readonly failureThreshold?: Threshold;
  readonly fix?: 'write' | 'diff';
  readonly contextDir?: string;
  readonly color: boolean;
}

export interface LintRunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
  readonly reports: readonly FileReport[];
}

const DOCKERFILE = /^(?:Dockerfile|.+\.Dockerfile|Dockerfile\..+)$/;
const SKIP_DIRS = new Set(['.git', 'node_modules']);

/** Every Dockerfile, `*.Dockerfile` and `Dockerfile.*` under a directory, sorted. */
export function findDockerfiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) { if (!SKIP_DIRS.has(entry.name)) walk(full); } else if (entry.isFile() && DOCKERFILE.test(entry.name)) out.push(full);
    }
  };
  walk(dir);
  return out;
}

function expandPaths(run: LintRun): string[] {
  const files: string[] = [];
  for (const p of run.paths.length > 0 ? run.paths : ['Dockerfile']) {
    if (p === '-') { files.push(p); continue; }
    let st;
    try {
      st = statSync(path.resolve(run.cwd, p));
    } catch {
      throw new SlipwayError('LINT_UNREADABLE', `${p}: no such file or directory`, { exitCode: 2 });
    }
    if (st.isDirectory()) {
      const found = findDockerfiles(path.resolve(run.cwd, p)).map((f) => path.join(p, path.relative(path.resolve(run.cwd, p), f)));
      files.push(...found);
    } else files.push(p);
  }
  return files;
}

function read(run: LintRun, file: string): string {
  if (file === '-') return run.stdin ?? '';
  try {
    return readFileSync(path.resolve(run.cwd, file), 'utf8');
  } catch (err) {
    throw new SlipwayError('LINT_UNREADABLE', `${file}: ${(err as NodeJS.ErrnoException).code === 'EISDIR' ? 'is a directory' : 'cannot be read'}`, { exitCode: 2 });
  }
}

/**
 * The config for a file: its `.slipway.toml` merged with the command line, one object per
 * config file, so files that share one also share the linter's rule plan for it.
 */
function configFor(run: LintRun, file: string, cache: Map<string, LintConfig>): LintConfig {
  const found = run.configFile ? path.resolve(run.cwd, run.configFile) : findConfig(file === '-' ? run.cwd : path.dirname(path.resolve(run.cwd, file)));
  const key = found ?? '';
  let merged = cache.get(key);
  if (!merged) cache.set(key, (merged = mergeConfig(found ? loadConfig(found) : {}, run.overrides)));
  return merged;
}

/** Writes a file by temp + rename so a crash never leaves it half-written. */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.slipway-${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

const rank = (level: string): number => LEVELS.indexOf(level as (typeof LEVELS)[number]);

/** Lints (and optionally fixes) every named Dockerfile; never writes outside the named files. */
export function runLint(run: LintRun): LintRunResult {
  const files = expandPaths(run);
  if (files.length === 0) throw new SlipwayError('LINT_NO_FILES', `no Dockerfile found in ${run.paths.join(', ')}`, { exitCode: 2 });
  const cache = new Map<string, LintConfig>();
  const reports: FileReport[] = [];
  let diff = '';
  let fixedStdout = '';
  let parseFailed = false;
  let threshold: Threshold = run.failureThreshold ?? 'info';
  for (const file of files) {
    const text = read(run, file);
    const config = configFor(run, file, cache);
    if (!run.failureThreshold && config.failureThreshold) threshold = config.failureThreshold;
    const options = { config, ...(run.contextDir !== undefined ? { contextDir: path.resolve(run.cwd, run.contextDir) } : {}) };
    let finalText = text;
    let diagnostics: Diagnostic[];
    if (run.fix) {
      const result = fix(text, options);
      finalText = result.text;
      if (run.fix === 'diff') diff += unifiedDiff(text, finalText, `a/${file}`, `b/${file}`);
      else if (file === '-') fixedStdout += finalText;
      else if (finalText !== text) writeAtomic(path.resolve(run.cwd, file), finalText);
    }
    const result = lintDetailed(finalText, options);
    diagnostics = result.diagnostics;
    parseFailed ||= result.parseFailed;
    reports.push({ file, text: finalText, diagnostics });
  }
  const report = formatReports(run.format, reports, { color: run.color });
  const failing = threshold !== 'none' && reports.some((r) => r.diagnostics.some((d) => rank(d.level) <= rank(threshold)));
  const exitCode = parseFailed ? 2 : failing ? 1 : 0;
  // With --fix=diff (or a fixed stdin), stdout carries the patch or text; the report goes to stderr.
  if (run.fix === 'diff') return { stdout: diff, stderr: report, exitCode, reports };
  if (fixedStdout) return { stdout: fixedStdout, stderr: report, exitCode, reports };
  return { stdout: report, stderr: '', exitCode, reports };
}
