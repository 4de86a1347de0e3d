/**
 * Walks one stage's instructions in order, keeping BuildKit's ARG/ENV scoping:
 * - a stage ARG takes effect from its line; `--build-arg` beats its default; an ARG with
 *   neither re-imports the global ARG (or automatic platform ARG) of that name;
 * - ARG values and ENV values share one build environment, last writer wins (so an ENV
 *   after an ARG of the same name beats it); only ENV reaches the image config;
 * - every value of one ENV/LABEL instruction is expanded with the environment from
 *   before that instruction;
 * - a stage built FROM another starts with that stage's environment, ARGs and workdir,
 *   and runs the other stage's ONBUILD triggers first.
 */
import type { Diagnostic } from '../syntax/ast.js';
import type { ArgInstruction, EnvInstruction, TypedInstruction } from '../instructions/index.js';
import { expandInstruction } from './expand.js';
import type { RawStage } from './graph.js';
import { Expander, Scope, argDefault, normaliseWorkdir } from './scope.js';
import type { ExpandedInstruction, PlanStep } from './types.js';

export interface WalkContext {
  readonly globals: ReadonlyMap<string, string>;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly stages: readonly RawStage[];
  readonly errors: Diagnostic[];
  readonly escape: '\\' | '`';
  /** Every ARG name declared in the stages walked (for the unused --build-arg check). */
  readonly declared: Set<string>;
}

/** Builds the steps of one stage from `scope` (which it updates to the stage's final state). */
export function walkStage(commands: readonly { ins: TypedInstruction; onbuild: boolean }[], scope: Scope, ctx: WalkContext): PlanStep[] {
  const steps: PlanStep[] = [];
  for (const { ins, onbuild } of commands) {
    const before = scope.snapshot();
    const ex = new Expander(new Map(scope.env), ctx.errors, { escape: ctx.escape });
    let expanded: ExpandedInstruction | undefined;
    if (ins.type === 'arg') expanded = applyArg(ins, scope, ex, ctx);
    else if (ins.type === 'env') expanded = applyEnv(ins, scope, ex);
    else if (ins.type === 'from') continue;
    else {
      expanded = expandInstruction(ins, { ex, errors: ctx.errors, stages: ctx.stages });
      if (expanded?.type === 'workdir') scope.workdir = normaliseWorkdir(scope.workdir, expanded.path);
    }
    if (!expanded) continue;
    steps.push({ instruction: expanded, source: ins, onbuild, ...before, unset: [...ex.unset] });
  }
  return steps;
}

function applyArg(ins: ArgInstruction, scope: Scope, ex: Expander, ctx: WalkContext): ExpandedInstruction | undefined {
  const args: { name: string; value: string | null }[] = [];
  for (const decl of ins.args) {
    ctx.declared.add(decl.name);
    const hasBuildArg = Object.hasOwn(ctx.buildArgs, decl.name);
    let value: string | null = null;
    if (hasBuildArg) value = ctx.buildArgs[decl.name]!;
    else if (decl.value !== null) {
      // Each default sees the ARGs declared before it on the same line, as BuildKit
      // updates the state between them.
      const own = new Expander(new Map(scope.env), ctx.errors, { escape: ctx.escape });
      const v = own.word(argDefault(decl));
      for (const n of own.unset) ex.unset.add(n);
      if (v === undefined) return undefined;
      value = v;
    } else if (ctx.globals.has(decl.name)) value = ctx.globals.get(decl.name)!;
    if (value !== null) scope.env.set(decl.name, value);
    scope.args.set(decl.name, value);
    args.push({ name: decl.name, value });
  }
  return { type: 'arg', args };
}

function applyEnv(ins: EnvInstruction, scope: Scope, ex: Expander): ExpandedInstruction | undefined {
  const pairs: { key: string; value: string }[] = [];
  for (const p of ins.pairs) {
    const key = ex.word(p.key);
    const value = ex.word(p.value);
    if (key === undefined || value === undefined) return undefined;
    pairs.push({ key, value });
  }
  for (const { key, value } of pairs) {
    scope.env.set(key, value);
    scope.configEnv.set(key, value);
  }
  return { type: 'env', pairs };
}
