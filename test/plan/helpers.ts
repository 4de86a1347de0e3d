import assert from 'node:assert/strict';
import { parse } from '../../src/syntax/index.js';
import { toInstructions } from '../../src/instructions/index.js';
import { createPlan, type BuildPlan, type PlanOptions, type PlannedStage } from '../../src/plan/index.js';

export const AMD64 = { os: 'linux', architecture: 'amd64' };

/** Plans a Dockerfile given as lines; the text must parse and type cleanly. */
export function plan(lines: string[], options: PlanOptions = {}): BuildPlan {
  const parsed = parse(lines.join('\n') + '\n');
  assert.deepEqual(parsed.errors, []);
  const typed = toInstructions(parsed.ast);
  assert.deepEqual(typed.errors, []);
  return createPlan({ instructions: typed.instructions, escape: parsed.escapeToken }, { buildPlatform: AMD64, ...options });
}

/** The labels the stage's LABEL steps set, in order (later keys win). */
export function labels(stage: PlannedStage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of stage.steps) {
    if (s.instruction.type === 'label') for (const p of s.instruction.pairs) out[p.key] = p.value;
  }
  return out;
}

export function last<T>(xs: readonly T[]): T {
  return xs[xs.length - 1]!;
}
