import { SlipwayError } from '../errors.js';
import { portKeys, type CommandLine, type InlineFile, type Mount } from '../instructions/index.js';
import type { BuildPlan, PlanStep, SourceRef } from '../plan/types.js';
import { expandWord } from '../shell/index.js';
import type { Range } from '../syntax/ast.js';
import type { ConfigInstruction } from './config.js';
import type { CopySourceRef, ExecGraph, ExecStage, ExecStep, RunMountSpec, SourceLocation } from './graph.js';

/**
 * The build plan (src/plan) as the executor's graph: each planned step becomes a config
 * change, a WORKDIR, a RUN or a COPY/ADD with everything it needs spelled out.
 */

const HEREDOC_ONLY = /^<<(-?)(["']?)([^\s"'<>|&;]+)\2$/;

function loc(file: string, r: Range): SourceLocation {
  return { file, line: r.start.line, column: r.start.column };
}

/**
 * The instruction as BuildKit shows it in progress: the original text, continuations
 * joined, with the variables in effect substituted (quotes kept, unset ones left as written).
 */
function display(step: PlanStep): string {
  let text = step.source.node.original.split('\n')[0]!.replace(/\\\s*$/, '').trim();
  try {
    text = expandWord(text, step.env, { rawQuotes: true, skipUnset: true });
  } catch {
    // Text that does not expand is shown as written (BuildKit does the same).
  }
  return step.onbuild ? `ONBUILD ${text}` : text;
}

function commandArgs(c: CommandLine): { args: string[]; shell: boolean } {
  return c.form === 'shell' ? { args: [c.command.value], shell: true } : { args: c.args.map((w) => w.value), shell: false };
}

function chomped(f: InlineFile): string {
  return f.chomp ? f.data.replace(/^\t+/gm, '') : f.data;
}

function source(ref: SourceRef | null): CopySourceRef {
  return ref === null ? { type: 'context' } : ref;
}

function mountSpec(m: Mount, ref: SourceRef | null): RunMountSpec | undefined {
  switch (m.type) {
    case 'bind':
      return { type: 'bind', target: m.target, source: m.source, from: source(ref), readwrite: !m.readOnly };
    case 'cache':
      return { type: 'cache', target: m.target, id: m.id, sharing: m.sharing, ...(m.from !== null ? { from: source(ref), source: m.source } : {}), mode: m.mode, uid: m.uid, gid: m.gid, readonly: m.readOnly };
    case 'tmpfs':
      return { type: 'tmpfs', target: m.target, ...(m.size !== null ? { size: m.size } : {}) };
    case 'secret':
      return { type: 'secret', id: m.id, target: m.target ?? (m.env === null ? `/run/secrets/${m.id}` : null), required: m.required, mode: m.mode, uid: m.uid, gid: m.gid, ...(m.env !== null ? { env: m.env } : {}) };
    case 'ssh':
      return { type: 'ssh', id: m.id, target: m.target, required: m.required, mode: m.mode, uid: m.uid, gid: m.gid };
    default: {
      const never: never = m;
      throw new Error(`unhandled mount ${JSON.stringify(never)}`);
    }
  }
}

function config(ins: ConfigInstruction, step: PlanStep, file: string): ExecStep {
  return { kind: 'config', ins, text: display(step), loc: loc(file, step.source.range) };
}

export function stepFromPlan(step: PlanStep, file: string, proxyEnv: Readonly<Record<string, string>>): ExecStep {
  const i = step.instruction;
  const where = loc(file, step.source.range);
  switch (i.type) {
    case 'arg':
      return config({ type: 'ARG', args: i.args.map((a) => (a.value === null ? { key: a.name } : { key: a.name, value: a.value })) }, step, file);
    case 'env':
      return config({ type: 'ENV', pairs: i.pairs.map((p) => [p.key, p.value] as const) }, step, file);
    case 'label':
      return config({ type: 'LABEL', pairs: i.pairs.map((p) => [p.key, p.value] as const) }, step, file);
    case 'cmd':
    case 'entrypoint': {
      const c = commandArgs(i.command);
      return config({ type: i.type === 'cmd' ? 'CMD' : 'ENTRYPOINT', args: c.args, shell: c.shell }, step, file);
    }
    case 'shell':
      return config({ type: 'SHELL', shell: i.shell }, step, file);
    case 'user':
      return config({ type: 'USER', user: i.user }, step, file);
    case 'volume':
      return config({ type: 'VOLUME', volumes: i.volumes }, step, file);
    case 'expose':
      return config({ type: 'EXPOSE', ports: i.ports.flatMap((p) => portKeys(p)) }, step, file);
    case 'stopsignal':
      return config({ type: 'STOPSIGNAL', signal: i.signal }, step, file);
    case 'maintainer':
      return config({ type: 'MAINTAINER', name: i.maintainer }, step, file);
    case 'onbuild':
      return config({ type: 'ONBUILD', expression: i.expression }, step, file);
    case 'healthcheck': {
      const h = i.instruction.check;
      return config({ type: 'HEALTHCHECK', health: h.type === 'none' ? { Test: ['NONE'] } : { Test: [...h.test], Interval: h.interval, Timeout: h.timeout, StartPeriod: h.startPeriod, StartInterval: h.startInterval, Retries: h.retries } }, step, file);
    }
    case 'workdir':
      return { kind: 'workdir', path: i.path, text: display(step), loc: where };
    case 'run': {
      let { args, shell } = commandArgs(i.command);
      let script: { name: string; data: string } | undefined;
      if (i.files.length > 0 && shell) {
        const only = HEREDOC_ONLY.exec(args[0]!.trim());
        if (only && i.files.length === 1) {
          const data = chomped(i.files[0]!);
          if (data.startsWith('#!')) script = { name: i.files[0]!.name, data };
          else args = [data];
        } else {
          args = [args[0] + i.files.map((f) => `\n${f.data}${f.name}`).join('')];
        }
      }
      // The ARGs in scope, with the value a RUN sees (ENV wins), for the `|N K=V` history prefix.
      const buildArgs: [string, string][] = Object.entries(step.args).flatMap(([k, v]) => (v === null ? [] : [[k, step.env[k] ?? v] as [string, string]]));
      const mounts = i.mounts.map((m, n) => mountSpec(m, i.mountSources[n] ?? null)).filter((m): m is RunMountSpec => m !== undefined);
      return {
        kind: 'run', text: display(step), loc: where, shellForm: shell && script === undefined, args, mounts, network: i.network, buildArgs,
        proxyEnv: Object.entries(proxyEnv),
        ...(script ? { script } : {}),
      };
    }
    case 'copy':
    case 'add':
      return {
        kind: 'copy', text: display(step), loc: where, add: i.type === 'add', from: source(i.from), sources: i.sources, inline: i.inline,
        dest: i.dest, link: i.link, parents: i.parents, exclude: i.exclude, unpack: i.unpack,
        ...(i.chown !== null ? { chown: i.chown } : {}), ...(i.chmod !== null ? { chmod: i.chmod } : {}), ...(i.checksum !== null ? { checksum: i.checksum } : {}),
      };
    default: {
      const never: never = i;
      throw new Error(`unhandled planned instruction ${JSON.stringify(never)}`);
    }
  }
}

/** Converts a checked plan (no errors) into the executor's graph. */
export function graphFromPlan(plan: BuildPlan, file: string): ExecGraph {
  const stages: ExecStage[] = plan.stages.map((s) => ({
    index: s.index,
    name: s.name,
    base: s.base,
    loc: loc(file, s.range),
    steps: s.steps.map((st) => stepFromPlan(st, file, plan.proxyEnv)),
    deps: [...new Set(s.dependencies.map((d) => d.index))],
  }));
  return {
    stages,
    stageCount: plan.stageCount,
    target: plan.target,
    warnings: plan.warnings.map((w) => `${file}:${w.range.start.line}:${w.range.start.column}: ${w.message}`),
    platform: plan.targetPlatform,
  };
}
