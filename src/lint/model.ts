import type { Argument, Dockerfile, EscapeToken, Flag, Instruction } from '../syntax/ast.js';
import type { WordExpansion } from './vars.js';

/**
 * The linter's view of a Dockerfile: instructions grouped into build stages, with what
 * rules keep asking (stage names, the base a stage builds on, global ARGs). Built once
 * per file from the syntax tree; rules only read it.
 */
export interface Stage {
  readonly index: number;
  readonly from: Instruction;
  /** The base image word as written (`alpine:${V}`), if any. */
  readonly image?: Argument;
  /** The `AS` keyword and the stage name word, when the stage is named. */
  readonly asWord?: Argument;
  readonly nameWord?: Argument;
  /** Lowercased, as BuildKit compares stage names. */
  readonly name?: string;
  readonly platform?: Flag;
  /** The earlier stage this one builds on (`FROM build AS test`). */
  readonly parent?: Stage;
  /** The instructions after FROM, up to the next FROM. */
  readonly instructions: readonly Instruction[];
  /** A SHELL instruction appears in this stage or a stage it builds on. */
  readonly hasShell: boolean;
}

export interface Model {
  readonly ast: Dockerfile;
  readonly escape: EscapeToken;
  /** The ARGs before the first FROM: the only variables FROM lines may use. */
  readonly globalArgs: readonly Instruction[];
  readonly stages: readonly Stage[];
  /** The stage an instruction of the file belongs to (undefined before the first FROM). */
  stageOf(instruction: Instruction): Stage | undefined;
}

/** The ARG names BuildKit defines for FROM lines and, once declared, inside stages. */
export const PLATFORM_ARGS: ReadonlyMap<string, string> = new Map([
  ['BUILDPLATFORM', 'linux/amd64'], ['BUILDOS', 'linux'], ['BUILDARCH', 'amd64'], ['BUILDVARIANT', ''],
  ['TARGETPLATFORM', 'linux/amd64'], ['TARGETOS', 'linux'], ['TARGETARCH', 'amd64'], ['TARGETVARIANT', ''],
  ['TARGETSTAGE', ''],
]);

export function buildModel(ast: Dockerfile, escape: EscapeToken): Model {
  return new FileModel(ast, escape);
}

/**
 * What vars.ts computes once per file, kept on the model itself (a field is cheaper than a
 * WeakMap entry made and collected for every file).
 */
export interface ModelCaches {
  globalEnv?: { env: Map<string, string>; declared: Set<string> };
  fromExpansions?: Map<string, WordExpansion>;
}

/** One bit per instruction keyword, for sets of keywords as numbers. */
const KEYWORD_BITS: ReadonlyMap<string, number> = new Map(['add', 'arg', 'cmd', 'copy', 'entrypoint', 'env', 'expose', 'from', 'healthcheck', 'label', 'maintainer', 'onbuild', 'run', 'shell', 'stopsignal', 'user', 'volume', 'workdir'].map((k, i) => [k, 1 << i]));

/** The keywords as a bit set (see `keywordsIn`); unknown names add nothing. */
export function keywordBits(names: readonly string[]): number {
  let bits = 0;
  for (const n of names) bits |= KEYWORD_BITS.get(n) ?? 0;
  return bits;
}

/** The keywords of the file's instructions as a bit set: which kinds it has, without a list. */
export function keywordsIn(model: Model): number {
  return (model as FileModel).keywords ?? ALL_KEYWORDS;
}

const ALL_KEYWORDS = -1;

class FileModel implements Model, ModelCaches {
  readonly globalArgs: Instruction[] = [];
  readonly stages: Stage[] = [];
  readonly keywords: number = 0;
  globalEnv?: { env: Map<string, string>; declared: Set<string> };
  fromExpansions?: Map<string, WordExpansion>;
  constructor(readonly ast: Dockerfile, readonly escape: EscapeToken) {
    const all = ast.instructions;
    let from = -1;
    let keywords = 0;
    for (let i = 0; i < all.length; i++) {
      const ins = all[i]!;
      keywords |= KEYWORD_BITS.get(ins.name) ?? 0;
      if (ins.name === 'from') {
        // A stage's instructions are the slice up to the next FROM, taken when that is found.
        if (from >= 0) this.stages.push(makeStage(all[from]!, this.stages, all.slice(from + 1, i)));
        from = i;
      } else if (from < 0 && ins.name === 'arg') this.globalArgs.push(ins);
    }
    if (from >= 0) this.stages.push(makeStage(all[from]!, this.stages, all.slice(from + 1)));
    this.keywords = keywords;
  }

  /**
   * Stages are runs of instructions in source order, so the stage of an instruction of the
   * file is the one whose FROM is the last at or before it: a binary search, no lookup table.
   */
  stageOf(instruction: Instruction): Stage | undefined {
    const offset = instruction.range.start.offset;
    const stages = this.stages;
    let found: Stage | undefined;
    let lo = 0;
    let hi = stages.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (stages[mid]!.from.range.start.offset <= offset) { found = stages[mid]; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }
}

const isShell = (ins: Instruction): boolean => ins.name === 'shell';

function makeStage(from: Instruction, earlier: readonly Stage[], instructions: readonly Instruction[]): Stage {
  const words = from.args;
  const image = words[0];
  const hasAs = words.length >= 3 && words[1]!.value.toLowerCase() === 'as';
  const nameWord = hasAs ? words[2] : undefined;
  const baseName = image?.value.toLowerCase();
  // The most recent earlier stage with that name, as BuildKit resolves it.
  let parent: Stage | undefined;
  for (let i = earlier.length - 1; i >= 0 && baseName !== undefined; i--) if (earlier[i]!.name === baseName) { parent = earlier[i]; break; }
  return {
    index: earlier.length,
    from,
    image,
    asWord: hasAs ? words[1] : undefined,
    nameWord,
    name: nameWord?.value.toLowerCase(),
    platform: platformFlag(from),
    parent,
    instructions,
    hasShell: instructions.some(isShell) || (parent?.hasShell ?? false),
  };
}

function platformFlag(ins: Instruction): Flag | undefined {
  for (const f of ins.flags) if (f.name === 'platform') return f;
  return undefined;
}

/** The ARG names and default words one ARG instruction declares (`ARG A B=2`). */
export function argDeclarations(ins: Instruction): { name: string; value?: string; word: Argument }[] {
  return ins.args.map((word) => {
    const eq = word.value.indexOf('=');
    return eq < 0 ? { name: word.value, word } : { name: word.value.slice(0, eq), value: word.value.slice(eq + 1), word };
  });
}

/** Instructions nested under ONBUILD are linted as their trigger too. */
export function triggerOf(ins: Instruction): Instruction | undefined {
  return ins.body.type === 'Onbuild' ? ins.body.instruction : undefined;
}

export function flag(ins: Instruction, name: string): Flag | undefined {
  for (const f of ins.flags) if (f.name === name) return f;
  return undefined;
}
