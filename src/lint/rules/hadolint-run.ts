import { flagValues, hasFlag, hasWord, isCommand } from '../command.js';
import { shellAt } from '../lint.js';
import type { Instruction } from '../../syntax/ast.js';
import { flag } from '../model.js';
import type { SimpleCommand } from '../shell.js';
import type { Rule, RuleContext } from '../types.js';
import { commandRule, dl, runs } from './dl.js';

/** hadolint's rules about what a RUN script does (other than package managers). */

const POINTLESS = ['free', 'kill', 'mount', 'ps', 'service', 'shutdown', 'ssh', 'top', 'vim', 'ifconfig'];
export const DL3001 = commandRule('DL3001', 'info', 'For some bash commands it makes no sense running them in a Docker container like `ssh`, `vim`, `shutdown`, `service`, `ps`, `free`, `top`, `kill`, `mount`, `ifconfig`',
  (c) => POINTLESS.includes(c.name), POINTLESS);

export const DL3003 = commandRule('DL3003', 'warning', 'Use WORKDIR to switch to a directory', (c) => c.name === 'cd', ['cd']);

export const DL3004 = commandRule('DL3004', 'error', 'Do not use sudo as it leads to unpredictable behavior. Use a tool like gosu to enforce root', (c) => c.name === 'sudo', ['sudo']);

const NO_LOG_INIT = ['l', 'no-log-init'];
export const DL3046 = commandRule('DL3046', 'warning', '`useradd` without flag `-l` and high UID will result in excessively large Image.',
  (c) => c.name === 'useradd' && !hasFlag(c, NO_LOG_INIT) && flagValues(c, 'u', 'uid').some((uid) => uid.length > 5), ['useradd']);

const WGET_QUIET = ['progress', 'q', 'quiet', 'o', 'output-file', 'a', 'append-output', 'no-verbose'];
export const DL3047 = commandRule('DL3047', 'info', 'Avoid use of wget without progress bar. Use `wget --progress=dot:giga <url>`. Or consider using `-q` or `-nv` (shorthands for `--quiet` or `--no-verbose`).',
  (c) => c.name === 'wget' && !hasFlag(c, WGET_QUIET) && !hasWord(c, '-nv'), ['wget']);

export const DL4005 = commandRule('DL4005', 'warning', 'Use SHELL to change the default shell', (c) => c.name === 'ln' && c.args.some((a) => a.value === '/bin/sh'), ['ln']);

export const DL4001: Rule = dl('DL4001', 'warning', 'Either use Wget or Curl but not both', (ctx) => {
  const list = runs(ctx);
  // Which of wget (1) and curl (2) each RUN runs, for the RUNs that run either.
  let tools: number[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const run = list[i]!;
    const byName = run.script.byName;
    if (!byName.has('wget') && !byName.has('curl')) continue;
    if (!run.text.includes('wget') && !run.text.includes('curl')) continue;
    const mask = runsExactly(byName.get('wget'), 'wget', 1) | runsExactly(byName.get('curl'), 'curl', 2);
    if (mask !== 0) (tools ??= new Array<number>(list.length).fill(0))[i] = mask;
  }
  if (!tools) return;
  // The RUNs of one stage are adjacent in the list (both follow the source order).
  for (let i = 0; i < list.length;) {
    const stage = list[i]!.stage;
    let end = i;
    let both = 0;
    while (end < list.length && list[end]!.stage === stage) both |= tools[end++]!;
    if (both === 3) for (let k = i; k < end; k++) if (tools[k] !== 0) ctx.report(list[k]!.ins.range, 'Either use Wget or Curl but not both');
    i = end;
  }
}, { commands: ['wget', 'curl'] });

/** `bit` when one of the commands is run by exactly that name (not a path to it). */
function runsExactly(commands: readonly SimpleCommand[] | undefined, name: string, bit: number): number {
  if (commands) for (const c of commands) if (c.name === name) return bit;
  return 0;
}

