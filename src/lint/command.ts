import type { SimpleCommand } from './shell.js';

/**
 * Questions shell-aware rules ask about one simple command, with hadolint's reading of
 * flags: `--name=value` is flag `name`; `-abc` is flags `a`, `b`, `c`; `-` and `--` are not
 * flags. Everything after a bare `--` is an operand.
 *
 * Every RUN of every file is asked these questions by many rules, so they read the words
 * in place: no per-call lists of names, no per-word flag objects.
 */

const NONE: readonly string[] = [];

/** The command is `name` (exactly, or by basename: `/usr/bin/apt-get`). */
export function isCommand(cmd: SimpleCommand, name: string): boolean {
  return cmd.base === name || cmd.name === name;
}

/** `--name` or `--name=...` with `name` among `names`. */
function longFlagIn(v: string, names: readonly string[]): boolean {
  const eq = v.indexOf('=');
  const length = (eq < 0 ? v.length : eq) - 2;
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!;
    if (n.length === length && v.startsWith(n, 2)) return true;
  }
  return false;
}

/** Some flag before any bare `--` is one of `names` (`-y`, `-qy`, `--yes`, `--yes=true`). */
export function hasFlag(cmd: SimpleCommand, names: readonly string[]): boolean {
  const args = cmd.args;
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!.value;
    if (v.length < 2 || v.charCodeAt(0) !== 45) continue;
    if (v.charCodeAt(1) === 45) {
      if (v.length === 2) return false;
      if (longFlagIn(v, names)) return true;
    } else {
      for (let j = 1; j < v.length; j++) if (names.includes(v[j]!)) return true;
    }
  }
  return false;
}

/** Some word after the name equals one of `values` (`apt-get install`). */
export function hasArg(cmd: SimpleCommand, values: readonly string[]): boolean {
  const args = cmd.args;
  for (let i = 0; i < args.length; i++) if (values.includes(args[i]!.value)) return true;
  return false;
}

/** Some word after the name is `value`. */
export function hasWord(cmd: SimpleCommand, value: string): boolean {
  const args = cmd.args;
  for (let i = 0; i < args.length; i++) if (args[i]!.value === value) return true;
  return false;
}

/** `name` with `value` among its arguments. */
export function cmdHasArg(cmd: SimpleCommand, name: string, value: string): boolean {
  return isCommand(cmd, name) && hasWord(cmd, value);
}

/**
 * The words that are not flags, leaving out the value word that follows any flag named in
 * `takesValue` (`apt-get install -t bookworm x` -> `install`, `x`).
 */
export function operands(cmd: SimpleCommand, takesValue: readonly string[] = NONE): string[] {
  const out: string[] = [];
  const args = cmd.args;
  // After a bare `--` nothing is a flag, even when that `--` was taken as a flag's value.
  let afterDashes = false;
  let skip = false;
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!.value;
    const flag = !afterDashes && v.length >= 2 && v.charCodeAt(0) === 45 && v !== '--';
    if (v === '--') afterDashes = true;
    if (skip) { skip = false; continue; }
    if (!flag) {
      if (v !== '--') out.push(v);
      continue;
    }
    if (takesValue.length === 0) continue;
    // A short flag bundle takes a value only through its last letter (`-qt x`).
    if (v.charCodeAt(1) === 45) skip = !v.includes('=') && longFlagIn(v, takesValue);
    else skip = takesValue.includes(v[v.length - 1]!);
  }
  return out;
}

/** The value given to a flag: `-u 1000`, `-u1000`, `--uid 1000`, `--uid=1000`. */
export function flagValues(cmd: SimpleCommand, short: string, long?: string): string[] {
  const out: string[] = [];
  const words = cmd.args;
  const longFlag = long === undefined ? undefined : `--${long}`;
  const shortFlag = `-${short}`;
  for (let i = 0; i < words.length; i++) {
    const v = words[i]!.value;
    if (v === '--') break;
    if (longFlag !== undefined && v === longFlag && i + 1 < words.length) out.push(words[++i]!.value);
    else if (longFlag !== undefined && v.startsWith(longFlag) && v.charCodeAt(longFlag.length) === 61) out.push(v.slice(longFlag.length + 1));
    else if (v === shortFlag && i + 1 < words.length) out.push(words[++i]!.value);
    else if (v.startsWith(shortFlag) && !v.startsWith('--') && v.length > 2) out.push(v.slice(2));
  }
  return out;
}

/** The operands after the subcommand word (`pip install a b` -> `a`, `b`). */
export function afterSubcommand(cmd: SimpleCommand, sub: string, takesValue: readonly string[] = NONE): string[] {
  const ops = operands(cmd, takesValue);
  const at = ops.indexOf(sub);
  return at < 0 ? [] : ops.slice(at + 1);
}
