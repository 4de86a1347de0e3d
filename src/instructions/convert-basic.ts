/** The instructions whose arguments are plain words or key/value pairs. */
import type { Argument, Instruction as AstInstruction } from '../syntax/ast.js';
import { fail } from './errors.js';
import type { FlagSet } from './flags.js';
import { parsePortSpec } from './ports.js';
import { subRange } from './ranges.js';
import type {
  ArgDeclaration, ArgInstruction, EnvInstruction, ExposeInstruction, FromInstruction, KeyValue, LabelInstruction,
  MaintainerInstruction, ShellInstruction, StopsignalInstruction, UserInstruction, VolumeInstruction, Word, WorkdirInstruction,
} from './types.js';

export const word = (a: Argument): Word => ({ value: a.value, range: a.range });

export function base(node: AstInstruction) {
  return { range: node.range, keywordRange: node.keywordRange, node };
}

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

/** BuildKit's getComment: the comment line that starts with `name ` describes `name`. */
export function describe(node: AstInstruction, name: string): string {
  if (name === '') return '';
  const line = node.comments.find((c) => c.text.startsWith(name + ' '));
  return line ? line.text.slice(name.length + 1) : '';
}

export function convertFrom(node: AstInstruction, flags: FlagSet): FromInstruction {
  const args = node.args;
  let stageName: Word | null = null;
  if (args.length === 3 && args[1]!.value.toLowerCase() === 'as') {
    const name = args[2]!;
    const lower = name.value.toLowerCase();
    if (!STAGE_NAME.test(lower)) {
      fail('INSTR_INVALID_STAGE_NAME', `invalid name for build stage: ${JSON.stringify(name.value)}, name can't start with a number or contain symbols`, name.range);
    }
    stageName = { value: lower, range: name.range };
  } else if (args.length !== 1) {
    fail('INSTR_ARGUMENT_COUNT', 'FROM requires either one or three arguments', args.length > 1 ? spanArgs(args.slice(1)) : node.range);
  }
  return { type: 'from', ...base(node), image: word(args[0]!), stageName, platform: flags.word('platform') };
}

function spanArgs(args: readonly Argument[]) {
  return { start: args[0]!.range.start, end: args[args.length - 1]!.range.end };
}

export function requireArgs(node: AstInstruction, exactlyOne: boolean): void {
  const n = node.args.length;
  const name = node.name.toUpperCase();
  if (n === 0) fail('INSTR_ARGUMENT_COUNT', `${name} requires ${exactlyOne ? 'exactly' : 'at least'} one argument`, node.range);
  if (exactlyOne && n !== 1) fail('INSTR_ARGUMENT_COUNT', `${name} requires exactly one argument`, spanArgs(node.args.slice(1)));
}

export function convertArg(node: AstInstruction): ArgInstruction {
  requireArgs(node, false);
  const args: ArgDeclaration[] = node.args.map((a) => {
    const eq = a.value.indexOf('=');
    const name = eq < 0 ? a.value : a.value.slice(0, eq);
    if (name === '') fail('INSTR_BLANK_NAME', 'ARG names can not be blank', subRange(a.range, a.value, 0, Math.max(eq, 0) + 1));
    return { name, value: eq < 0 ? null : a.value.slice(eq + 1), range: a.range, description: describe(node, name) };
  });
  return { type: 'arg', ...base(node), args };
}

function pairs(node: AstInstruction): KeyValue[] {
  const name = node.name.toUpperCase();
  if (node.body.type !== 'KeyValue' || node.body.pairs.length === 0) fail('INSTR_ARGUMENT_COUNT', `${name} requires at least one argument`, node.range);
  return node.body.pairs.map((p) => {
    if (p.key.value === '') fail('INSTR_BLANK_NAME', `${name} names can not be blank`, p.range);
    return { key: word(p.key), value: word(p.value), range: p.range };
  });
}

export function convertEnv(node: AstInstruction): EnvInstruction {
  return { type: 'env', ...base(node), pairs: pairs(node) };
}

export function convertLabel(node: AstInstruction): LabelInstruction {
  return { type: 'label', ...base(node), pairs: pairs(node) };
}

export function convertWorkdir(node: AstInstruction): WorkdirInstruction {
  requireArgs(node, true);
  return { type: 'workdir', ...base(node), path: word(node.args[0]!) };
}

export function convertUser(node: AstInstruction): UserInstruction {
  requireArgs(node, true);
  return { type: 'user', ...base(node), user: word(node.args[0]!) };
}

export function convertStopsignal(node: AstInstruction): StopsignalInstruction {
  requireArgs(node, true);
  return { type: 'stopsignal', ...base(node), signal: word(node.args[0]!) };
}

export function convertMaintainer(node: AstInstruction): MaintainerInstruction {
  requireArgs(node, true);
  return { type: 'maintainer', ...base(node), maintainer: word(node.args[0]!) };
}

export function convertVolume(node: AstInstruction): VolumeInstruction {
  requireArgs(node, false);
  for (const a of node.args) {
    if (a.value.trim() === '') fail('INSTR_EMPTY_VOLUME', 'VOLUME specified can not be an empty string', a.range);
  }
  return { type: 'volume', ...base(node), volumes: node.args.map((a) => ({ value: a.value.trim(), range: a.range })) };
}

/** Ports are checked here when they hold no `$`; the plan checks the others once expanded. */
export function convertExpose(node: AstInstruction): ExposeInstruction {
  requireArgs(node, false);
  const specs = node.args.map((a) => {
    if (a.value.includes('$')) return null;
    const spec = parsePortSpec(a.value);
    if (typeof spec === 'string') fail('INSTR_INVALID_PORT', spec, a.range);
    return spec;
  });
  return { type: 'expose', ...base(node), ports: node.args.map(word), specs };
}

export function convertShell(node: AstInstruction): ShellInstruction {
  if (node.args.length === 0) fail('INSTR_SHELL_NOT_JSON', 'SHELL requires at least one argument', node.range);
  if (!node.json) fail('INSTR_SHELL_NOT_JSON', 'SHELL requires the arguments to be in JSON form', spanArgs(node.args));
  return { type: 'shell', ...base(node), shell: node.args.map(word) };
}
