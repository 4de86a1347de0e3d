/**
 * The build plan: what to build, in which order, with every word expanded the way
 * BuildKit expands it. Pure data (JSON-serialisable), made without touching the disk
 * or the network; the builder (src/build) consumes it.
 *
 * How the builder reads it:
 * - `stages` are only the stages the target needs, in Dockerfile order; building them in
 *   that order satisfies every dependency (a stage only depends on earlier ones).
 * - A stage starts from `base`: scratch, an image reference (pull it), or an earlier
 *   stage (`index` into the Dockerfile's stages, the same numbering as `PlannedStage.index`).
 * - Each step carries the instruction with its words expanded (`instruction`), the
 *   unexpanded typed instruction it came from (`source`, with ranges for messages), and
 *   what was in effect just before it ran: `env` (what a RUN sees: ENV and ARG values,
 *   last writer wins, as BuildKit), `configEnv` (the ENV values only: what the image
 *   config keeps) and `args` (the ARGs in scope).
 * - RUN/CMD/ENTRYPOINT commands, HEALTHCHECK and ONBUILD text are NOT expanded: the shell
 *   (or nobody) expands them. RUN mounts are.
 * - Base image configuration is unknown at plan time unless the caller passes
 *   `PlanOptions.imageConfig`; without it the plan assumes an empty env (plus BuildKit's
 *   default PATH) and WORKDIR `/`, and marks the stage `baseConfigKnown: false`.
 */
import type { Diagnostic, Range } from '../syntax/ast.js';
import type { CommandLine, InlineFile, Mount, PortSpec, TypedInstruction } from '../instructions/index.js';

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

/** What an image reference contributes to expansion (from its config), if known. */
export interface BaseImageConfig {
  /** `KEY=value` entries, as the image config stores them. */
  readonly env?: readonly string[];
  readonly workingDir?: string;
}

export interface PlanOptions {
  /** `--build-arg NAME=value`. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** `--target`: a stage name; default the last stage. */
  readonly target?: string;
  /** The host's platform (BUILDPLATFORM...). Default: the running Node's, as linux. */
  readonly buildPlatform?: Platform;
  /** `--platform` (TARGETPLATFORM...). Default: the build platform. */
  readonly targetPlatform?: Platform;
  /** Configuration of base images the caller already knows (pure lookup, no I/O). */
  readonly imageConfig?: (ref: string) => BaseImageConfig | undefined;
}

/** Where a stage starts. */
export type StageBase =
  | { readonly type: 'scratch' }
  | { readonly type: 'image'; readonly ref: string }
  | { readonly type: 'stage'; readonly index: number };

/** What `COPY --from` / `RUN --mount=from=` name: an earlier stage, or an image/named context. */
export type SourceRef =
  | { readonly type: 'stage'; readonly index: number }
  | { readonly type: 'image'; readonly ref: string };

/** One ARG as resolved: `value` null when declared without a value or default. */
export interface ArgValue {
  readonly name: string;
  readonly value: string | null;
  /** The unexpanded default written in the Dockerfile, null if none. */
  readonly default: string | null;
  /** The `# NAME description` comment above it. */
  readonly description: string;
  readonly range: Range;
  /** Other global ARGs its default referenced (set ones), for the outline. */
  readonly references: readonly string[];
}

