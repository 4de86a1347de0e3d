/**
 * Word expansion and splitting with BuildKit's Dockerfile semantics. Pure: no I/O, no
 * process environment.
 */
import { SlipwayError } from '../errors.js';
import { ShellSyntaxError, WordScanner } from './lexer.js';
import type { ExpandOptions, Expansion, ShellEnv } from './types.js';

export type { ExpandOptions, Expansion, ExpansionFailed, ExpansionOk, ShellEnv, ShellErrorCode, ShellProblem } from './types.js';

/**
 * Expands one word and reports what it referenced; never throws for bad input. This is
 * the entry point for callers that need the variable names (the linter's UndefinedVar,
 * the planner's unused-build-arg check) or want errors as values.
 */
export function analyzeWord(word: string, env: ShellEnv, options: ExpandOptions = {}): Expansion {
  const scanner = new WordScanner(word, env, options);
  try {
    const { value, words } = scanner.run();
    return { ok: true, value, words, referenced: [...scanner.referenced], unset: [...scanner.unset] };
  } catch (err) {
    if (!(err instanceof ShellSyntaxError)) throw err;
    const length = Math.max(err.end - err.offset, word.length === 0 ? 0 : 1);
    return {
      ok: false,
      error: { code: err.code, message: err.message, offset: err.offset, length },
      referenced: [...scanner.referenced],
      unset: [...scanner.unset],
    };
  }
}

/** Where expandWord/expandWords report the names they looked up. */
export interface ExpandReport {
  /** Receives every name referenced (set or not). */
  readonly referenced?: Set<string>;
  /** Receives the referenced names that were unset. */
  readonly unset?: Set<string>;
}

function expandOrThrow(word: string, env: ShellEnv, options: ExpandOptions & ExpandReport): Expansion & { ok: true } {
  const result = analyzeWord(word, env, options);
  for (const name of result.referenced) options.referenced?.add(name);
  for (const name of result.unset) options.unset?.add(name);
  if (!result.ok) {
    throw new SlipwayError(result.error.code, `failed to process "${word}": ${result.error.message}`);
  }
  return result;
}

/**
 * Expands `$x`, `${x...}` and quotes in one word, without splitting. Throws a
 * SlipwayError whose code is a ShellErrorCode on bad syntax; referenced and unset names
 * are added to `options.referenced` / `options.unset` when given.
 */
export function expandWord(word: string, env: ShellEnv, options: ExpandOptions & ExpandReport = {}): string {
  return expandOrThrow(word, env, options).value;
}

/** Like expandWord, then splits on unquoted whitespace (as for `EXPOSE`, `VOLUME`). */
export function expandWords(word: string, env: ShellEnv, options: ExpandOptions & ExpandReport = {}): string[] {
  return [...expandOrThrow(word, env, options).words];
}
