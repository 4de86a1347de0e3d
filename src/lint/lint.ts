import { parse } from '../syntax/index.js';
import type { Instruction, ParseResult, Range } from '../syntax/ast.js';
import type { LabelSchema, LintConfig } from './config.js';
import { buildModel, keywordsIn, type Model, type Stage } from './model.js';
import { planFor, type Plan } from './rule-plan.js';
import { LineIndex } from './position.js';
import { ALL_RULES } from './rules/index.js';
import { parseScript, type Script } from './shell.js';
import { collectSuppressions } from './suppress.js';
import type { Diagnostic, Level, Rule, RuleContext, RuleSettings, RunInfo, TextEdit } from './types.js';

export interface LintOptions {
  /** Settings from `.slipway.toml` and the command line. */
  readonly config?: LintConfig;
  /** The build context, enabling CopyIgnoredFile. */
  readonly contextDir?: string;
  /** `.dockerignore` patterns; read from `contextDir` when not given. */
  readonly dockerignore?: readonly string[];
  /** The rules to run (default: all of them, opt-in ones only when enabled). */
  readonly rules?: readonly Rule[];
}

export interface LintResult {
  readonly diagnostics: Diagnostic[];
  readonly parse: ParseResult;
  /** The file could not be parsed (its parse error is among the diagnostics). */
  readonly parseFailed: boolean;
}

/** Lints one Dockerfile. Findings come back sorted by position, then code. */
export function lint(text: string, options: LintOptions = {}): Diagnostic[] {
  return lintDetailed(text, options).diagnostics;
}

export function lintDetailed(text: string, options: LintOptions = {}): LintResult {
  const parsed = parse(text);
  const config = options.config ?? NO_CONFIG;
  const out: Diagnostic[] = [];
  for (const e of parsed.errors) out.push({ code: e.code, level: 'error', message: e.message, range: e.range });
  const model = buildModel(parsed.ast, parsed.escapeToken);
  const settings: { -readonly [K in keyof RuleSettings]: RuleSettings[K] } = {
    trustedRegistries: config.trustedRegistries ?? NO_REGISTRIES,
    labelSchema: config.labelSchema ?? NO_LABELS,
    strictLabels: config.strictLabels ?? false,
  };
  if (options.contextDir !== undefined) settings.contextDir = options.contextDir;
  if (options.dockerignore !== undefined) settings.dockerignore = options.dockerignore;
  const ctx = new Context(text, parsed, model, settings, hasNonPosixPragma(parsed), out);
  const plan = planFor(options.rules ?? ALL_RULES, config, parsed.directives);
  const steps = plan.steps;
  // Rules about programs (apt-get, pip, yum...) run only for files whose RUNs run one.
  const wanted = plan.byCommand.size > 0 ? stepsForCommands(plan, ctx) : undefined;
  // Rules about some instructions (EXPOSE, MAINTAINER...) only for files that have one.
  const keywords = keywordsIn(model);
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    if (step.commands !== undefined && wanted![i] === 0) continue;
    if (step.keywords !== 0 && (keywords & step.keywords) === 0) continue;
    ctx.code = step.name;
    ctx.level = step.level;
    step.check.call(step.rule, ctx);
  }
  if (wanted !== undefined) spareMarks = wanted;

  // Most files have no pragma at all; skip the walk then.
  const pragmas = !config.disableIgnorePragma && parsed.ast.comments.some((c) => c.text.includes('ignore'));
  const suppressions = pragmas ? collectSuppressions(parsed.ast) : undefined;
  const kept = suppressions ? out.filter((d) => !suppressions.suppressed(d.code, d.range.start.offset)) : out;
  sortFindings(kept);
  return { diagnostics: kept, parse: parsed, parseFailed: parsed.errors.length > 0 };
}

/**
 * Marks the steps about a program some RUN of the file runs. The marks live in one array
 * reused from file to file (allocating a typed array is costly); a nested lint while one
 * is taken gets its own.
 */
let spareMarks: Uint8Array | undefined = new Uint8Array(128);

