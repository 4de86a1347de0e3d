import type { Instruction } from '../../syntax/ast.js';
import { argDeclarations } from '../model.js';
import { collectSuppressions } from '../suppress.js';
import type { Rule } from '../types.js';
import { dl, unquote } from './dl.js';

/** hadolint's rules on single instructions and their order within a stage. */

export const DL1001: Rule = dl('DL1001', 'info', 'Please refrain from using inline ignore pragmas `# hadolint ignore=DLxxxx`.', (ctx) => {
  if (!ctx.model.ast.comments.some((c) => c.text.includes('ignore'))) return;
  for (const p of collectSuppressions(ctx.model.ast).pragmas) ctx.report(p.comment.range, 'Please refrain from using inline ignore pragmas `# hadolint ignore=DLxxxx`.');
}, { optIn: true });

const isAbsolute = (p: string): boolean => p.startsWith('/') || p.startsWith('$') || /^[A-Za-z]:[\\/]/.test(p);

export const DL3000: Rule = dl('DL3000', 'error', 'Use absolute WORKDIR', (ctx) => {
  for (const ins of ctx.model.ast.instructions) {
    const word = ins.name === 'workdir' ? ins.args[0] : undefined;
    if (word && !isAbsolute(unquote(word.value))) ctx.report(word.range, 'Use absolute WORKDIR');
  }
}, { instructions: ['workdir'] });

const isRoot = (u: string): boolean => u === 'root' || u === '0' || u.startsWith('root:') || u.startsWith('0:');

export const DL3002: Rule = dl('DL3002', 'warning', 'Last USER should not be root', (ctx) => {
  for (const stage of ctx.model.stages) {
    let last: Instruction | undefined;
    for (const i of stage.instructions) if (i.name === 'user' && i.args[0]) last = i;
    if (last && isRoot(unquote(last.args[0]!.value))) ctx.report(last.range, 'Last USER should not be root');
  }
}, { instructions: ['user'] });

export const DL3011: Rule = dl('DL3011', 'error', 'Valid UNIX ports range from 0 to 65535', (ctx) => {
  for (const ins of ctx.model.ast.instructions) {
    if (ins.name !== 'expose') continue;
    for (const word of ins.args) {
      if (word.value.includes('$')) continue;
      if (!validPorts(word.value)) ctx.report(word.range, 'Valid UNIX ports range from 0 to 65535');
    }
  }
}, { instructions: ['expose'] });

/** `[ip:][hostPort:]port[-port][/proto]`: every port of the container side a number up to 65535. */
function validPorts(value: string): boolean {
  const slash = value.indexOf('/');
  const end = slash < 0 ? value.length : slash;
  let i = value.lastIndexOf(':', end - 1) + 1;
  // Each `-`-separated part: one or more digits, at most 65535.
  for (;;) {
    let n = 0;
    const start = i;
    while (i < end) {
      const c = value.charCodeAt(i);
      if (c === 45) break;
      if (c < 48 || c > 57) return false;
      n = n * 10 + (c - 48);
      i++;
    }
    if (i === start || n > 65535) return false;
    if (i === end) return true;
    i++;
  }
}

/** hadolint reports every repeat after the first in a stage. */
function repeated(code: string, level: 'error' | 'warning', name: string, message: string): Rule {
  return dl(code, level, message, (ctx) => {
    for (const stage of ctx.model.stages) {
      let seen = false;
      for (const ins of stage.instructions) {
        if (ins.name !== name) continue;
        if (seen) ctx.report(ins.keywordRange, message);
        seen = true;
      }
    }
  }, { instructions: [name] });
}

export const DL3012 = repeated('DL3012', 'error', 'healthcheck', 'Multiple `HEALTHCHECK` instructions');
export const DL4003 = repeated('DL4003', 'warning', 'cmd', 'Multiple `CMD` instructions found. If you list more than one `CMD` then only the last `CMD` will take effect');
export const DL4004 = repeated('DL4004', 'error', 'entrypoint', 'Multiple `ENTRYPOINT` instructions found. If you list more than one `ENTRYPOINT` then only the last `ENTRYPOINT` will take effect');

const ARCHIVE = /\.(?:tar|Z|bz2|gz|lz|lzma|tZ|tb2|tbz|tbz2|tgz|tlz|tpz|txz|xz|zst)$/;
const URL = /^(?:https?|ftp|git):\/\/|^git@/;

