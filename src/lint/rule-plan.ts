import type { Directive } from '../syntax/ast.js';
import { checkDirective, type LintConfig } from './config.js';
import { keywordBits } from './model.js';
import { LEVELS, type Level, type Rule } from './types.js';

/**
 * Which rules run on a file, at which level: decided by the config and the file's
 * `# check=` directive only, so computed once per rule list, config object and directive
 * and shared by every file that has them.
 */

/**
 * A rule that runs, with the level its findings get. Its name, check and programs are
 * copied here: rules are objects of many shapes, and reading them off the rule in the
 * lint loop made every read a megamorphic lookup, 88 rules times every file.
 */
export interface Step {
  readonly rule: Rule;
  readonly name: string;
  readonly check: Rule['check'];
  readonly level: Level;
  readonly commands: readonly string[] | undefined;
  /** The instruction keywords the rule is about as bits (`Rule.instructions`); 0 for any file. */
  readonly keywords: number;
}

export interface Plan {
  readonly steps: readonly Step[];
  /** For each program some step is about (`Rule.commands`), the indexes of those steps. */
  readonly byCommand: ReadonlyMap<string, readonly number[]>;
}

interface ConfigPlans {
  /** Files without a check directive. */
  plain?: Plan;
  /** By the directive's text; a handful at most in practice. */
  readonly byDirective: Map<string, Plan>;
}

const plans = new WeakMap<readonly Rule[], WeakMap<LintConfig, ConfigPlans>>();
const MAX_DIRECTIVES = 64;

export function planFor(rules: readonly Rule[], config: LintConfig, directives: readonly Directive[]): Plan {
  let byConfig = plans.get(rules);
  if (!byConfig) plans.set(rules, (byConfig = new WeakMap()));
  let cached = byConfig.get(config);
  if (!cached) byConfig.set(config, (cached = { byDirective: new Map() }));
  // checkDirective reads the first `check` directive only.
  let directive: Directive | undefined;
  for (const d of directives) if (d.name === 'check') { directive = d; break; }
  if (!directive) return (cached.plain ??= makePlan(rules, config, directives));
  let plan = cached.byDirective.get(directive.value);
  if (!plan) {
    if (cached.byDirective.size >= MAX_DIRECTIVES) cached.byDirective.clear();
    cached.byDirective.set(directive.value, (plan = makePlan(rules, config, directives)));
  }
  return plan;
}

function makePlan(rules: readonly Rule[], config: LintConfig, directives: readonly Directive[]): Plan {
  const directive = checkDirective(directives);
  const levels = new Map<string, Level>();
  for (const level of LEVELS) for (const name of config.override?.[level] ?? []) levels.set(name, level);
  const ignored = new Set(config.ignored ?? []);
  const enabled = new Set(config.enable ?? []);
  const steps: Step[] = [];
  const byCommand = new Map<string, number[]>();
  for (const rule of rules) {
    if (ignored.has(rule.name)) continue;
    const buildkit = rule.source === 'buildkit';
    // `skip=all` is BuildKit's switch for its own checks; a named rule is skipped whatever its source.
    if ((buildkit && directive.skip === 'all') || (directive.skip !== 'all' && directive.skip.includes(rule.name))) continue;
    if (rule.optIn && !enabled.has(rule.name) && !(buildkit && (directive.experimental === 'all' || directive.experimental.includes(rule.name)))) continue;
    const commands = rule.commands;
    if (commands) for (const c of commands) { const list = byCommand.get(c); if (list) list.push(steps.length); else byCommand.set(c, [steps.length]); }
    const keywords = rule.instructions ? keywordBits(rule.instructions) : 0;
    steps.push({ rule, name: rule.name, check: rule.check, level: levels.get(rule.name) ?? (buildkit && directive.error ? 'error' : rule.level), commands, keywords });
  }
  return { steps, byCommand };
}
