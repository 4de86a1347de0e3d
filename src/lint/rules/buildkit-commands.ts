import { analyzeWord } from '../../shell/index.js';
import type { Instruction, KeyValuePair } from '../../syntax/ast.js';
import { shellAt } from '../lint.js';
import { parseScript } from '../shell.js';
import type { Rule, RuleContext, TextEdit } from '../types.js';

const docs = (slug: string): string => `https://docs.docker.com/go/dockerfile/rule/${slug}/`;

/** Expansion of a word with every referenced variable set to a distinct value. */
function meaning(ctx: RuleContext, word: string): string | undefined {
  const escape = ctx.model.escape;
  const first = analyzeWord(word, {}, { escape });
  const env = new Map(first.referenced.map((n) => [n, `<${n}>`]));
  const r = analyzeWord(word, env, { escape });
  return r.ok ? r.value : undefined;
}

/** A single shell word that BuildKit expands to the literal `value`, or undefined. */
export function quoteLiteral(ctx: RuleContext, value: string): string | undefined {
  const e = ctx.model.escape;
  for (const c of [value, `"${value.replace(/["$\\`]/g, (ch) => e + ch)}"`, `'${value}'`]) {
    if (/\s/.test(c) && c[0] !== '"' && c[0] !== "'") continue;
    const r = analyzeWord(c, {}, { escape: e });
    if (r.ok && r.value === value && r.referenced.length === 0) return c;
  }
  return undefined;
}

