/** RUN, CMD, ENTRYPOINT and HEALTHCHECK: the instructions that carry a command. */
import type { Instruction as AstInstruction } from '../syntax/ast.js';
import { base, word } from './convert-basic.js';
import { parseGoDuration } from './durations.js';
import { fail } from './errors.js';
import type { FlagSet } from './flags.js';
import { parseMount } from './mounts.js';
import type { CmdInstruction, CommandLine, EntrypointInstruction, HealthCheck, HealthcheckInstruction, InlineFile, RunInstruction, Word } from './types.js';

/** Exec form keeps each element; shell form is the rest of the line as one string. */
export function commandLine(node: AstInstruction, args = node.args): CommandLine {
  if (node.json) return { form: 'exec', args: args.map(word) };
  if (args.length === 0) return { form: 'shell', command: { value: '', range: { start: node.keywordRange.end, end: node.keywordRange.end } } };
  const first = args[0]!;
  const last = args[args.length - 1]!;
  return { form: 'shell', command: { value: args.map((a) => a.value).join(' '), range: { start: first.range.start, end: last.range.end } } };
}

export function convertRun(node: AstInstruction, flags: FlagSet): RunInstruction {
  if (node.args.length === 0 && node.heredocs.length === 0) fail('INSTR_ARGUMENT_COUNT', 'RUN requires at least one argument', node.range);
  const mountFlags = flags.words('mount').map((raw) => ({ raw, mount: parseMount(raw.value, raw.range) }));
  const files: InlineFile[] = node.heredocs.map((h) => ({ name: h.name, data: h.content, chomp: h.chomp, quoted: h.quoted, heredoc: h }));
  return {
    type: 'run', ...base(node), command: commandLine(node), files,
    mounts: mountFlags,
    network: flags.word('network')?.value as RunInstruction['network'] ?? null,
    security: flags.word('security')?.value as RunInstruction['security'] ?? null,
    devices: flags.words('device'),
  };
}

export function convertCmd(node: AstInstruction): CmdInstruction {
  return { type: 'cmd', ...base(node), command: commandLine(node) };
}

export function convertEntrypoint(node: AstInstruction): EntrypointInstruction {
  return { type: 'entrypoint', ...base(node), command: commandLine(node) };
}

const MIN_DURATION = 1e6; // 1ms, Docker's container.MinimumDuration

function duration(w: Word | null, name: string): number {
  if (!w || w.value === '') return 0;
  const d = parseGoDuration(w.value);
  if (d === undefined) fail('INSTR_INVALID_DURATION', `time: invalid duration ${JSON.stringify(w.value)}`, w.range);
  if (d !== 0 && d < MIN_DURATION) fail('INSTR_DURATION_TOO_SHORT', `Interval "${name}" cannot be less than 1ms`, w.range);
  return d;
}

function retries(w: Word | null): number {
  if (!w || w.value === '') return 0;
  if (!/^[+-]?\d+$/.test(w.value)) fail('INSTR_INVALID_RETRIES', `invalid --retries value ${JSON.stringify(w.value)}`, w.range);
  const n = Number(w.value);
  if (n > 2 ** 31 - 1 || n < -(2 ** 31)) fail('INSTR_INVALID_RETRIES', `--retries value out of range: ${w.value}`, w.range);
  if (n < 0) fail('INSTR_INVALID_RETRIES', `--retries cannot be negative (${n})`, w.range);
  return n;
}

/** `flags` is a thunk: BuildKit never reads the flags of `HEALTHCHECK NONE`. */
export function convertHealthcheck(node: AstInstruction, flags: () => FlagSet): HealthcheckInstruction {
  if (node.args.length === 0) fail('INSTR_ARGUMENT_COUNT', 'HEALTHCHECK requires at least one argument', node.range);
  const kind = node.args[0]!;
  const rest = node.args.slice(1);
  const type = kind.value.toUpperCase();
  let check: HealthCheck;
  if (type === 'NONE') {
    if (rest.length !== 0) fail('INSTR_HEALTHCHECK_NONE_ARGS', 'HEALTHCHECK NONE takes no arguments', { start: rest[0]!.range.start, end: rest[rest.length - 1]!.range.end });
    check = { type: 'none' };
  } else {
    const f = flags();
    if (type !== 'CMD') fail('INSTR_HEALTHCHECK_TYPE', `Unknown type ${JSON.stringify(type)} in HEALTHCHECK (try CMD)`, kind.range);
    const command = commandLine(node, rest);
    const values = command.form === 'exec' ? command.args.map((a) => a.value) : [command.command.value];
    if (rest.length === 0 || (command.form === 'shell' && command.command.value === '')) {
      fail('INSTR_HEALTHCHECK_NO_COMMAND', 'Missing command after HEALTHCHECK CMD', node.range);
    }
    check = {
      type: 'cmd',
      test: [command.form === 'exec' ? 'CMD' : 'CMD-SHELL', ...values],
      command,
      interval: duration(f.word('interval'), 'interval'),
      timeout: duration(f.word('timeout'), 'timeout'),
      startPeriod: duration(f.word('start-period'), 'start-period'),
      startInterval: duration(f.word('start-interval'), 'start-interval'),
      retries: retries(f.word('retries')),
    };
  }
  return { type: 'healthcheck', ...base(node), check };
}
