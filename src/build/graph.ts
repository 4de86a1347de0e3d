import type { ConfigInstruction } from './config.js';

/**
 * What the executor runs: stages of steps whose words are already expanded, with the
 * environment in effect at each step. Made from the build plan (src/plan) by
 * fromplan.ts; kept as the executor's own small contract so that execution is
 * testable and independent of how planning evolves.
 */

export type StageBase =
  | { readonly type: 'scratch' }
  /** A previous stage, by index. */
  | { readonly type: 'stage'; readonly index: number }
  /** An image reference: the local store first, else a registry. */
  | { readonly type: 'image'; readonly ref: string };

export interface SourceLocation { readonly file: string; readonly line: number; readonly column: number }

export type CopySourceRef =
  | { readonly type: 'context' }
  | { readonly type: 'stage'; readonly index: number }
  | { readonly type: 'image'; readonly ref: string };

/** A RUN --mount, expanded, with BuildKit's defaults filled in. */
export type RunMountSpec =
  | { readonly type: 'bind'; readonly target: string; readonly source: string; readonly from: CopySourceRef; readonly readwrite: boolean }
  | { readonly type: 'cache'; readonly target: string; readonly id: string; readonly sharing: 'shared' | 'private' | 'locked'; readonly from?: CopySourceRef; readonly source?: string; readonly mode: number; readonly uid: number; readonly gid: number; readonly readonly: boolean }
  | { readonly type: 'tmpfs'; readonly target: string; readonly size?: number }
  /** A file at `target` and/or an environment variable `env` (null target: env only). */
  | { readonly type: 'secret'; readonly id: string; readonly target: string | null; readonly required: boolean; readonly mode: number; readonly uid: number; readonly gid: number; readonly env?: string }
  /** An SSH agent socket; a null target is `/run/buildkit/ssh_agent.<n>` (n counts the RUN's ssh mounts). */
  | { readonly type: 'ssh'; readonly id: string; readonly target: string | null; readonly required: boolean; readonly mode: number; readonly uid: number; readonly gid: number };

export type ExecStep =
  | { readonly kind: 'config'; readonly ins: ConfigInstruction; readonly text: string; readonly loc?: SourceLocation }
  | { readonly kind: 'workdir'; readonly path: string; readonly text: string; readonly loc?: SourceLocation }
  | {
      readonly kind: 'run';
      readonly text: string;
      readonly loc?: SourceLocation;
      /** Shell form: the command string (run through SHELL); exec form: argv. */
      readonly shellForm: boolean;
      readonly args: readonly string[];
      /** A single `#!` heredoc: run as a script file instead of through the shell. */
      readonly script?: { readonly name: string; readonly data: string };
      readonly mounts: readonly RunMountSpec[];
      readonly network: 'default' | 'none' | 'host' | null;
      /** ARGs in effect, `K=V`, exported to the process but not kept in the image. */
      readonly buildArgs: readonly (readonly [string, string])[];
      /** Proxy settings from --build-arg: in the process env, never in history. */
      readonly proxyEnv: readonly (readonly [string, string])[];
    }
  | {
      readonly kind: 'copy';
      readonly text: string;
      readonly loc?: SourceLocation;
      readonly add: boolean;
      readonly from: CopySourceRef;
      /** Sources after expansion, as written (wildcards kept). */
      readonly sources: readonly string[];
      /** Heredoc sources: file name and (expanded) content. */
      readonly inline: readonly { readonly path: string; readonly data: string }[];
      readonly dest: string;
      readonly chown?: string;
      readonly chmod?: string;
      readonly link: boolean;
      readonly parents: boolean;
      readonly exclude: readonly string[];
      readonly checksum?: string;
      readonly unpack: boolean | null;
    };

export interface ExecStage {
  readonly index: number;
  /** The `AS` name, or null. */
  readonly name: string | null;
  readonly base: StageBase;
  readonly loc?: SourceLocation;
  readonly steps: readonly ExecStep[];
  /** Stage indices this stage needs before it can run (base, COPY --from, mounts). */
  readonly deps: readonly number[];
}

export interface ExecGraph {
  /** The stages the target needs, dependencies first; `index` is the Dockerfile position. */
  readonly stages: readonly ExecStage[];
  /** How many FROMs the Dockerfile has (for BuildKit's `stage-N` labels). */
  readonly stageCount: number;
  /** The index of the stage whose image is the result. */
  readonly target: number;
  readonly warnings: readonly string[];
  readonly platform: { readonly os: string; readonly architecture: string; readonly variant?: string };
}
