import type { Diagnostic, Range, Severity } from '../syntax/ast.js';

/** The codes the instruction checker reports. Tests assert these, never messages. */
export type InstructionCode =
  /** A keyword that is not a Dockerfile instruction (with a did-you-mean suggestion). */
  | 'INSTR_UNKNOWN'
  /** A flag the instruction does not take. */
  | 'INSTR_UNKNOWN_FLAG'
  /** `--from` (or any value flag) without `=value`, or `--link=`. */
  | 'INSTR_FLAG_MISSING_VALUE'
  /** A single-use flag given twice. */
  | 'INSTR_DUPLICATE_FLAG'
  /** A bool flag that is not true/false, or an enum flag outside its values. */
  | 'INSTR_INVALID_FLAG_VALUE'
  /** Too few or too many arguments for the instruction. */
  | 'INSTR_ARGUMENT_COUNT'
  /** COPY/ADD with a single argument: no destination. */
  | 'INSTR_MISSING_DESTINATION'
  /** A heredoc used as the COPY/ADD destination. */
  | 'INSTR_HEREDOC_DESTINATION'
  /** `FROM x AS 1bad`: stage names match `^[a-z][a-z0-9-_.]*$`. */
  | 'INSTR_INVALID_STAGE_NAME'
  /** `COPY --from=$X` or `--mount=from=$X`: no expansion there; use an alias stage. */
  | 'INSTR_FROM_VARIABLE'
  /** An empty name in ENV, LABEL or ARG (`ENV =x`). */
  | 'INSTR_BLANK_NAME'
  /** SHELL not in JSON form, or SHELL []. */
  | 'INSTR_SHELL_NOT_JSON'
  /** VOLUME with an empty path. */
  | 'INSTR_EMPTY_VOLUME'
  /** EXPOSE with something that is not `port[/proto]` or `start-end[/proto]`. */
  | 'INSTR_INVALID_PORT'
  /** HEALTHCHECK with a type other than CMD or NONE. */
  | 'INSTR_HEALTHCHECK_TYPE'
  /** HEALTHCHECK NONE followed by arguments. */
  | 'INSTR_HEALTHCHECK_NONE_ARGS'
  /** HEALTHCHECK CMD without a command. */
  | 'INSTR_HEALTHCHECK_NO_COMMAND'
  /** A HEALTHCHECK duration that Go's time.ParseDuration rejects. */
  | 'INSTR_INVALID_DURATION'
  /** A HEALTHCHECK duration between 0 and 1ms (exclusive). */
  | 'INSTR_DURATION_TOO_SHORT'
  /** `--retries` that is not an integer, or negative. */
  | 'INSTR_INVALID_RETRIES'
  /** `ONBUILD ONBUILD ...`. */
  | 'INSTR_ONBUILD_CHAIN'
  /** `ONBUILD FROM ...` or `ONBUILD MAINTAINER ...`. */
  | 'INSTR_ONBUILD_TRIGGER'
  /** A `--mount` value that is not one CSV record. */
  | 'INSTR_MOUNT_SYNTAX'
  /** `--mount=type=x` with x not bind/cache/tmpfs/secret/ssh. */
  | 'INSTR_MOUNT_TYPE'
  /** A mount key BuildKit does not know. */
  | 'INSTR_MOUNT_UNKNOWN_KEY'
  /** A mount field without `=` that is not a bare boolean (ro, rw, required). */
  | 'INSTR_MOUNT_MISSING_VALUE'
  /** A mount value of the wrong kind (bool, octal mode, uid, size, sharing). */
  | 'INSTR_MOUNT_INVALID_VALUE'
  /** A key the mount type does not accept (size on bind, uid on tmpfs...). */
  | 'INSTR_MOUNT_KEY_NOT_ALLOWED'
  /** Contradictory or incomplete mount (secret without id/target, source and id...). */
  | 'INSTR_MOUNT_INVALID'
  /** An instruction before the first FROM other than ARG. */
  | 'INSTR_NO_STAGE';

/** A problem as a value; `suggestion` is the did-you-mean candidate when there is one. */
export interface InstructionDiagnostic extends Diagnostic {
  readonly code: InstructionCode;
  readonly suggestion?: string;
}

export function problem(code: InstructionCode, message: string, range: Range, suggestion?: string, severity: Severity = 'error'): InstructionDiagnostic {
  const text = suggestion === undefined ? message : `${message} (did you mean ${suggestion}?)`;
  return suggestion === undefined ? { code, message: text, range, severity } : { code, message: text, range, severity, suggestion };
}

/** Thrown inside the package to abandon one instruction; collected as a value. */
export class InstructionError extends Error {
  constructor(readonly diagnostic: InstructionDiagnostic) {
    super(diagnostic.message);
  }
}

export function fail(code: InstructionCode, message: string, range: Range, suggestion?: string): never {
  throw new InstructionError(problem(code, message, range, suggestion));
}

/**
 * BuildKit's did-you-mean: the closest option by edit distance, if closer than 3 edits;
 * none when the value is itself an option. Case-insensitive matches keep the value's case.
 */
export function suggest(value: string, options: readonly string[], caseSensitive: boolean): string | undefined {
  const v = caseSensitive ? value : value.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const option of options) {
    const o = caseSensitive ? option : option.toLowerCase();
    if (o === v) return undefined;
    const d = levenshtein(v, o);
    if (d < bestDistance) {
      bestDistance = d;
      best = caseSensitive ? o : matchCase(o, value);
    }
  }
  return best;
}

function matchCase(option: string, original: string): string {
  if (original === original.toLowerCase()) return option.toLowerCase();
  if (original === original.toUpperCase()) return option.toUpperCase();
  return option;
}

function levenshtein(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  let prev = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length]!;
}
