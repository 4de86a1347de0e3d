/**
 * Word expansion as BuildKit's Dockerfile front end does it (`$x`, `${x:-w}`, quoting,
 * escapes). The expansion never runs a command and never reads the process environment:
 * every value comes from the `env` the caller passes.
 */

/** Names to values. A name mapped to `''` is set but empty (it differs from unset). */
export type ShellEnv = ReadonlyMap<string, string> | Readonly<Record<string, string | undefined>>;

export interface ExpandOptions {
  /** The escape character (`# escape=` directive). Default `\`. */
  readonly escape?: '\\' | '`';
  /**
   * Leave references to unset variables as written (`$X`, `${X:-w}`) instead of
   * expanding them to empty. BuildKit uses this where a later stage may still set them.
   */
  readonly skipUnset?: boolean;
  /** Keep quote characters in the result (they still group words). */
  readonly rawQuotes?: boolean;
  /** Keep escape characters in the result (they still escape). */
  readonly rawEscapes?: boolean;
  /** Treat `'` and `"` as ordinary characters (used for heredoc bodies). */
  readonly skipQuotes?: boolean;
}

export type ShellErrorCode =
  /** A `'` or `"` without its closing partner. */
  | 'SHELL_UNTERMINATED_QUOTE'
  /** `${...` without the closing `}`. */
  | 'SHELL_MISSING_BRACE'
  /** `${x/pattern` without the `/` that ends the pattern. */
  | 'SHELL_MISSING_SLASH'
  /** `${}`, `${{x}`, `${:x}`. */
  | 'SHELL_BAD_SUBSTITUTION'
  /** `${x:=w}`, `${x.}` and other modifiers BuildKit does not support. */
  | 'SHELL_UNSUPPORTED_MODIFIER'
  /** `${x?message}` / `${x:?message}` with `x` unset (or empty). */
  | 'SHELL_REQUIRED_VARIABLE'
  /** A `#`, `%` or `/` pattern with an invalid escape. */
  | 'SHELL_INVALID_PATTERN';

/** A problem in one word. Offsets count UTF-16 code units from the start of the word. */
export interface ShellProblem {
  readonly code: ShellErrorCode;
  readonly message: string;
  /** Where the offending construct starts in the word. */
  readonly offset: number;
  /** How far it reaches (at least 1, or 0 for an empty word). */
  readonly length: number;
}

/** What expanding one word found, whether it succeeded or not. */
interface ExpansionBase {
  /** Every name looked up, set or not, in first-use order (`$1`, `$@` included). */
  readonly referenced: readonly string[];
  /** The referenced names that were not set, in first-use order (UndefinedVar's input). */
  readonly unset: readonly string[];
}

export interface ExpansionOk extends ExpansionBase {
  readonly ok: true;
  /** The word after expansion and quote removal. */
  readonly value: string;
  /** The same text split on unquoted whitespace (empty words dropped). */
  readonly words: readonly string[];
}

export interface ExpansionFailed extends ExpansionBase {
  readonly ok: false;
  readonly error: ShellProblem;
}

export type Expansion = ExpansionOk | ExpansionFailed;
