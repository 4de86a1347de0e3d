/**
 * Typed instructions: what each Dockerfile line means, checked but not yet expanded.
 * Every string that BuildKit later expands (`Word.value`) is kept exactly as the parser
 * produced it (quotes and `$` references intact); the plan expands it with the ARG/ENV
 * in effect at that step. Ranges follow src/syntax/ast.ts.
 */
import type { Heredoc, Instruction as AstInstruction, Range } from '../syntax/ast.js';
import type { Mount } from './mounts.js';
import type { PortSpec } from './ports.js';

export type { Mount } from './mounts.js';
export type { PortSpec } from './ports.js';

/** One argument as written, with where it was written. */
export interface Word {
  readonly value: string;
  readonly range: Range;
}

interface Base {
  /** The whole instruction, keyword to end of its last line. */
  readonly range: Range;
  readonly keywordRange: Range;
  /** The syntax node it came from (flags, comments, original text). */
  readonly node: AstInstruction;
}

/** A command: `shell` form runs through the SHELL (`sh -c` by default); `exec` form does not. */
export type CommandLine =
  | { readonly form: 'shell'; readonly command: Word }
  | { readonly form: 'exec'; readonly args: readonly Word[] };

/** A `--mount` as written, and the typed mount when it needs no expansion. */
export interface MountFlag {
  readonly raw: Word;
  /** Null when a value holds `$` references: the plan parses it again after expansion. */
  readonly mount: Mount | null;
}

/** A heredoc body given to RUN (a script or a file for the command to read). */
export interface InlineFile {
  readonly name: string;
  readonly data: string;
  /** `<<-`: leading tabs are stripped from every line when used. */
  readonly chomp: boolean;
  /** Quoted delimiter: the body is never expanded. */
  readonly quoted: boolean;
  readonly heredoc: Heredoc;
}

/** A COPY/ADD source written as a heredoc: a file named `path` with `data`. */
export interface InlineSource {
  readonly path: string;
  /** Already chomped (`<<-`). */
  readonly data: string;
  /** Unquoted delimiter: `$` references in `data` are expanded. */
  readonly expand: boolean;
  readonly range: Range;
}

/** `FROM [--platform=<p>] <image> [AS <name>]` */
export interface FromInstruction extends Base {
  readonly type: 'from';
  readonly image: Word;
  /** Lowercased, validated; null for an unnamed stage. */
  readonly stageName: Word | null;
  readonly platform: Word | null;
}

/** One `name[=default]` of ARG. */
export interface ArgDeclaration {
  readonly name: string;
  /** Unexpanded default; null for `ARG name`. */
  readonly value: string | null;
  readonly range: Range;
  /** The `# name description` comment above the ARG, as BuildKit's outline reads it. */
  readonly description: string;
}

/** `ARG <name>[=<default>] ...` */
export interface ArgInstruction extends Base {
  readonly type: 'arg';
  readonly args: readonly ArgDeclaration[];
}

export interface KeyValue {
  readonly key: Word;
  readonly value: Word;
  readonly range: Range;
}

/** `ENV <key>=<value> ...` */
export interface EnvInstruction extends Base {
  readonly type: 'env';
  readonly pairs: readonly KeyValue[];
}

/** `LABEL <key>=<value> ...` */
export interface LabelInstruction extends Base {
  readonly type: 'label';
  readonly pairs: readonly KeyValue[];
}

/** `RUN [--mount=...] [--network=...] [--security=...] <command>` */
export interface RunInstruction extends Base {
  readonly type: 'run';
  readonly command: CommandLine;
  readonly files: readonly InlineFile[];
  readonly mounts: readonly MountFlag[];
  /** Null when not given (BuildKit's default: the build's network, i.e. `default`). */
  readonly network: 'default' | 'none' | 'host' | null;
  /** Null when not given (`sandbox`). */
  readonly security: 'sandbox' | 'insecure' | null;
  readonly devices: readonly Word[];
}

/** `CMD <command>` */
export interface CmdInstruction extends Base {
  readonly type: 'cmd';
  readonly command: CommandLine;
}

/** `ENTRYPOINT <command>`; exec form `[]` clears it. */
export interface EntrypointInstruction extends Base {
  readonly type: 'entrypoint';
  readonly command: CommandLine;
}

