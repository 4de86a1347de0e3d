/**
 * Typed instructions from the syntax tree, checked against the instruction table in
 * grammar/instructions.ts. Pure: no I/O, no expansion (see src/plan for that).
 */
import { INSTRUCTIONS, KEYWORDS, isKeyword } from '../../grammar/instructions.js';
import type { Dockerfile, Instruction as AstInstruction } from '../syntax/ast.js';
import {
  convertArg, convertEnv, convertExpose, convertFrom, convertLabel, convertMaintainer, convertShell,
  convertStopsignal, convertUser, convertVolume, convertWorkdir, base,
} from './convert-basic.js';
import { convertAdd, convertCopy } from './convert-files.js';
import { convertCmd, convertEntrypoint, convertHealthcheck, convertRun } from './convert-run.js';
import { InstructionError, fail, problem, suggest, type InstructionDiagnostic } from './errors.js';
import { FlagSet } from './flags.js';
import type { OnbuildInstruction, TypedInstruction } from './types.js';

export type * from './types.js';
export type { InstructionCode, InstructionDiagnostic } from './errors.js';
export type { BindMount, CacheMount, MountSharing, MountType, SecretMount, SshMount, TmpfsMount } from './mounts.js';
export { parseMount, parseGoBool, ramInBytes } from './mounts.js';
export { parseGoDuration, formatGoDuration } from './durations.js';
export { parsePortSpec, portKeys } from './ports.js';
export { chomp } from './convert-files.js';
export { InstructionError, suggest } from './errors.js';
export { readCsvRecord, type CsvField } from './csv.js';

export interface InstructionsResult {
  /** Every instruction that checked, in source order. */
  readonly instructions: readonly TypedInstruction[];
  /** One per instruction that did not check (BuildKit stops at the first; we report all). */
  readonly errors: readonly InstructionDiagnostic[];
  /** Problems BuildKit only reports later (an ONBUILD trigger that will fail downstream). */
  readonly warnings: readonly InstructionDiagnostic[];
}

/** Types every instruction of a parsed Dockerfile. Never throws for bad input. */
export function toInstructions(ast: Dockerfile): InstructionsResult {
  const instructions: TypedInstruction[] = [];
  const errors: InstructionDiagnostic[] = [];
  const warnings: InstructionDiagnostic[] = [];
  let seenFrom = false;
  for (const node of ast.instructions) {
    const result = toInstruction(node);
    if ('diagnostic' in result) {
      errors.push(result.diagnostic);
      if (node.name === 'from') seenFrom = true;
      continue;
    }
    warnings.push(...result.warnings);
    const typed = result.instruction;
    if (typed.type === 'from') seenFrom = true;
    else if (!seenFrom && typed.type !== 'arg') {
      errors.push(problem('INSTR_NO_STAGE', `${node.keyword.toUpperCase()} before the first FROM: no build stage in current context`, node.keywordRange));
      continue;
    }
    instructions.push(typed);
  }
  return { instructions, errors, warnings };
}

/** Types one instruction: the instruction and its warnings, or the error that stopped it. */
export function toInstruction(node: AstInstruction): { instruction: TypedInstruction; warnings: InstructionDiagnostic[] } | { diagnostic: InstructionDiagnostic } {
  const warnings: InstructionDiagnostic[] = [];
  try {
    return { instruction: convert(node, warnings), warnings };
  } catch (err) {
    if (err instanceof InstructionError) return { diagnostic: err.diagnostic };
    throw err;
  }
}

function convert(node: AstInstruction, warnings: InstructionDiagnostic[]): TypedInstruction {
  const name = node.name;
  if (!isKeyword(name)) {
    const upper = KEYWORDS.map((k) => k.toUpperCase());
    fail('INSTR_UNKNOWN', `unknown instruction: ${node.keyword}`, node.keywordRange, suggest(node.keyword, upper, false));
  }
  const flags = () => new FlagSet(node.flags, INSTRUCTIONS[name].flags, name);
  switch (name) {
    case 'from': return convertFrom(node, flags());
    case 'arg': flags(); return convertArg(node);
    case 'env': flags(); return convertEnv(node);
    case 'label': flags(); return convertLabel(node);
    case 'run': return convertRun(node, flags());
    case 'cmd': flags(); return convertCmd(node);
    case 'entrypoint': flags(); return convertEntrypoint(node);
    case 'shell': flags(); return convertShell(node);
    case 'copy': return convertCopy(node, flags());
    case 'add': return convertAdd(node, flags());
    case 'workdir': flags(); return convertWorkdir(node);
    case 'user': flags(); return convertUser(node);
    case 'volume': flags(); return convertVolume(node);
    case 'expose': flags(); return convertExpose(node);
    case 'stopsignal': flags(); return convertStopsignal(node);
    case 'maintainer': flags(); return convertMaintainer(node);
    case 'healthcheck': return convertHealthcheck(node, flags);
    case 'onbuild': flags(); return convertOnbuild(node, warnings);
  }
}

function convertOnbuild(node: AstInstruction, warnings: InstructionDiagnostic[]): OnbuildInstruction {
  if (node.body.type !== 'Onbuild') fail('INSTR_ARGUMENT_COUNT', 'ONBUILD requires at least one argument', node.range);
  const trigger = node.body.instruction;
  const keyword = trigger.name.toUpperCase();
  if (keyword === 'ONBUILD') fail('INSTR_ONBUILD_CHAIN', 'Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed', trigger.keywordRange);
  if (keyword === 'FROM' || keyword === 'MAINTAINER') fail('INSTR_ONBUILD_TRIGGER', `${keyword} isn't allowed as an ONBUILD trigger`, trigger.keywordRange);
  let expression = node.original.replace(/^\s*ONBUILD\s*/i, '');
  for (const h of node.heredocs) expression += '\n' + h.content + h.name;
  // BuildKit stores the trigger as text and checks it only when a child image runs it,
  // so a trigger that does not check is a warning here, not an error.
  const typed = toInstruction(trigger);
  if ('diagnostic' in typed) warnings.push({ ...typed.diagnostic, severity: 'warning' });
  return { type: 'onbuild', ...base(node), expression, trigger: 'diagnostic' in typed ? null : typed.instruction };
}