const NON_POSIX = /^(?:.*[\\/])?(?:pwsh|powershell|cmd)(?:\.exe)?$/i;

const PIPEFAIL = 'Set the SHELL option -o pipefail before RUN with a pipe in it. If you are using /bin/sh in an alpine image or if your shell is symlinked to busybox then consider explicitly setting your SHELL to /bin/ash, or disable this check';

export const DL4006: Rule = dl('DL4006', 'warning', PIPEFAIL, (ctx) => {
  for (const run of runs(ctx)) {
    const { ins, script, stage } = run;
    if (!script.operators.includes('|')) continue;
    const shell = shellAt(ins, stage);
    if (shell && (NON_POSIX.test(shell[0] ?? '') || (shell.includes('-o') && shell.includes('pipefail')) || shell.some((w) => /(?:^|\s)-o\s+pipefail\b/.test(w)))) continue;
    // `set -o pipefail` earlier in the same script has the same effect.
    if (script.commands.some((c) => isCommand(c, 'set') && c.args.some((a) => a.value === 'pipefail'))) continue;
    ctx.report(ins.range, PIPEFAIL);
  }
}, { instructions: ['run', 'onbuild'] });

/** Consecutive RUNs with few commands each and the same flags could be one layer. */
export const DL3059: Rule = dl('DL3059', 'info', 'Multiple consecutive `RUN` instructions. Consider consolidation.', (ctx) => {
  let previous: Instruction | undefined;
  for (const ins of ctx.model.ast.instructions) {
    if (ins.name !== 'run') { previous = undefined; continue; }
    // Commands are counted only for RUNs that follow a RUN with the same flags.
    if (previous && flagKey(previous) === flagKey(ins) && commandCount(ctx, ins) <= 2 && commandCount(ctx, previous) <= 2) {
      ctx.report(ins.range, 'Multiple consecutive `RUN` instructions. Consider consolidation.');
    }
    previous = ins;
  }
}, { instructions: ['run'] });

/** The flags of an instruction in a canonical order ('' without flags, the common case). */
const flagKey = (ins: Instruction): string => (ins.flags.length === 0 ? '' : ins.flags.map((f) => f.raw).sort().join(' '));
const commandCount = (ctx: RuleContext, ins: Instruction): number => ctx.script(ins)?.commands.length ?? 1;

const TAR_EXTRACT = ['x', 'extract'];
const ARCHIVE = /\.(?:tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|tar\.lz|tlz|tZ|tb2|tpz)$/;

/** COPY of an archive that a later RUN unpacks with tar: ADD would do both. */
export const DL3010: Rule = dl('DL3010', 'info', 'Use ADD for extracting archives into an image', (ctx) => {
  for (const stage of ctx.model.stages) {
    let copied: Map<string, Instruction> | undefined;
    for (const ins of stage.instructions) {
      if (ins.name === 'copy' && !flag(ins, 'from')) {
        for (let i = 0; i < ins.args.length - 1; i++) {
          const src = ins.args[i]!.value;
          if (ARCHIVE.test(src)) (copied ??= new Map()).set(src.slice(src.lastIndexOf('/') + 1), ins);
        }
      }
      if (ins.name !== 'run' || copied === undefined || copied.size === 0) continue;
      for (const c of ctx.script(ins)?.commands ?? []) {
        if (c.name !== 'tar' || !(hasFlag(c, TAR_EXTRACT) || /^[a-z]*x/.test(c.args[0]?.value ?? ''))) continue;
        for (const a of c.args) {
          const base = a.value.slice(a.value.lastIndexOf('/') + 1);
          const from = copied.get(base);
          if (from) { ctx.report(from.range, 'Use ADD for extracting archives into an image'); copied.delete(base); }
        }
      }
    }
  }
}, { instructions: ['copy'] });

export const RUN_RULES: readonly Rule[] = [DL3001, DL3003, DL3004, DL3010, DL3046, DL3047, DL3059, DL4001, DL4005, DL4006];
