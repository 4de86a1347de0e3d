import type { Argument, Instruction, ParseResult, Range } from '../syntax/ast.js';
import type { LabelSchema } from './config.js';
import type { Model, Stage } from './model.js';
import type { LineIndex } from './position.js';
import type { Script } from './shell.js';

export type { Range };

/**
 * How serious a finding is, from most to least: hadolint's four levels (BuildKit's checks
 * are all warnings unless `# check=error=true`).
 */
export type Level = 'error' | 'warning' | 'info' | 'style';
export const LEVELS: readonly Level[] = ['error', 'warning', 'info', 'style'];

/** Where a rule comes from; decides its documentation URL and which directive applies. */
export type RuleSource = 'buildkit' | 'hadolint';

/** One replacement in the original text: `text.slice(range.start.offset, range.end.offset)` becomes `newText`. */
export interface TextEdit {
  readonly range: Range;
  readonly newText: string;
}

/** A finding as a value. `code` is the rule name (`StageNameCasing`, `DL3008`). */
export interface Diagnostic {
  readonly code: string;
  readonly level: Level;
  readonly message: string;
  readonly range: Range;
  /** The edits that fix this finding mechanically, when the rule has a fix. */
  readonly fix?: readonly TextEdit[];
}

/** What a rule's check reads and how it reports. */
export interface RuleContext {
  readonly text: string;
  readonly parse: ParseResult;
  readonly model: Model;
  readonly settings: RuleSettings;
  readonly index: LineIndex;
  /** The RUN script of an instruction (shell form, exec form or heredoc), tokenised once. */
  script(instruction: Instruction): Script | undefined;
  /** Every RUN (ONBUILD RUN included) with a POSIX script, computed once per file. */
  runs(): readonly RunInfo[];
  /** The base names of every command those RUNs run (tokenizes them all; computed once per file). */
  commandNames(): ReadonlySet<string>;
  /**
   * Files a finding. A fix may be given as a function: it then runs only when someone
   * reads `fix` (the fixer, a formatter showing fixes), so plain linting skips the work.
   */
  report(range: Range, message: string, fix?: readonly TextEdit[] | (() => readonly TextEdit[] | undefined)): void;
}

export interface RunInfo {
  readonly ins: Instruction;
  /** The script's text: rules may test it cheaply before asking for `script`. */
  readonly text: string;
  /** Tokenized on first read. */
  readonly script: Script;
  readonly stage: Stage | undefined;
}

/** Inputs some rules need beyond the Dockerfile itself. */
export interface RuleSettings {
  /** DL3026: registries FROM may pull from; empty means any. */
  readonly trustedRegistries: readonly string[];
  /** DL3049-DL3058: required labels and the format of each value. */
  readonly labelSchema: LabelSchema;
  /** DL3050: labels outside the schema are reported. */
  readonly strictLabels: boolean;
  /** CopyIgnoredFile: the build context, when known. */
  readonly contextDir?: string;
  /** CopyIgnoredFile: `.dockerignore` patterns (read from the context when not given). */
  readonly dockerignore?: readonly string[];
}

/** A rule is data plus one check; the registry in rules/index.ts lists them all. */
export interface Rule {
  /** The code diagnostics carry and the name users ignore it by. */
  readonly name: string;
  readonly source: RuleSource;
  readonly level: Level;
  /** One line, shown in SARIF and the docs index. */
  readonly description: string;
  /** Upstream documentation users already know (BuildKit docs, hadolint wiki). */
  readonly url: string;
  /** Off unless enabled (BuildKit's experimental checks, hadolint's `ignore`-level rules). */
  readonly optIn?: boolean;
  /** The rule attaches text edits to its findings. */
  readonly fixable?: boolean;
  /**
   * The programs whose commands the rule looks at (`apt-get`, by base name): it can only
   * report a RUN that runs one of them, so files that run none skip it without a call.
   */
  readonly commands?: readonly string[];
  /**
   * The instructions (lowercase keywords; ONBUILD ones count as `onbuild`) the rule reports
   * about: files without any of them skip it without a call.
   */
  readonly instructions?: readonly string[];
  check(ctx: RuleContext): void;
}

/** Shorthand for an argument's text, used by many rules. */
export type Arg = Argument;
