import { SlipwayError } from '../errors.js';
import { toInstructions } from '../instructions/index.js';
import { createPlan } from '../plan/index.js';
import type { Platform } from '../plan/types.js';
import type { Diagnostic } from '../syntax/ast.js';
import { parse } from '../syntax/parser.js';
import { graphFromPlan } from './fromplan.js';
import type { ExecGraph } from './graph.js';

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