/** `SHELL ["executable", "parameters"]` */
export interface ShellInstruction extends Base {
  readonly type: 'shell';
  readonly shell: readonly Word[];
}

interface FileFlags {
  readonly sources: readonly Word[];
  readonly inline: readonly InlineSource[];
  readonly dest: Word;
  readonly chown: Word | null;
  readonly chmod: Word | null;
  readonly link: boolean;
  readonly exclude: readonly Word[];
  /** Exec form `COPY ["a", "b"]`: sources and dest are still expanded, never split. */
  readonly json: boolean;
}

/** `COPY [--from=...] [--chown=...] [--chmod=...] [--link] [--parents] [--exclude=...] <src>... <dest>` */
export interface CopyInstruction extends Base, FileFlags {
  readonly type: 'copy';
  /** A stage name or index, a named context or an image; never expanded. */
  readonly from: Word | null;
  readonly parents: boolean;
}

/** `ADD [--chown] [--chmod] [--link] [--checksum] [--keep-git-dir] [--exclude] [--unpack] <src>... <dest>` */
export interface AddInstruction extends Base, FileFlags {
  readonly type: 'add';
  readonly checksum: Word | null;
  readonly keepGitDir: boolean;
  /** Null when not given: local archives are unpacked, remote ones are not. */
  readonly unpack: boolean | null;
}

/** `WORKDIR /path` */
export interface WorkdirInstruction extends Base {
  readonly type: 'workdir';
  readonly path: Word;
}

/** `USER <user>[:<group>]` */
export interface UserInstruction extends Base {
  readonly type: 'user';
  readonly user: Word;
}

/** `VOLUME /a /b` or `VOLUME ["/a"]` */
export interface VolumeInstruction extends Base {
  readonly type: 'volume';
  readonly volumes: readonly Word[];
}

/** `EXPOSE 80 443/tcp 8000-8010/udp` */
export interface ExposeInstruction extends Base {
  readonly type: 'expose';
  readonly ports: readonly Word[];
  /** Parsed specs of the words that need no expansion; the plan parses the rest. */
  readonly specs: readonly (PortSpec | null)[];
}

/** `STOPSIGNAL SIGTERM` */
export interface StopsignalInstruction extends Base {
  readonly type: 'stopsignal';
  readonly signal: Word;
}

/** `MAINTAINER <name>` (deprecated) */
export interface MaintainerInstruction extends Base {
  readonly type: 'maintainer';
  readonly maintainer: Word;
}

/**
 * The image's health check. Durations are nanoseconds (as the image config stores them);
 * 0 means "not set, use the runtime's default".
 */
export type HealthCheck =
  | { readonly type: 'none' }
  | {
      readonly type: 'cmd';
      /** As the image config stores it: `["CMD", ...args]` or `["CMD-SHELL", command]`. */
      readonly test: readonly string[];
      readonly command: CommandLine;
      readonly interval: number;
      readonly timeout: number;
      readonly startPeriod: number;
      readonly startInterval: number;
      /** 0 when not given. */
      readonly retries: number;
    };

/** `HEALTHCHECK [OPTIONS] CMD <command>` or `HEALTHCHECK NONE` */
export interface HealthcheckInstruction extends Base {
  readonly type: 'healthcheck';
  readonly check: HealthCheck;
}

/** `ONBUILD <instruction>` */
export interface OnbuildInstruction extends Base {
  readonly type: 'onbuild';
  /** The trigger as the image config stores it (BuildKit's Expression). */
  readonly expression: string;
  /** The trigger, typed; null if it does not check (reported as a warning, as BuildKit defers it). */
  readonly trigger: TypedInstruction | null;
}

export type TypedInstruction =
  | FromInstruction | ArgInstruction | EnvInstruction | LabelInstruction | RunInstruction
  | CmdInstruction | EntrypointInstruction | ShellInstruction | CopyInstruction | AddInstruction
  | WorkdirInstruction | UserInstruction | VolumeInstruction | ExposeInstruction
  | StopsignalInstruction | MaintainerInstruction | HealthcheckInstruction | OnbuildInstruction;

export type InstructionType = TypedInstruction['type'];
