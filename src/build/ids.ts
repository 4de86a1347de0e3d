import type { ExecGraph, ExecStage } from './graph.js';

/**
 * Stage labels in progress names, as BuildKit prints them: the `AS` name, else
 * `stage-N`; a single-stage build has no label at all.
 */
export function stageLabel(graph: ExecGraph, index: number): string {
  if (graph.stageCount === 1) return '';
  const s = stageAt(graph, index);
  return s.name ?? `stage-${s.index}`;
}

export function stageAt(graph: ExecGraph, index: number): ExecStage {
  const s = graph.stages.find((st) => st.index === index);
  if (!s) throw new Error(`stage ${index} is not in the plan`);
  return s;
}

/** The stages the target needs, dependencies first (stages not needed are skipped). */
export function neededStages(graph: ExecGraph): number[] {
  const seen = new Set<number>();
  const order: number[] = [];
  const visit = (i: number, path: Set<number>) => {
    if (seen.has(i)) return;
    if (path.has(i)) throw new Error(`stage dependency cycle at stage ${i}`);
    path.add(i);
    const s = stageAt(graph, i);
    for (const d of s.deps) visit(d, path);
    path.delete(i);
    seen.add(i);
    order.push(i);
  };
  visit(graph.target, new Set());
  return order;
}
