import type { FlagSpec } from '../../grammar/instructions.js';
import type { Flag } from '../syntax/ast.js';
import { fail, suggest } from './errors.js';
import type { Word } from './types.js';

/**
 * The flags of one instruction, checked against its row of the instruction table the
 * way BuildKit's BFlags does: unknown names, a missing `=value`, repeats of single-use
 * flags and non-boolean values of bool flags are errors. Parsing stops at a bare `--`.
 */
export class FlagSet {
  private readonly values = new Map<string, Flag[]>();

  constructor(flags: readonly Flag[], private readonly specs: readonly FlagSpec[], keyword: string) {
    for (const flag of flags) {
      if (flag.name === '' && flag.value === null) break;
      const spec = specs.find((s) => s.name === flag.name);
      if (!spec) {
        const hint = suggest(flag.name, specs.map((s) => s.name), true);
        fail('INSTR_UNKNOWN_FLAG', `unknown flag: ${flag.name} (${keyword.toUpperCase()} takes ${specs.length === 0 ? 'no flags' : specs.map((s) => '--' + s.name).join(', ')})`, flag.nameRange, hint === undefined ? undefined : '--' + hint);
      }
      const seen = this.values.get(spec.name) ?? [];
      if (seen.length > 0 && !spec.repeatable) fail('INSTR_DUPLICATE_FLAG', `duplicate flag specified: ${flag.name}`, flag.range);
      this.check(flag, spec);
      seen.push(flag);
      this.values.set(spec.name, seen);
    }
  }

  private check(flag: Flag, spec: FlagSpec): void {
    if (spec.type === 'bool') {
      if (flag.value === null) return;
      if (flag.value === '') fail('INSTR_FLAG_MISSING_VALUE', `missing a value on flag: ${flag.name}`, flag.range);
      const lower = flag.value.toLowerCase();
      if (lower !== 'true' && lower !== 'false') {
        fail('INSTR_INVALID_FLAG_VALUE', `expecting boolean value for flag ${flag.name}, not: ${flag.value}`, flag.valueRange ?? flag.range);
      }
      return;
    }
    if (flag.value === null) fail('INSTR_FLAG_MISSING_VALUE', `missing a value on flag: ${flag.name}`, flag.range);
    if (spec.type === 'enum' && spec.values && !spec.values.includes(flag.value)) {
      fail('INSTR_INVALID_FLAG_VALUE', `unsupported ${flag.name} value ${JSON.stringify(flag.value)} (one of ${spec.values.join(', ')})`, flag.valueRange ?? flag.range, suggest(flag.value, spec.values, true));
    }
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** A bool flag: absent -> the table default (false), `--x` -> true, `--x=false` -> false. */
  bool(name: string): boolean {
    const flag = this.values.get(name)?.[0];
    if (!flag) return this.specs.find((s) => s.name === name)?.default === true;
    return flag.value === null || flag.value.toLowerCase() === 'true';
  }

  /** A bool flag that has no fixed default: null when absent. */
  optionalBool(name: string): boolean | null {
    return this.has(name) ? this.bool(name) : null;
  }

  /** A single-use value flag as a Word, or null when absent. */
  word(name: string): Word | null {
    const flag = this.values.get(name)?.[0];
    return flag ? toWord(flag) : null;
  }

  /** Every value of a repeatable flag, in order. */
  words(name: string): Word[] {
    return (this.values.get(name) ?? []).map(toWord);
  }

  flags(name: string): readonly Flag[] {
    return this.values.get(name) ?? [];
  }
}

function toWord(flag: Flag): Word {
  return { value: flag.value ?? '', range: flag.valueRange ?? flag.range };
}
