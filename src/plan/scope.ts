/**
 * The variables in effect while walking a stage, and expansion against them with errors
 * collected as located diagnostics.
 */
import posix from 'node:path/posix';
import { analyzeWord, type ExpandOptions } from '../shell/index.js';
import type { Diagnostic, Range } from '../syntax/ast.js';
import type { Word } from '../instructions/index.js';

/** BuildKit sets this PATH when the base image has none (Linux). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export class Scope {
  /** What RUN sees and what expansion reads: base env, ENV and ARG values, last writer wins. */
  readonly env: Map<string, string>;
  /** The image config's Env: base env and ENV only. */
  readonly configEnv: Map<string, string>;
  /** ARGs declared in this stage (and inherited from a base stage). */
  readonly args: Map<string, string | null>;
  workdir: string;

  constructor(from?: Scope) {
    this.env = new Map(from?.env);
    this.configEnv = new Map(from?.configEnv);
    this.args = new Map(from?.args);
    this.workdir = from?.workdir ?? '/';
  }

  /** Starts a stage from an image config's `KEY=value` list (or nothing known). */
  static fromImage(env: readonly string[] | undefined, workingDir: string | undefined): Scope {
    const s = new Scope();
    for (const entry of env ?? []) {
      const eq = entry.indexOf('=');
      const k = eq < 0 ? entry : entry.slice(0, eq);
      const v = eq < 0 ? '' : entry.slice(eq + 1);
      s.env.set(k, v);
      s.configEnv.set(k, v);
    }
    if (!s.configEnv.has('PATH')) {
      s.env.set('PATH', DEFAULT_PATH);
      s.configEnv.set('PATH', DEFAULT_PATH);
    }
    if (workingDir) s.workdir = normaliseWorkdir('/', workingDir);
    return s;
  }

  snapshot() {
    return {
      env: Object.fromEntries(this.env),
      configEnv: Object.fromEntries(this.configEnv),
      args: Object.fromEntries(this.args),
      workdir: this.workdir,
    };
  }
}

/** BuildKit's NormalizeWorkdir: relative paths join the current directory. */
export function normaliseWorkdir(current: string, requested: string): string {
  return posix.isAbsolute(requested) ? posix.normalize(requested) : posix.join('/', current, requested);
}

/** Expands words against one environment, collecting errors and unset names. */
export class Expander {
  readonly unset = new Set<string>();
  readonly referenced = new Set<string>();

  constructor(
    private readonly env: ReadonlyMap<string, string>,
    private readonly errors: Diagnostic[],
    private readonly options: ExpandOptions,
  ) {}

  /** The expanded word, or undefined after recording the error. */
  word(w: Word, extra: ExpandOptions = {}): string | undefined {
    const r = analyzeWord(w.value, this.env, { ...this.options, ...extra });
    this.note(r);
    if (r.ok) return r.value;
    this.errors.push({ code: r.error.code, message: r.error.message, range: within(w, r.error.offset, r.error.length), severity: 'error' });
    return undefined;
  }

  /** Expanded and split into words (EXPOSE). */
  words(w: Word): string[] | undefined {
    const r = analyzeWord(w.value, this.env, this.options);
    this.note(r);
    if (r.ok) return [...r.words];
    this.errors.push({ code: r.error.code, message: r.error.message, range: within(w, r.error.offset, r.error.length), severity: 'error' });
    return undefined;
  }

  private note(r: { referenced: readonly string[]; unset: readonly string[] }): void {
    for (const name of r.referenced) this.referenced.add(name);
    for (const name of r.unset) this.unset.add(name);
  }

  /** A plain string without a source range of its own (reported at `range`). */
  text(value: string, range: Range, extra: ExpandOptions = {}): string | undefined {
    return this.word({ value, range: { start: range.start, end: range.start } }, extra);
  }
}

/** An ARG declaration's default as a word, located after `NAME=` when the source allows. */
export function argDefault(decl: { name: string; value: string | null; range: Range }): Word {
  const value = decl.value ?? '';
  const r = decl.range;
  const skip = decl.name.length + 1;
  if (r.start.line !== r.end.line || r.end.offset - r.start.offset !== skip + value.length) return { value, range: { start: r.start, end: r.start } };
  const at = (i: number) => ({ line: r.start.line, column: r.start.column + i, offset: r.start.offset + i });
  return { value, range: { start: at(skip), end: at(skip + value.length) } };
}

/** The part of a word's range an error points at, when the word maps onto one line. */
function within(w: Word, offset: number, length: number): Range {
  const r = w.range;
  if (r.start.line !== r.end.line || r.end.offset - r.start.offset !== w.value.length) return r;
  const at = (i: number) => ({ line: r.start.line, column: r.start.column + i, offset: r.start.offset + i });
  return { start: at(offset), end: at(Math.min(offset + Math.max(length, 1), w.value.length)) };
}