export type ExpandedInstruction =
  | { readonly type: 'arg'; readonly args: readonly { readonly name: string; readonly value: string | null }[] }
  | { readonly type: 'env'; readonly pairs: readonly { readonly key: string; readonly value: string }[] }
  | { readonly type: 'label'; readonly pairs: readonly { readonly key: string; readonly value: string }[] }
  | {
      readonly type: 'run';
      /** Not expanded: the shell does that at run time with `env`. */
      readonly command: CommandLine;
      readonly files: readonly InlineFile[];
      /** Expanded, with BuildKit's defaults; `from` resolved in `mountSources` (same order). */
      readonly mounts: readonly Mount[];
      readonly mountSources: readonly (SourceRef | null)[];
      readonly network: 'default' | 'none' | 'host' | null;
      readonly security: 'sandbox' | 'insecure' | null;
      readonly devices: readonly string[];
    }
  | { readonly type: 'cmd'; readonly command: CommandLine }
  | { readonly type: 'entrypoint'; readonly command: CommandLine }
  | { readonly type: 'shell'; readonly shell: readonly string[] }
  | {
      readonly type: 'copy' | 'add';
      readonly sources: readonly string[];
      /** Heredoc sources; `data` already expanded when the delimiter was unquoted. */
      readonly inline: readonly { readonly path: string; readonly data: string }[];
      readonly dest: string;
      /** COPY --from (null: the build context). Always null for ADD. */
      readonly from: SourceRef | null;
      readonly chown: string | null;
      readonly chmod: string | null;
      readonly link: boolean;
      readonly parents: boolean;
      readonly exclude: readonly string[];
      readonly checksum: string | null;
      readonly keepGitDir: boolean;
      readonly unpack: boolean | null;
    }
  | { readonly type: 'workdir'; readonly path: string }
  | { readonly type: 'user'; readonly user: string }
  | { readonly type: 'volume'; readonly volumes: readonly string[] }
  | { readonly type: 'expose'; readonly ports: readonly PortSpec[] }
  | { readonly type: 'stopsignal'; readonly signal: string }
  | { readonly type: 'maintainer'; readonly maintainer: string }
  | { readonly type: 'healthcheck'; readonly instruction: Extract<TypedInstruction, { type: 'healthcheck' }> }
  | { readonly type: 'onbuild'; readonly expression: string };

export interface PlanStep {
  readonly instruction: ExpandedInstruction;
  readonly source: TypedInstruction;
  /** True for a trigger inherited from an ONBUILD of the base stage (runs first). */
  readonly onbuild: boolean;
  /** What a RUN sees (base image env, ENV and ARG values; last writer wins). */
  readonly env: Readonly<Record<string, string>>;
  /** The image config's Env before this step (base image env and ENV only). */
  readonly configEnv: Readonly<Record<string, string>>;
  /** ARGs in scope before this step, with their values (null: declared, no value). */
  readonly args: Readonly<Record<string, string | null>>;
  /** The working directory before this step, normalised. */
  readonly workdir: string;
  /** Variables this step's expansion referenced that were not set (UndefinedVar). */
  readonly unset: readonly string[];
}

export interface StageDependency {
  readonly index: number;
  readonly via: 'from' | 'copy' | 'mount';
  readonly range: Range;
}

export interface PlannedStage {
  /** Position among the Dockerfile's FROMs, from 0. */
  readonly index: number;
  /** Lowercased `AS` name, null if unnamed. */
  readonly name: string | null;
  readonly base: StageBase;
  /** The FROM image word after expansion with global ARGs. */
  readonly baseName: string;
  /** Expanded `--platform`, null if not given. */
  readonly platform: string | null;
  /** BuildKit's doc comment: the `# name description` comment above FROM. */
  readonly description: string;
  readonly range: Range;
  /** Stages this one needs, deduplicated by (index, via), in source order. */
  readonly dependencies: readonly StageDependency[];
  /** Global ARGs (set ones) that the FROM line's image or --platform referenced. */
  readonly fromArgs: readonly string[];
  readonly baseConfigKnown: boolean;
  readonly steps: readonly PlanStep[];
}

export interface BuildArgUse {
  readonly name: string;
  readonly value: string;
  /** Declared by an ARG that the build reaches (or a predefined proxy/platform ARG). */
  readonly used: boolean;
}

export interface BuildPlan {
  /** Reachable stages only, in build order. */
  readonly stages: readonly PlannedStage[];
  /** The stage the build produces (its `index`). */
  readonly target: number;
  /** How many FROMs the Dockerfile has (stages outside `stages` were pruned). */
  readonly stageCount: number;
  readonly globalArgs: readonly ArgValue[];
  readonly buildArgs: readonly BuildArgUse[];
  readonly buildPlatform: Platform;
  readonly targetPlatform: Platform;
  /** Proxy settings from `--build-arg` (HTTP_PROXY...), passed to RUN without declaration. */
  readonly proxyEnv: Readonly<Record<string, string>>;
  readonly errors: readonly Diagnostic[];
  readonly warnings: readonly Diagnostic[];
}