function stepsForCommands(plan: Plan, ctx: Context): Uint8Array {
  const n = plan.steps.length;
  let wanted = spareMarks;
  spareMarks = undefined;
  if (wanted === undefined || wanted.length < n) wanted = new Uint8Array(Math.max(n, 128));
  else wanted.fill(0, 0, n);
  if (ctx.runs().length === 0) return wanted;
  for (const name of ctx.commandNames()) {
    const steps = plan.byCommand.get(name);
    if (steps) for (let i = 0; i < steps.length; i++) wanted[steps[i]!] = 1;
  }
  return wanted;
}

const byPosition = (a: Diagnostic, b: Diagnostic): number => a.range.start.offset - b.range.start.offset || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);

/**
 * Stable sort by position, then code. A file has a handful of findings: an insertion sort
 * in place allocates nothing, where Array.prototype.sort copies the array first.
 */
function sortFindings(list: Diagnostic[]): void {
  if (list.length > 32) { list.sort(byPosition); return; }
  for (let i = 1; i < list.length; i++) {
    const d = list[i]!;
    let j = i - 1;
    while (j >= 0 && byPosition(list[j]!, d) > 0) { list[j + 1] = list[j]!; j--; }
    list[j + 1] = d;
  }
}

const NO_CONFIG: LintConfig = {};
const NO_REGISTRIES: readonly string[] = [];
const NO_LABELS: LabelSchema = {};

/**
 * One context for all rules of a file; `report` files findings under the rule being run
 * (`code`, `level`). A class rather than an object literal with a getter and closures:
 * one shape, methods on the prototype, nothing allocated per file beyond the instance.
 */
class Context implements RuleContext {
  code = '';
  level: Level = 'info';
  private lineIndex: LineIndex | undefined;
  private runList: Run[] | undefined;
  private names: ReadonlySet<string> | undefined;
  constructor(
    readonly text: string,
    readonly parse: ParseResult,
    readonly model: Model,
    readonly settings: RuleSettings,
    private readonly nonPosix: boolean,
    private readonly out: Diagnostic[],
  ) {}

  get index(): LineIndex {
    return (this.lineIndex ??= new LineIndex(this.text));
  }

  runs(): Run[] {
    if (this.runList) return this.runList;
    const list: Run[] = (this.runList = []);
    if (this.nonPosix) return list;
    const instructions = this.parse.ast.instructions;
    // Without any SHELL instruction every RUN uses the default shell: no per-stage lookups.
    let shells = false;
    for (const ins of instructions) if (ins.name === 'shell') { shells = true; break; }
    for (const ins of instructions) {
      const run = ins.body.type === 'Onbuild' ? ins.body.instruction : ins;
      if (run.name !== 'run') continue;
      const stage = this.model.stageOf(ins);
      const text = scriptTextOf(ins, run, stage, shells);
      if (text !== undefined) list.push(new Run(ins, stage, text));
    }
    return list;
  }

  commandNames(): ReadonlySet<string> {
    if (this.names) return this.names;
    const all = new Set<string>();
    for (const run of this.runs()) for (const n of run.script.byName.keys()) all.add(n);
    return (this.names = all);
  }

