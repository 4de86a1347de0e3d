import type { SimpleCommand } from './shell.js';

/**
 * Questions shell-aware rules ask about one simple command, with hadolint's reading of
 * flags: `--name=value` is flag `name`; `-abc` is flags `a`, `b`, `c`; `-` and `--` are not
 * flags. Everything after a bare `--` is an operand.
 */

interface Part { readonly value: string; readonly flags: readonly string[]; readonly long: boolean; readonly inline: boolean }

// Many rules ask about the same command; read its flags once.
const cache = new WeakMap<SimpleCommand, Part[]>();

function parts(cmd: SimpleCommand): Part[] {
  let result = cache.get(cmd);
  if (!result) cache.set(cmd, (result = readParts(cmd)));
  return result;
}

function readParts(cmd: SimpleCommand): Part[] {
  let operands = false;
  return cmd.args.map((w) => {
    const v = w.value;
    if (operands || v === '-' || !v.startsWith('-')) return { value: v, flags: [], long: false, inline: false };
    if (v === '--') { operands = true; return { value: v, flags: [], long: false, inline: false }; }
    if (v.startsWith('--')) {
      const eq = v.indexOf('=');
      return { value: v, flags: [eq < 0 ? v.slice(2) : v.slice(2, eq)], long: true, inline: eq >= 0 };
    }
    return { value: v, flags: [...v.slice(1)], long: false, inline: false };
  });
}

/** The command is `name` (exactly, or by basename: `/usr/bin/apt-get`). */
export function isCommand(cmd: SimpleCommand, ...names: string[]): boolean {
  return names.includes(cmd.base) || names.includes(cmd.name);
}

export function hasFlag(cmd: SimpleCommand, ...names: string[]): boolean {
  return parts(cmd).some((p) => p.flags.some((f) => names.includes(f)));
}

/** Some word after the name equals one of `values` (`apt-get install`). */
export function hasArg(cmd: SimpleCommand, ...values: string[]): boolean {
  return cmd.args.some((w) => values.includes(w.value));
}

/** `name` with one of `values` among its arguments. */
export function cmdHasArgs(cmd: SimpleCommand, name: string, ...values: string[]): boolean {
  return isCommand(cmd, name) && hasArg(cmd, ...values);
}

/**
 * The words that are not flags, leaving out the value word that follows any flag named in
 * `takesValue` (`apt-get install -t bookworm x` -> `install`, `x`).
 */
export function operands(cmd: SimpleCommand, takesValue: readonly string[] = []): string[] {
  const ps = parts(cmd);
  const out: string[] = [];
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]!;
    if (p.flags.length === 0) {
      if (p.value !== '--') out.push(p.value);
      continue;
    }
    const last = p.flags[p.flags.length - 1]!;
    // A short flag bundle takes a value only through its last letter (`-qt x`).
    if (!p.inline && takesValue.includes(last)) i++;
  }
  return out;
}

/** The value given to a flag: `-u 1000`, `-u1000`, `--uid 1000`, `--uid=1000`. */
export function flagValues(cmd: SimpleCommand, short: string, long?: string): string[] {
  const out: string[] = [];
  const words = cmd.args.map((w) => w.value);
  for (let i = 0; i < words.length; i++) {
    const v = words[i]!;
    if (v === '--') break;
    if (long && v === `--${long}` && i + 1 < words.length) out.push(words[++i]!);
    else if (long && v.startsWith(`--${long}=`)) out.push(v.slice(long.length + 3));
    else if (v === `-${short}` && i + 1 < words.length) out.push(words[++i]!);
    else if (v.startsWith(`-${short}`) && !v.startsWith('--') && v.length > 2) out.push(v.slice(2));
  }
  return out;
}

/** The operands after the subcommand word (`pip install a b` -> `a`, `b`). */
export function afterSubcommand(cmd: SimpleCommand, sub: string, takesValue: readonly string[] = []): string[] {
  const ops = operands(cmd, takesValue);
  const at = ops.indexOf(sub);
  return at < 0 ? [] : ops.slice(at + 1);
}
