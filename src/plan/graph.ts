/**
 * Stages and the stage graph: global ARGs, FROM expansion, bases, `COPY --from` and
 * `RUN --mount=from=` references, cycles, the target and what it reaches.
 */
import type { Diagnostic, Range } from '../syntax/ast.js';
import { readCsvRecord, suggest, type ArgInstruction, type FromInstruction, type TypedInstruction } from '../instructions/index.js';
import { parsePlatform } from './platform.js';
import { Expander, argDefault } from './scope.js';
import type { ArgValue, Platform, SourceRef, StageBase, StageDependency } from './types.js';

/** The range of problems that belong to the build options, not to a place in the file. */
export const NOWHERE = { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };

/** Codes whose range is NOWHERE: print them without a location. */
export const UNLOCATED_CODES: ReadonlySet<string> = new Set(['PLAN_UNKNOWN_TARGET', 'PLAN_UNUSED_BUILD_ARG', 'PLAN_NO_STAGES']);

export interface RawStage {
  readonly index: number;
  readonly from: FromInstruction;
  readonly commands: readonly TypedInstruction[];
  baseName: string;
  base: StageBase;
  platform: string | null;
  dependencies: StageDependency[];
  /** Global ARGs the FROM line's expansion used (set ones only). */
  fromArgs: string[];
}

export function splitStages(instructions: readonly TypedInstruction[]): { meta: ArgInstruction[]; stages: RawStage[] } {
  const meta: ArgInstruction[] = [];
  const stages: RawStage[] = [];
  let current: TypedInstruction[] | null = null;
  for (const ins of instructions) {
    if (ins.type === 'from') {
      current = [];
      stages.push({ index: stages.length, from: ins, commands: current, baseName: '', base: { type: 'scratch' }, platform: null, dependencies: [], fromArgs: [] });
    } else if (current) current.push(ins);
    else if (ins.type === 'arg') meta.push(ins);
  }
  return { meta, stages };
}

/** ARGs before the first FROM: a `--build-arg` wins, else the default expanded with the globals so far. */
export function resolveGlobalArgs(meta: readonly ArgInstruction[], globals: Map<string, string>, buildArgs: Readonly<Record<string, string>>, errors: Diagnostic[], escape: '\\' | '`'): ArgValue[] {
  const out: ArgValue[] = [];
  for (const ins of meta) {
    for (const decl of ins.args) {
      let value: string | null = null;
      let references: string[] = [];
      if (Object.hasOwn(buildArgs, decl.name)) value = buildArgs[decl.name]!;
      else if (decl.value !== null) {
        const ex = new Expander(globals, errors, { escape });
        value = ex.word(argDefault(decl)) ?? null;
        references = [...ex.referenced].filter((n) => n !== decl.name && !ex.unset.has(n));
      }
      if (value !== null) globals.set(decl.name, value);
      out.push({ name: decl.name, value, default: decl.value, description: decl.description, range: decl.range, references });
    }
  }
  return out;
}

/** Expands every FROM with the global ARGs and links each stage to an earlier one it names. */
export function resolveBases(stages: RawStage[], globals: ReadonlyMap<string, string>, errors: Diagnostic[], escape: '\\' | '`', host: Platform): void {
  const byName = new Map<string, number>();
  for (const st of stages) {
    const ex = new Expander(globals, errors, { escape });
    const name = ex.word(st.from.image);
    if (name === '') {
      errors.push({ code: 'PLAN_BLANK_BASE', message: `base name (${st.from.image.value}) should not be blank`, range: st.from.image.range, severity: 'error' });
    }
    st.baseName = name ?? st.from.image.value;
    if (st.from.platform) {
      st.platform = ex.word(st.from.platform) ?? null;
      const problem = st.platform === '' ? `empty platform value from expression ${st.from.platform.value}` : st.platform === null ? undefined : parsePlatform(st.platform, host);
      if (typeof problem === 'string') errors.push({ code: 'PLAN_INVALID_PLATFORM', message: problem, range: st.from.platform.range, severity: 'error' });
    }
    st.fromArgs = [...ex.referenced].filter((n) => !ex.unset.has(n));
    // BuildKit looks the expanded name up as written among earlier stages' lowercased names.
    const earlier = byName.get(st.baseName);
    if (earlier !== undefined) {
      st.base = { type: 'stage', index: earlier };
      st.dependencies.push({ index: earlier, via: 'from', range: st.from.image.range });
    } else {
      st.base = st.baseName === 'scratch' ? { type: 'scratch' } : { type: 'image', ref: st.baseName };
    }
    if (st.from.stageName) byName.set(st.from.stageName.value, st.index);
  }
}

/**
 * Resolves a `--from` value: a stage index (COPY only, as BuildKit), a stage name (any
 * stage, earlier or not; order is checked later), or else an image or named context.
 */
