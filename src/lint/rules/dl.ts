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

/** A rule that reports a RUN when `fails` says so for its script. */
/**
 * A rule that reports a RUN when `fails` says so for its script. With `commands`, scripts
 * that run none of those commands are skipped without asking.
 */
export function runRule(name: string, level: Level, description: string, fails: (script: Script, ins: Instruction, ctx: RuleContext) => boolean, commands?: readonly string[]): Rule {
  return dl(name, level, description, (ctx) => {
    for (const run of ctx.runs()) {
      if (commands && !commands.some((c) => run.script.byName.has(c))) continue;
      if (fails(run.script, run.ins, ctx)) ctx.report(run.ins.range, description);
    }
  });
}

/** A rule that reports a RUN when one of its commands (named in `commands`) matches. */
export function commandRule(name: string, level: Level, description: string, matches: (cmd: SimpleCommand) => boolean, commands: readonly string[]): Rule {
  // Only commands of the named programs are asked about.
  return runRule(name, level, description, (script) => commands.some((n) => script.byName.get(n)?.some(matches)), commands);
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