/** Rewrites a legacy `KEY value` value as one `k=v` word with the same expansion. */
function keyValueWord(ctx: RuleContext, source: string): string | undefined {
  const want = meaning(ctx, source);
  if (want === undefined) return undefined;
  const candidates = /\s/.test(source) ? [source, `"${source}"`] : [source];
  for (const c of candidates) {
    if (/\s/.test(c) && !/^(["'])[^"']*\1$/s.test(c)) continue;
    if (meaning(ctx, c) === want) return c;
  }
  return undefined;
}

/** The source of an argument is exactly one line: a fix can replace it without losing layout. */
function oneLine(ctx: RuleContext, ins: Instruction): boolean {
  return ins.range.start.line === ins.range.end.line && ins.heredocs.length === 0 && !ctx.text.slice(ins.range.start.offset, ins.range.end.offset).includes('\n');
}

const SHELL_SYNTAX = /[$`\\|&;<>()*?[\]{}~#!\n]/;
const BUILTINS = new Set(['exec', 'cd', 'source', '.', 'export', 'set', 'unset', 'eval', 'if', 'for', 'while', 'case', 'test', '[', 'true', 'false', 'echo', 'printf', 'trap', 'ulimit', 'umask', 'wait']);

function jsonFix(ctx: RuleContext, ins: Instruction): TextEdit[] | undefined {
  if (ins.body.type !== 'Shell' || !oneLine(ctx, ins)) return undefined;
  const command = ins.body.command;
  if (SHELL_SYNTAX.test(command.value)) return undefined;
  const script = parseScript(command.value);
  const cmd = script.commands[0];
  if (script.commands.length !== 1 || script.operators.length > 0 || !cmd || cmd.assignments.length > 0 || BUILTINS.has(cmd.name)) return undefined;
  const words = [cmd.name, ...cmd.args.map((a) => a.value)];
  return [{ range: command.range, newText: `[${words.map((w) => JSON.stringify(w)).join(', ')}]` }];
}

export const JSONArgsRecommended: Rule = {
  name: 'JSONArgsRecommended',
  source: 'buildkit',
  level: 'warning',
  description: 'JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals',
  url: docs('json-args-recommended'),
  fixable: true,
  instructions: ['cmd', 'entrypoint'],
  check(ctx) {
    for (const stage of ctx.model.stages) {
      for (const ins of stage.instructions) {
        if ((ins.name !== 'cmd' && ins.name !== 'entrypoint') || ins.body.type !== 'Shell') continue;
        // An explicit SHELL says the shell form is intended.
        if (shellAt(ins, stage)) continue;
        ctx.report(ins.keywordRange, `JSON arguments recommended for ${ins.name.toUpperCase()} to prevent unintended behavior related to OS signals`, later(jsonFix, ctx, ins));
      }
    }
  },
};

export const MaintainerDeprecated: Rule = {
  name: 'MaintainerDeprecated',
  source: 'buildkit',
  level: 'warning',
  description: 'The MAINTAINER instruction is deprecated, use a label instead to define an image author',
  url: docs('maintainer-deprecated'),
  fixable: true,
  instructions: ['maintainer'],
  check(ctx) {
    for (const ins of ctx.model.ast.instructions) {
      if (ins.name === 'maintainer') ctx.report(ins.keywordRange, 'Maintainer instruction is deprecated in favor of using label', later(maintainerFix, ctx, ins));
    }
  },
};

function maintainerFix(ctx: RuleContext, ins: Instruction): TextEdit[] | undefined {
  const value = ins.body.type === 'String' ? ins.body.value.value : undefined;
  const word = value === undefined || !oneLine(ctx, ins) ? undefined : quoteLiteral(ctx, value);
  if (word === undefined || ins.body.type !== 'String') return undefined;
  const label = ins.keyword === ins.keyword.toLowerCase() ? 'label' : 'LABEL';
  return [{ range: { start: ins.keywordRange.start, end: ins.body.value.range.end }, newText: `${label} org.opencontainers.image.authors=${word}` }];
}

export const LegacyKeyValueFormat: Rule = {
  name: 'LegacyKeyValueFormat',
  source: 'buildkit',
  level: 'warning',
  description: 'Legacy key/value format with whitespace separator should not be used',
  url: docs('legacy-key-value-format'),
  fixable: true,
  instructions: ['env', 'label', 'onbuild'],
  check(ctx) {
    for (const ins of ctx.model.ast.instructions) checkKeyValues(ctx, ins.body.type === 'Onbuild' ? ins.body.instruction : ins);
  },
};

function checkKeyValues(ctx: RuleContext, ins: Instruction): void {
  if (ins.body.type === 'Onbuild') return checkKeyValues(ctx, ins.body.instruction);
  if ((ins.name !== 'env' && ins.name !== 'label') || ins.body.type !== 'KeyValue') return;
  for (const pair of ins.body.pairs) {
    if (pair.separator !== '') continue;
    const name = ins.name.toUpperCase();
    ctx.report(pair.range, `"${name} key=value" should be used instead of legacy "${name} key value" format`, later(keyValueFix, ctx, pair));
  }
}

function keyValueFix(ctx: RuleContext, pair: KeyValuePair): TextEdit[] | undefined {
  const { key, value } = pair;
  const source = ctx.text.slice(value.range.start.offset, value.range.end.offset);
  if (source !== value.value || key.range.end.line !== value.range.end.line) return undefined;
  const word = keyValueWord(ctx, source);
  return word === undefined ? undefined : [{ range: { start: key.range.end, end: value.range.end }, newText: `=${word}` }];
}

/**
 * A fix computed only when read. Built here rather than as an arrow in the rule's loop: a
 * closure over the loop's variables makes every iteration allocate, reported or not.
 */
function later<T>(fix: (ctx: RuleContext, node: T) => TextEdit[] | undefined, ctx: RuleContext, node: T): () => TextEdit[] | undefined {
  return () => fix(ctx, node);
}

const SINGLE = new Set(['cmd', 'entrypoint', 'healthcheck']);

export const MultipleInstructionsDisallowed: Rule = {
  name: 'MultipleInstructionsDisallowed',
  source: 'buildkit',
  level: 'warning',
  description: 'Multiple instructions of the same type should not be used in the same stage',
  url: docs('multiple-instructions-disallowed'),
  instructions: ['cmd', 'entrypoint', 'healthcheck'],
  check(ctx) {
    for (const stage of ctx.model.stages) {
      let last: Map<string, Instruction> | undefined;
      for (const ins of stage.instructions) {
        if (!SINGLE.has(ins.name)) continue;
        last ??= new Map();
        const previous = last.get(ins.name);
        // The earlier one is the one that has no effect.
        if (previous) ctx.report(previous.keywordRange, `Multiple ${ins.name.toUpperCase()} instructions should not be used in the same stage because only the last one will be used`);
        last.set(ins.name, ins);
      }
    }
  },
};

export const NoEmptyContinuation: Rule = {
  name: 'NoEmptyContinuation',
  source: 'buildkit',
  level: 'warning',
  description: 'Empty continuation lines will become errors in a future release',
  url: docs('no-empty-continuation'),
  check(ctx) {
    for (const w of ctx.parse.warnings) {
      if (w.code !== 'PARSE_EMPTY_CONTINUATION') continue;
      // Point at the blank lines themselves rather than at the end of the instruction.
      const ins = ctx.model.ast.instructions.find((i) => i.range.start.offset <= w.range.start.offset && w.range.start.offset <= i.range.end.offset);
      const blanks: number[] = [];
      for (let line = (ins?.range.start.line ?? 0) + 1; ins && line < ins.range.end.line; line++) {
        const inHeredoc = ins.heredocs.some((h) => h.range.start.line <= line && line <= h.range.end.line);
        if (!inHeredoc && ctx.index.lineText(line).trim() === '') blanks.push(line);
      }
      if (blanks.length === 0) ctx.report(w.range, 'Empty continuation line');
      for (const line of blanks) {
        const start = ctx.index.position(ctx.index.offsetOf(line));
        ctx.report({ start, end: ctx.index.position(start.offset + ctx.index.lineText(line).length) }, 'Empty continuation line');
      }
    }
  },
};

const WHITESPACE = /\s/;
const beforeEquals = (v: string): string => { const eq = v.indexOf('='); return eq < 0 ? v : v.slice(0, eq); };

export const InvalidDefinitionDescription: Rule = {
  name: 'InvalidDefinitionDescription',
  source: 'buildkit',
  level: 'warning',
  description: 'Comment for build stage or argument should follow the format: `# <arg/stage name> <description>`. If this is not intended to be a description comment, add an empty line or comment between the instruction and the comment.',
  url: docs('invalid-definition-description'),
  optIn: true,
  check(ctx) {
    for (const ins of ctx.model.ast.instructions) {
      const comments = ins.comments;
      if (comments.length === 0 || (ins.name !== 'from' && ins.name !== 'arg')) continue;
      const stage = ins.name === 'from' ? ctx.model.stageOf(ins) : undefined;
      const name = stage?.nameWord?.value ?? (ins.name === 'arg' && ins.args.length === 1 ? beforeEquals(ins.args[0]!.value) : undefined);
      if (!name) continue;
      // Only the comment block touching the instruction describes it; its first comment is read.
      let top = -1;
      let line = ins.range.start.line - 1;
      for (let i = comments.length - 1; i >= 0 && comments[i]!.range.start.line === line; i--, line--) top = i;
      if (top < 0) continue;
      const text = comments[top]!.text;
      const space = text.search(WHITESPACE);
      const first = space < 0 ? text : text.slice(0, space);
      const matches = stage ? first.toLowerCase() === name.toLowerCase() : first === name;
      if (!matches) ctx.report(comments[top]!.range, `Comment for ${ins.name === 'from' ? 'build stage' : 'build argument'} should follow the format: \`# ${name} <description>\``);
    }
  },
};