export const DL3020: Rule = dl('DL3020', 'error', 'Use COPY instead of ADD for files and folders', (ctx) => {
  for (const ins of ctx.model.ast.instructions) {
    if (ins.name !== 'add' || ins.heredocs.length > 0) continue;
    let local = false;
    for (let i = 0; i < ins.args.length - 1 && !local; i++) {
      const s = unquote(ins.args[i]!.value);
      local = !URL.test(s) && !ARCHIVE.test(s) && !s.includes('$');
    }
    if (local) ctx.report(ins.range, 'Use COPY instead of ADD for files and folders');
  }
}, { instructions: ['add'] });

export const DL3021: Rule = dl('DL3021', 'error', 'COPY with more than 2 arguments requires the last argument to end with /', (ctx) => {
  for (const ins of ctx.model.ast.instructions) {
    if (ins.name !== 'copy' || ins.args.length <= 2 || ins.heredocs.length > 0) continue;
    const dest = unquote(ins.args[ins.args.length - 1]!.value);
    if (!dest.endsWith('/') && !dest.includes('$')) ctx.report(ins.args[ins.args.length - 1]!.range, 'COPY with more than 2 arguments requires the last argument to end with /');
  }
}, { instructions: ['copy'] });

export const DL3025: Rule = dl('DL3025', 'warning', 'Use arguments JSON notation for CMD and ENTRYPOINT arguments', (ctx) => {
  for (const ins of ctx.model.ast.instructions) {
    const target: Instruction = ins.body.type === 'Onbuild' ? ins.body.instruction : ins;
    if ((target.name === 'cmd' || target.name === 'entrypoint') && target.body.type === 'Shell') ctx.report(ins.range, 'Use arguments JSON notation for CMD and ENTRYPOINT arguments');
  }
}, { instructions: ['cmd', 'entrypoint', 'onbuild'] });

const refs = (value: string): string[] => [...value.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);

const envWithVariable = (ins: Instruction): boolean => ins.name === 'env' && ins.body.type === 'KeyValue' && ins.original.includes('$');

export const DL3044: Rule = dl('DL3044', 'error', 'Do not refer to an environment variable within the same `ENV` statement where it is defined.', (ctx) => {
  for (const stage of ctx.model.stages) {
    // Only an ENV that uses a variable can refer to itself; most stages have none.
    if (!stage.instructions.some(envWithVariable)) continue;
    const before = new Set<string>();
    for (const ins of stage.instructions) {
      if (ins.name === 'arg') for (const d of argDeclarations(ins)) before.add(d.name);
      if (ins.name !== 'env' || ins.body.type !== 'KeyValue') continue;
      const keys: string[] = [];
      if (!ins.original.includes('$')) { for (const p of ins.body.pairs) before.add(p.key.value); continue; }
      for (const pair of ins.body.pairs) {
        // Only a pair after the first, whose value uses a variable, can refer to an earlier key.
        if (keys.length > 0 && pair.value.value.includes('$') && refs(pair.value.value).some((r) => keys.includes(r) && !before.has(r))) {
          ctx.report(pair.range, 'Do not refer to an environment variable within the same `ENV` statement where it is defined.');
        }
        keys.push(pair.key.value);
      }
      for (const k of keys) before.add(k);
    }
  }
}, { instructions: ['env'] });

export const DL3045: Rule = dl('DL3045', 'warning', '`COPY` to a relative destination without `WORKDIR` set.', (ctx) => {
  const workdir = new Map<number, boolean>();
  for (const stage of ctx.model.stages) {
    let set = stage.parent ? workdir.get(stage.parent.index) ?? false : false;
    for (const ins of stage.instructions) {
      if (ins.name === 'workdir') set = true;
      if (ins.name !== 'copy' || set || ins.args.length < 2) continue;
      const dest = unquote(ins.args[ins.args.length - 1]!.value);
      if (!isAbsolute(dest) && !/^[A-Za-z]:/.test(dest)) ctx.report(ins.args[ins.args.length - 1]!.range, '`COPY` to a relative destination without `WORKDIR` set.');
    }
    workdir.set(stage.index, set);
  }
}, { instructions: ['copy'] });

export const DL4000: Rule = dl('DL4000', 'error', 'MAINTAINER is deprecated', (ctx) => {
  for (const ins of ctx.model.ast.instructions) if (ins.name === 'maintainer') ctx.report(ins.keywordRange, 'MAINTAINER is deprecated');
}, { instructions: ['maintainer'] });

export const STATIC_RULES: readonly Rule[] = [DL1001, DL3000, DL3002, DL3011, DL3012, DL3020, DL3021, DL3025, DL3044, DL3045, DL4000, DL4003, DL4004];
