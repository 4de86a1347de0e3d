import type { Instruction } from '../../syntax/ast.js';
import type { Script, SimpleCommand } from '../shell.js';
import type { Level, Rule, RuleContext, RunInfo } from '../types.js';

/** A hadolint rule: its DL code is its name; the wiki page is where users look it up. */
export function dl(name: string, level: Level, description: string, check: (ctx: RuleContext) => void, extra: Partial<Rule> = {}): Rule {
  return { name, source: 'hadolint', level, description, url: `https://github.com/hadolint/hadolint/wiki/${name}`, check, ...extra };
}

/** Every RUN, including ONBUILD RUN triggers, with the stage it is in. */
export function runs(ctx: RuleContext): readonly RunInfo[] {
  return ctx.runs();
}

/**
 * The rule's commands that some RUN of the file runs, asking the smaller side: most files
 * run none of zypper, yum, gem..., and a rule about those then returns after a few lookups.
 */
function presentCommands(commands: readonly string[], wanted: ReadonlySet<string>, names: ReadonlySet<string>): readonly string[] {
  let present: string[] | undefined;
  if (names.size < commands.length) {
    for (const n of names) if (wanted.has(n)) (present ??= []).push(n);
  } else {
    for (let i = 0; i < commands.length; i++) if (names.has(commands[i]!)) (present ??= []).push(commands[i]!);
  }
  return present ?? NONE;
}

const NONE: readonly string[] = [];

function runsAny(commands: readonly string[], names: { has(name: string): boolean }): boolean {
  for (let i = 0; i < commands.length; i++) if (names.has(commands[i]!)) return true;
  return false;
}

/**
 * A rule that reports a RUN when `fails` says so for its script. With `commands`, scripts
 * that run none of those commands are skipped without asking.
 */
export function runRule(name: string, level: Level, description: string, fails: (script: Script, ins: Instruction, ctx: RuleContext) => boolean, commands?: readonly string[]): Rule {
  const wanted = new Set(commands);
  return dl(name, level, description, (ctx) => {
    const list = ctx.runs();
    if (list.length === 0) return;
    const present = commands ? presentCommands(commands, wanted, ctx.commandNames()) : undefined;
    if (present?.length === 0) return;
    for (const run of list) {
      const script = run.script;
      if (present && !runsAny(present, script.byName)) continue;
      if (fails(script, run.ins, ctx)) ctx.report(run.ins.range, description);
    }
  }, commands ? { commands } : {});
}

/** A rule that reports a RUN when one of its commands (named in `commands`) matches. */
export function commandRule(name: string, level: Level, description: string, matches: (cmd: SimpleCommand) => boolean, commands: readonly string[]): Rule {
  const wanted = new Set(commands);
  return dl(name, level, description, (ctx) => {
    const list = ctx.runs();
    if (list.length === 0) return;
    const present = presentCommands(commands, wanted, ctx.commandNames());
    if (present.length === 0) return;
    // Only commands of the named programs are asked about.
    for (const run of list) if (anyMatches(run.script, present, matches)) ctx.report(run.ins.range, description);
  }, { commands });
}

function anyMatches(script: Script, commands: readonly string[], matches: (cmd: SimpleCommand) => boolean): boolean {
  for (let i = 0; i < commands.length; i++) {
    const found = script.byName.get(commands[i]!);
    if (found) for (let j = 0; j < found.length; j++) if (matches(found[j]!)) return true;
  }
  return false;
}

/** RUN --mount=type=cache,target=DIR for a directory at or under `dir`. */
export function hasCacheMount(ins: Instruction, dir: string): boolean {
  const run = ins.body.type === 'Onbuild' ? ins.body.instruction : ins;
  return run.flags.some((f) => {
    if (f.name !== 'mount' || !f.value) return false;
    const opts = new Map(f.value.split(',').map((kv) => { const eq = kv.indexOf('='); return eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)]; }));
    const target = opts.get('target') ?? opts.get('dst') ?? opts.get('destination') ?? '';
    return opts.get('type') === 'cache' && target.replace(/\/+$/, '').startsWith(dir);
  });
}

/** The value of an instruction word with surrounding quotes removed. */
export function unquote(value: string): string {
  return value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]) ? value.slice(1, -1) : value;
}
