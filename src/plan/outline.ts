/**
 * BuildKit's `outline` and `targets` subrequests: what a build takes (its ARGs with
 * values and descriptions, secrets, SSH sockets, cache mounts) and which stages a
 * Dockerfile offers as targets. Both are pure functions of the text and options.
 */
import type { Range } from '../syntax/ast.js';
import { parse } from '../syntax/index.js';
import { toInstructions, type FromInstruction } from '../instructions/index.js';
import type { BuildPlan } from './types.js';

export interface OutlineArg {
  readonly name: string;
  readonly description: string;
  /** The value the build would use (default or --build-arg), null if none. */
  readonly value: string | null;
  readonly range: Range;
}

export interface OutlineSecret {
  readonly name: string;
  readonly required: boolean;
  readonly range: Range;
}

export interface Outline {
  /** The target stage's name, null when unnamed. */
  readonly name: string | null;
  readonly description: string;
  readonly args: readonly OutlineArg[];
  readonly secrets: readonly OutlineSecret[];
  readonly ssh: readonly OutlineSecret[];
  readonly cache: readonly { readonly id: string; readonly range: Range }[];
}

/**
 * The parameters of the planned build: global ARGs its FROM lines use (and the globals
 * their defaults use), every ARG its stages declare (a value-less ARG that re-imports a
 * global shows the global's definition), and the secrets, SSH and cache mounts of its
 * RUN steps. Sorted by position; one entry per name (the last definition wins).
 */
export function outline(plan: BuildPlan): Outline {
  const globals = new Map(plan.globalArgs.map((a) => [a.name, a]));
  const buildArgs = new Map(plan.buildArgs.map((b) => [b.name, b.value]));
  const args = new Map<string, OutlineArg>();
  const addGlobal = (name: string, seen = new Set<string>()): void => {
    const g = globals.get(name);
    if (!g || seen.has(name)) return;
    seen.add(name);
    args.set(name, { name, description: g.description, value: g.value, range: g.range });
    for (const dep of g.references) addGlobal(dep, seen);
  };
  const secrets = new Map<string, OutlineSecret>();
  const ssh = new Map<string, OutlineSecret>();
  const cache = new Map<string, { id: string; range: Range }>();
  for (const stage of plan.stages) {
    for (const name of stage.fromArgs) addGlobal(name);
    for (const step of stage.steps) {
      const src = step.source;
      const ins = step.instruction;
      if (src.type === 'arg' && ins.type === 'arg') {
        src.args.forEach((decl, i) => {
          const imported = decl.value === null && !buildArgs.has(decl.name) && globals.has(decl.name);
          if (imported) addGlobal(decl.name);
          else args.set(decl.name, { name: decl.name, description: decl.description, value: ins.args[i]?.value ?? null, range: decl.range });
        });
      }
      if (src.type === 'run' && ins.type === 'run') {
        ins.mounts.forEach((m, i) => {
          const range = src.mounts[i]!.raw.range;
          if (m.type === 'secret') merge(secrets, m.id, m.required, range);
          else if (m.type === 'ssh') merge(ssh, m.id, m.required, range);
          else if (m.type === 'cache' && !cache.has(m.id)) cache.set(m.id, { id: m.id, range });
        });
      }
    }
  }
  const target = plan.stages.find((s) => s.index === plan.target);
  const byPosition = <T extends { range: Range }>(xs: Iterable<T>) => [...xs].sort((a, b) => a.range.start.offset - b.range.start.offset);
  return {
    name: target?.name ?? null,
    description: target?.description ?? '',
    args: byPosition(args.values()),
    secrets: byPosition(secrets.values()),
    ssh: byPosition(ssh.values()),
    cache: byPosition(cache.values()),
  };
}

function merge(into: Map<string, OutlineSecret>, name: string, required: boolean, range: Range): void {
  const old = into.get(name);
  into.set(name, old ? { ...old, required: old.required || required } : { name, required, range });
}

export interface Target {
  /** Lowercased stage name; null for an unnamed stage. */
  readonly name: string | null;
  /** The last stage: what a build without --target produces. */
  readonly default: boolean;
  readonly description: string;
  /** The FROM image as written (not expanded), as BuildKit lists it. */
  readonly base: string;
  /** The --platform flag as written, null if none. */
  readonly platform: string | null;
  readonly range: Range;
}

export type TargetsResult =
  | { readonly ok: true; readonly targets: readonly Target[] }
  | { readonly ok: false; readonly errors: readonly import('../syntax/ast.js').Diagnostic[] };

/** Every stage of a Dockerfile held in memory, in order. */
export function listTargets(text: string): TargetsResult {
  const parsed = parse(text);
  if (parsed.errors.length > 0) return { ok: false, errors: parsed.errors };
  const typed = toInstructions(parsed.ast);
  if (typed.errors.length > 0) return { ok: false, errors: typed.errors };
  const froms = typed.instructions.filter((i): i is FromInstruction => i.type === 'from');
  return {
    ok: true,
    targets: froms.map((f, i) => ({
      name: f.stageName?.value ?? null,
      default: i === froms.length - 1,
      description: stageDoc(f),
      base: f.image.value,
      platform: f.platform?.value ?? null,
      range: f.range,
    })),
  };
}

/** BuildKit's doc comment for a stage: the comment above FROM that starts with its name. */
export function stageDoc(f: FromInstruction): string {
  const name = f.stageName?.value;
  if (!name) return '';
  const line = f.node.comments.find((c) => c.text.startsWith(name + ' '));
  return line ? line.text.slice(name.length + 1) : '';
}
