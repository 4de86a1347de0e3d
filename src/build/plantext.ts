import { SlipwayError } from '../errors.js';
import { toInstructions } from '../instructions/index.js';
import { createPlan } from '../plan/index.js';
import type { Platform } from '../plan/types.js';
import type { Diagnostic } from '../syntax/ast.js';
import { parse } from '../syntax/parser.js';
import { graphFromPlan } from './fromplan.js';
import type { ExecGraph, ExecStep } from './graph.js';

/** Dockerfile text to the executor's graph: parse, type, plan; the first error is thrown, located. */
export function planGraph(text: string, o: { file: string; buildArgs: Readonly<Record<string, string>>; target?: string; platform: Platform }): ExecGraph {
  const fail = (d: Diagnostic): never => {
    throw new SlipwayError(d.code === 'PLAN_UNKNOWN_TARGET' ? 'BUILD_UNKNOWN_TARGET' : 'BUILD_DOCKERFILE_ERROR', `${o.file}:${d.range.start.line}:${d.range.start.column}: ${d.message}`);
  };
  const parsed = parse(text, { file: o.file });
  if (parsed.errors.length > 0) fail(parsed.errors[0]!);
  const typed = toInstructions(parsed.ast);
  if (typed.errors.length > 0) fail(typed.errors[0]!);
  const p = createPlan({ instructions: typed.instructions, escape: parsed.escapeToken }, { buildArgs: o.buildArgs, ...(o.target !== undefined ? { target: o.target } : {}), buildPlatform: o.platform, targetPlatform: o.platform });
  if (p.errors.length > 0) fail(p.errors[0]!);
  return graphFromPlan(p, o.file);
}

/**
 * The steps of a base image's ONBUILD triggers, planned as if written at the top of the
 * stage (the plan cannot see image configs, so the executor plans these late).
 */
export function triggerSteps(triggers: readonly string[], o: { file: string; platform: Platform }): ExecStep[] {
  if (triggers.length === 0) return [];
  const graph = planGraph(`FROM scratch\n${triggers.join('\n')}\n`, { file: `${o.file} (ONBUILD)`, buildArgs: {}, platform: o.platform });
  return graph.stages[0]!.steps.map((s) => ({ ...s, text: `ONBUILD ${s.text}` }));
}
