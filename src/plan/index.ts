/**
 * The build plan (see types.ts for its shape): pure data computed from typed
 * instructions and build options. No filesystem, no network, no process environment.
 */
import { parse } from '../syntax/index.js';
import type { Diagnostic } from '../syntax/ast.js';
import { toInstructions, type TypedInstruction } from '../instructions/index.js';
import { NOWHERE, findCycles, linkDependencies, onbuildTriggers, reachable, resolveBases, resolveGlobalArgs, resolveTarget, splitStages, type RawStage } from './graph.js';
import { hostPlatform, isPredefinedArg, platformArgs, proxyEnv } from './platform.js';
import { Scope } from './scope.js';
import { stageDoc } from './outline.js';
import { walkStage } from './steps.js';
import type { BuildArgUse, BuildPlan, PlanOptions, PlannedStage } from './types.js';

export type * from './types.js';
export { formatPlatform, hostPlatform, parsePlatform } from './platform.js';
export { DEFAULT_PATH } from './scope.js';
export { UNLOCATED_CODES } from './graph.js';
export { listTargets, outline, stageDoc, type Outline, type OutlineArg, type OutlineSecret, type Target, type TargetsResult } from './outline.js';

export interface PlanInput {
  readonly instructions: readonly TypedInstruction[];
  /** The Dockerfile's escape token (`# escape=`). Default `\`. */
  readonly escape?: '\\' | '`';
}


/** Plans a build from typed instructions. Never throws for bad input: problems are in `errors`. */
export function createPlan(input: PlanInput, options: PlanOptions = {}): BuildPlan {
  const escape = input.escape ?? '\\';
  const buildArgs = options.buildArgs ?? {};
  const buildPlatform = options.buildPlatform ?? hostPlatform();
  const targetPlatform = options.targetPlatform ?? buildPlatform;
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const { meta, stages } = splitStages(input.instructions);
  const empty = (): BuildPlan => ({
    stages: [], target: -1, stageCount: stages.length, globalArgs: [], buildArgs: [], buildPlatform, targetPlatform,
    proxyEnv: proxyEnv(buildArgs), errors, warnings,
  });
  if (stages.length === 0) {
    errors.push({ code: 'PLAN_NO_STAGES', message: 'dockerfile contains no stages to build', range: NOWHERE, severity: 'error' });
    return empty();
  }
  const target = resolveTarget(stages, options.target, errors);
  const targetName = target === undefined ? '' : stages[target]!.from.stageName?.value ?? '';
  const globals = platformArgs(buildPlatform, targetPlatform, targetName, buildArgs);
  const globalArgs = resolveGlobalArgs(meta, globals, buildArgs, errors, escape);
  resolveBases(stages, globals, errors, escape, buildPlatform);
  linkDependencies(stages, errors);
  if (target === undefined || findCycles(stages, errors) || errors.length > 0) return { ...empty(), globalArgs };

  const order = reachable(stages, target);
  const declared = new Set<string>(meta.flatMap((m) => m.args.map((a) => a.name)));
  const finalScopes = new Map<number, Scope>();
  const planned: PlannedStage[] = [];
  for (const index of order) {
    const st = stages[index]!;
    for (const dep of st.dependencies) {
      if (dep.index >= index) {
        const name = stages[dep.index]!.from.stageName?.value ?? String(dep.index);
        errors.push({ code: 'PLAN_STAGE_ORDER', message: `cannot ${dep.via === 'mount' ? 'mount' : 'copy'} from stage ${JSON.stringify(name)}, it needs to be defined before current stage`, range: dep.range, severity: 'error' });
      }
    }
    const { scope, known } = startScope(st, finalScopes, options);
    const triggers = st.base.type === 'stage' ? onbuildTriggers(stages[st.base.index]!) : [];
    const commands = [...triggers.map((ins) => ({ ins, onbuild: true })), ...st.commands.map((ins) => ({ ins, onbuild: false }))];
    const steps = walkStage(commands, scope, { globals, buildArgs, stages, errors, escape, declared });
    finalScopes.set(index, scope);
    planned.push({
      index, name: st.from.stageName?.value ?? null, base: st.base, baseName: st.baseName, platform: st.platform,
      description: stageDoc(st.from), range: st.from.range, dependencies: st.dependencies, fromArgs: st.fromArgs, baseConfigKnown: known, steps,
    });
  }
  const uses: BuildArgUse[] = Object.keys(buildArgs).sort().map((name) => ({ name, value: buildArgs[name]!, used: declared.has(name) || isPredefinedArg(name) }));
  for (const u of uses) {
    if (!u.used) warnings.push({ code: 'PLAN_UNUSED_BUILD_ARG', message: `build-arg ${u.name} was not consumed by any ARG`, range: NOWHERE, severity: 'warning' });
  }
  return { stages: planned, target, stageCount: stages.length, globalArgs, buildArgs: uses, buildPlatform, targetPlatform, proxyEnv: proxyEnv(buildArgs), errors, warnings };
}

/**
 * Parses, types and plans Dockerfile text held in memory: the whole front end in one
 * call. Parse and instruction problems come first in `errors`/`warnings`.
 */
export function planDockerfile(text: string, options: PlanOptions = {}): BuildPlan {
  const parsed = parse(text);
  if (parsed.errors.length > 0) {
    const p = createPlan({ instructions: [] }, options);
    return { ...p, errors: [...parsed.errors], warnings: [...parsed.warnings] };
  }
  const typed = toInstructions(parsed.ast);
  const p = createPlan({ instructions: typed.instructions, escape: parsed.escapeToken }, options);
  return { ...p, errors: [...typed.errors, ...p.errors], warnings: [...parsed.warnings, ...typed.warnings, ...p.warnings] };
}

function startScope(st: RawStage, done: ReadonlyMap<number, Scope>, options: PlanOptions): { scope: Scope; known: boolean } {
  if (st.base.type === 'stage') {
    const parent = done.get(st.base.index);
    return { scope: new Scope(parent), known: parent !== undefined };
  }
  if (st.base.type === 'scratch') return { scope: Scope.fromImage(undefined, undefined), known: true };
  const config = options.imageConfig?.(st.base.ref);
  return { scope: Scope.fromImage(config?.env, config?.workingDir), known: config !== undefined };
}
