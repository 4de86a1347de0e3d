/**
 * A small POSIX-shell tokenizer for RUN bodies: enough structure for lint rules to find
 * the simple commands a script runs (`apt-get install -y x`), their words with quotes
 * removed, and the operators between them (`&&`, `||`, `;`, `|`, `&`).
 *
 * Why not a library: `shell-quote` flattens a script into one token list and loses
 * where commands start inside `if`/`for`/`$(...)`; `bash-parser` is unmaintained and
 * throws on much real-world input. Linting needs a tokenizer that never throws and
 * degrades gracefully on syntax it does not model (arithmetic, arrays, functions).
 */
import { Scanner } from './shell-scan.js';

/** One shell word. `value` has quotes removed and escapes resolved; `$x` stays as written. */
export interface Word {
  readonly value: string;
  /** Some part of the word was quoted. */
  readonly quoted: boolean;
  /** Offsets in the script text (half-open). */
  readonly start: number;
  readonly end: number;
}

/** A simple command: `FOO=1 apt-get install -y curl > /dev/null` has name `apt-get`. */
export interface SimpleCommand {
  readonly name: string;
  /** The name without a directory (`/usr/bin/apt-get` -> `apt-get`). */
  readonly base: string;
  /** The words after the name; redirections and their targets are left out. */
  readonly args: readonly Word[];
  readonly nameWord: Word;
  /** `VAR=value` words before the name. */
  readonly assignments: readonly string[];
  /** Found inside `$(...)`, backticks or `<(...)`. */
  readonly nested: boolean;
}

export interface Script {
  readonly text: string;
  /** In source order (a substitution's commands come right after the command holding it). */
  readonly commands: readonly SimpleCommand[];
  /** Control operators in source order, e.g. `['&&', '|', ';']`. */
  readonly operators: readonly string[];
  /** The base names of all commands, for rules to skip scripts quickly. */
  readonly names: ReadonlySet<string>;
  /** The commands by base name, in source order. */
  readonly byName: ReadonlyMap<string, readonly SimpleCommand[]>;
}

/** A tokenized script; the set of names is built only if someone asks for it. */
class ParsedScript implements Script {
  private nameSet: ReadonlySet<string> | undefined;
  constructor(readonly text: string, readonly commands: readonly SimpleCommand[], readonly operators: readonly string[], readonly byName: ReadonlyMap<string, readonly SimpleCommand[]>) {}
  get names(): ReadonlySet<string> {
    return (this.nameSet ??= new Set(this.byName.keys()));
  }
}

/** Tokenizes a script; never throws. */
export function parseScript(text: string, nested = false): Script {
  const commands: SimpleCommand[] = [];
  const operators: string[] = [];
  new Scanner(text, nested, commands, operators).run();
  const byName = new Map<string, SimpleCommand[]>();
  for (const c of commands) {
    const list = byName.get(c.base);
    if (list) list.push(c);
    else byName.set(c.base, [c]);
  }
  return new ParsedScript(text, commands, operators, byName);
}