export function resolveSource(value: string, range: Range, stages: readonly RawStage[], errors: Diagnostic[], allowIndex = true): SourceRef | null {
  if (allowIndex && /^[+-]?\d+$/.test(value)) {
    const index = Number(value);
    if (index < 0 || index >= stages.length) {
      errors.push({ code: 'PLAN_INVALID_STAGE_INDEX', message: `invalid stage index ${index}`, range, severity: 'error' });
      return null;
    }
    return { type: 'stage', index };
  }
  const lower = value.toLowerCase();
  let found: RawStage | undefined;
  for (const st of stages) if (st.from.stageName?.value === lower) found = st;
  return found ? { type: 'stage', index: found.index } : { type: 'image', ref: value };
}

/** The `from=` of a raw `--mount` value (never expanded: the checker refused variables). */
export function mountFrom(raw: string): string | null {
  const fields = readCsvRecord(raw);
  if (typeof fields === 'string') return null;
  let from: string | null = null;
  for (const f of fields) {
    const eq = f.text.indexOf('=');
    if (eq > 0 && f.text.slice(0, eq).toLowerCase() === 'from') from = f.text.slice(eq + 1);
  }
  return from;
}

/** The stages a command reads from (COPY --from, RUN --mount=from=). */
export function commandSources(cmd: TypedInstruction, stages: readonly RawStage[], errors: Diagnostic[]): { ref: SourceRef; via: 'copy' | 'mount'; range: Range }[] {
  const out: { ref: SourceRef; via: 'copy' | 'mount'; range: Range }[] = [];
  if (cmd.type === 'copy' && cmd.from) {
    const ref = resolveSource(cmd.from.value, cmd.from.range, stages, errors);
    if (ref) out.push({ ref, via: 'copy', range: cmd.from.range });
  }
  if (cmd.type === 'run') {
    for (const m of cmd.mounts) {
      const from = mountFrom(m.raw.value);
      if (from === null || from === '') continue;
      const ref = resolveSource(from, m.raw.range, stages, errors, false);
      if (ref) out.push({ ref, via: 'mount', range: m.raw.range });
    }
  }
  return out;
}

/** ONBUILD triggers of a stage, inherited by stages built FROM it (they run first). */
export function onbuildTriggers(stage: RawStage): TypedInstruction[] {
  return stage.commands.flatMap((c) => (c.type === 'onbuild' && c.trigger ? [c.trigger] : []));
}

export function linkDependencies(stages: RawStage[], errors: Diagnostic[]): void {
  for (const st of stages) {
    const inherited = st.base.type === 'stage' ? onbuildTriggers(stages[st.base.index]!) : [];
    for (const cmd of [...inherited, ...st.commands]) {
      for (const src of commandSources(cmd, stages, errors)) {
        if (src.ref.type !== 'stage') continue;
        const index = src.ref.index;
        if (!st.dependencies.some((d) => d.index === index && d.via === src.via)) {
          st.dependencies.push({ index, via: src.via, range: src.range });
        }
      }
    }
  }
}

/** Reports the first cycle reachable from each stage (BuildKit: "circular dependency detected"). */
export function findCycles(stages: readonly RawStage[], errors: Diagnostic[]): boolean {
  const state = new Map<number, 'visiting' | 'done'>();
  let found = false;
  const visit = (i: number, path: string[]): void => {
    if (state.get(i) === 'done') return;
    state.set(i, 'visiting');
    for (const dep of stages[i]!.dependencies) {
      const name = stages[dep.index]!.from.stageName?.value ?? String(dep.index);
      if (state.get(dep.index) === 'visiting') {
        found = true;
        errors.push({ code: 'PLAN_CIRCULAR_DEPENDENCY', message: `circular dependency detected on stage: ${[...path, name].join(' -> ')}`, range: dep.range, severity: 'error' });
        continue;
      }
      visit(dep.index, [...path, name]);
    }
    state.set(i, 'done');
  };
  for (const st of stages) visit(st.index, [st.from.stageName?.value ?? String(st.index)]);
  return found;
}

/** The target stage's index, or undefined after reporting an unknown `--target`. */
export function resolveTarget(stages: readonly RawStage[], target: string | undefined, errors: Diagnostic[]): number | undefined {
  if (target === undefined || target === '') return stages.length - 1;
  const lower = target.toLowerCase();
  let found: number | undefined;
  for (const st of stages) if (st.from.stageName?.value === lower) found = st.index;
  if (found === undefined) {
    const names = stages.flatMap((s) => (s.from.stageName ? [s.from.stageName.value] : []));
    const hint = suggest(target, names, true);
    errors.push({ code: 'PLAN_UNKNOWN_TARGET', message: `target stage ${JSON.stringify(target)} could not be found${hint ? ` (did you mean ${hint}?)` : ''}`, range: NOWHERE, severity: 'error' });
  }
  return found;
}

/** Stage indices the target needs (itself, its bases, what it copies or mounts from), in order. */
export function reachable(stages: readonly RawStage[], target: number): number[] {
  const seen = new Set<number>();
  const walk = (i: number): void => {
    if (seen.has(i)) return;
    seen.add(i);
    for (const d of stages[i]!.dependencies) walk(d.index);
  };
  walk(target);
  return [...seen].sort((a, b) => a - b);
}