  /** The script of a RUN: a binary search of the RUN list, which is in source order. */
  script(ins: Instruction): Script | undefined {
    const list = this.runs();
    const offset = ins.range.start.offset;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = list[mid]!.ins;
      if (at === ins) return list[mid]!.script;
      if (at.range.start.offset < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  report(range: Range, message: string, fix?: readonly TextEdit[] | (() => readonly TextEdit[] | undefined)): void {
    if (typeof fix === 'function') this.out.push(lazyFix(this.code, this.level, message, range, fix));
    else if (fix && fix.length > 0) this.out.push({ code: this.code, level: this.level, message, range, fix });
    else this.out.push({ code: this.code, level: this.level, message, range });
  }
}

/**
 * A finding whose `fix` is computed when first read: a plain object whose `fix` is an own,
 * enumerable accessor, so JSON and spreads see it like any property. The accessor is one
 * shared descriptor, not a closure per finding: a fresh accessor per object gives each
 * object its own hidden class, which (being long-lived) kept every file's closures and
 * syntax tree alive through young-generation collections until the next full one. The
 * pending computation lives in a private field put on the plain object by PendingFix
 * (a base constructor that returns its argument makes `new` add the field to that object):
 * invisible to keys, JSON, spreads and equality checks, and cheaper than a second
 * defineProperty.
 */
class ReturnsArgument {
  constructor(target: object) {
    return target;
  }
}

type FixState = (() => readonly TextEdit[] | undefined) | { readonly edits: readonly TextEdit[] | undefined };

class PendingFix extends ReturnsArgument {
  #state: FixState;
  constructor(target: object, compute: () => readonly TextEdit[] | undefined) {
    super(target);
    this.#state = compute;
  }

  static read(finding: object): readonly TextEdit[] | undefined {
    const self = finding as PendingFix;
    const state = self.#state;
    if (typeof state !== 'function') return state.edits;
    const edits = nonEmpty(state());
    self.#state = { edits };
    return edits;
  }
}

const FIX_ACCESSOR: PropertyDescriptor = {
  get(this: object): readonly TextEdit[] | undefined {
    return PendingFix.read(this);
  },
  enumerable: true,
  configurable: true,
};

function lazyFix(code: string, level: Level, message: string, range: Range, compute: () => readonly TextEdit[] | undefined): Diagnostic {
  const d = { code, level, message, range };
  new PendingFix(d, compute);
  Object.defineProperty(d, 'fix', FIX_ACCESSOR);
  return d;
}

const nonEmpty = (edits: readonly TextEdit[] | undefined): readonly TextEdit[] | undefined => (edits && edits.length > 0 ? edits : undefined);

/** `# hadolint shell=powershell`: the base image's shell is not POSIX; skip shell rules. */
function hasNonPosixPragma(parsed: ParseResult): boolean {
  for (const c of parsed.ast.comments) if (SHELL_PRAGMA.test(c.text)) return true;
  return false;
}

const SHELL_PRAGMA = /^(?:hadolint|slipway)\s+shell\s*=\s*(?:pwsh|powershell|cmd)/i;

const NON_POSIX = /^(?:.*[\\/])?(?:pwsh|powershell|cmd)(?:\.exe)?$/i;

/** The stage's SHELL in effect at `ins`, if set by a SHELL instruction before it. */
export function shellAt(ins: Instruction, stage: Stage | undefined): readonly string[] | undefined {
  if (!stage?.hasShell) return undefined;
  let shell: readonly string[] | undefined;
  for (let s: Stage | undefined = stage; s && !shell; s = s.parent) {
    for (const other of s.instructions) {
      if (s === stage && other === ins) break;
      if (other.name === 'shell' && other.json) shell = other.args.map((a) => a.value);
    }
  }
  return shell;
}

const HEREDOC_ONLY = /^\s*(?:\d*<<-?\S+\s*)+$/;

/** What RUN runs, as shell script text (undefined for other instructions and non-POSIX shells). */
function scriptTextOf(ins: Instruction, run: Instruction, stage: Stage | undefined, shells: boolean): string | undefined {
  const shell = shells ? shellAt(ins, stage) : undefined;
  if (shell && NON_POSIX.test(shell[0] ?? '')) return undefined;
  const body = run.body;
  if (body.type === 'Json') {
    const words = body.elements.map((e) => e.value);
    const c = words.indexOf('-c');
    if (c > 0 && /(?:^|\/)(?:ba|da|z|a)?sh$/.test(words[0]!) && c + 1 < words.length) return words[c + 1]!;
    return words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  }
  if (body.type !== 'Shell') return undefined;
  const command = body.command.value;
  if (run.heredocs.length === 0) return command;
  const parts = HEREDOC_ONLY.test(command) && run.heredocs.length > 0 ? run.heredocs.map((h) => h.content) : [command, ...run.heredocs.filter((h) => /^(?:ba|da|z|a)?sh\b/.test(command.trim())).map((h) => h.content)];
  return parts.join('\n');
}

/** A RUN whose script is tokenized only when a rule looks past its text. */
class Run implements RunInfo {
  private parsed: Script | undefined;
  constructor(readonly ins: Instruction, readonly stage: Stage | undefined, readonly text: string) {}
  get script(): Script {
    return (this.parsed ??= parseScript(this.text));
  }
}
