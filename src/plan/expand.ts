/**
 * One instruction with its words expanded where BuildKit expands them (its
 * SupportsSingleWordExpansion commands, EXPOSE's word splitting, RUN mount values,
 * unquoted heredoc sources of COPY/ADD) and nowhere else.
 */
import type { Diagnostic } from '../syntax/ast.js';
import { InstructionError, parseMount, parsePortSpec, type Mount, type PortSpec, type TypedInstruction, type Word } from '../instructions/index.js';
import { mountFrom, resolveSource, type RawStage } from './graph.js';
import type { Expander } from './scope.js';
import type { ExpandedInstruction, SourceRef } from './types.js';

export interface ExpandContext {
  readonly ex: Expander;
  readonly errors: Diagnostic[];
  readonly stages: readonly RawStage[];
}

const SIGNALS = ['ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL', 'PROF', 'PWR', 'QUIT', 'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'UNUSED', 'URG', 'USR1', 'USR2', 'VTALRM', 'WINCH', 'XCPU', 'XFSZ'];

/** moby/sys/signal.ParseSignal: a number, a name with or without SIG, or RTMIN+n / RTMAX-n. */
export function isValidSignal(s: string): boolean {
  if (/^\d+$/.test(s)) return Number(s) > 0 && Number(s) <= 64;
  const name = s.toUpperCase().replace(/^SIG/, '');
  if (SIGNALS.includes(name)) return true;
  const rt = /^RTM(IN|AX)([+-](\d+))?$/.exec(name);
  return rt !== null && (rt[3] === undefined || Number(rt[3]) <= 15);
}

function all(ctx: ExpandContext, words: readonly Word[]): string[] | undefined {
  const out: string[] = [];
  for (const w of words) {
    const v = ctx.ex.word(w);
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
}

const opt = (ctx: ExpandContext, w: Word | null): string | null | undefined => (w === null ? null : ctx.ex.word(w));

/** The expanded instruction, or undefined when an error was recorded. ARG and ENV are done by the walker. */
export function expandInstruction(ins: TypedInstruction, ctx: ExpandContext): ExpandedInstruction | undefined {
  const { ex, errors } = ctx;
  switch (ins.type) {
    case 'label': {
      const pairs = ins.pairs.map((p) => ({ key: ex.word(p.key), value: ex.word(p.value) }));
      if (pairs.some((p) => p.key === undefined || p.value === undefined)) return undefined;
      return { type: 'label', pairs: pairs as { key: string; value: string }[] };
    }
    case 'workdir': {
      const path = ex.word(ins.path);
      return path === undefined ? undefined : { type: 'workdir', path };
    }
    case 'user': {
      const user = ex.word(ins.user);
      return user === undefined ? undefined : { type: 'user', user };
    }
    case 'volume': {
      const volumes = all(ctx, ins.volumes);
      if (!volumes) return undefined;
      const empty = volumes.findIndex((v) => v === '');
      if (empty >= 0) {
        errors.push({ code: 'INSTR_EMPTY_VOLUME', message: 'VOLUME specified can not be an empty string', range: ins.volumes[empty]!.range, severity: 'error' });
        return undefined;
      }
      return { type: 'volume', volumes };
    }
    case 'stopsignal': {
      const signal = ex.word(ins.signal);
      if (signal === undefined) return undefined;
      if (!isValidSignal(signal)) {
        errors.push({ code: 'PLAN_INVALID_SIGNAL', message: `invalid signal: ${signal}`, range: ins.signal.range, severity: 'error' });
        return undefined;
      }
      return { type: 'stopsignal', signal };
    }
    case 'expose': {
      const ports: PortSpec[] = [];
      for (const w of ins.ports) {
        const words = ex.words(w);
        if (!words) return undefined;
        for (const text of words) {
          const spec = parsePortSpec(text);
          if (typeof spec === 'string') {
            errors.push({ code: 'INSTR_INVALID_PORT', message: spec, range: w.range, severity: 'error' });
            return undefined;
          }
          ports.push(spec);
        }
      }
      return { type: 'expose', ports };
    }
    case 'copy':
    case 'add':
      return expandFiles(ins, ctx);
    case 'run':
      return expandRun(ins, ctx);
    case 'cmd': return { type: 'cmd', command: ins.command };
    case 'entrypoint': return { type: 'entrypoint', command: ins.command };
    case 'shell': return { type: 'shell', shell: ins.shell.map((w) => w.value) };
    case 'maintainer': return { type: 'maintainer', maintainer: ins.maintainer.value };
    case 'healthcheck': return { type: 'healthcheck', instruction: ins };
    case 'onbuild': return { type: 'onbuild', expression: ins.expression };
    case 'arg':
    case 'env':
    case 'from':
      throw new Error(`${ins.type} is expanded by the stage walker`);
  }
}

function expandFiles(ins: Extract<TypedInstruction, { type: 'copy' | 'add' }>, ctx: ExpandContext): ExpandedInstruction | undefined {
  const { ex } = ctx;
  const sources = all(ctx, ins.sources);
  const dest = ex.word(ins.dest);
  const chown = opt(ctx, ins.chown);
  const chmod = opt(ctx, ins.chmod);
  const exclude = all(ctx, ins.exclude);
  const checksum = ins.type === 'add' ? opt(ctx, ins.checksum) : null;
  // Heredoc bodies expand raw: quotes are data there, and the escape is always `\`.
  const inline = ins.inline.map((s) => ({ path: s.path, data: s.expand ? ex.text(s.data, s.range, { skipQuotes: true, escape: '\\' }) : s.data }));
  if (!sources || dest === undefined || chown === undefined || chmod === undefined || !exclude || checksum === undefined || inline.some((s) => s.data === undefined)) return undefined;
  let from: SourceRef | null = null;
  if (ins.type === 'copy' && ins.from) from = resolveSource(ins.from.value, ins.from.range, ctx.stages, []);
  return {
    type: ins.type, sources, inline: inline as { path: string; data: string }[], dest, from, chown, chmod,
    link: ins.link, parents: ins.type === 'copy' ? ins.parents : false, exclude, checksum,
    keepGitDir: ins.type === 'add' ? ins.keepGitDir : false,
    unpack: ins.type === 'add' ? ins.unpack : null,
  };
}

function expandRun(ins: Extract<TypedInstruction, { type: 'run' }>, ctx: ExpandContext): ExpandedInstruction | undefined {
  const mounts: Mount[] = [];
  const mountSources: (SourceRef | null)[] = [];
  for (const m of ins.mounts) {
    let failed = false;
    try {
      const mount = parseMount(m.raw.value, m.raw.range, (v) => {
        const out = ctx.ex.text(v, m.raw.range);
        if (out === undefined) failed = true;
        return out ?? v;
      });
      if (failed || !mount) return undefined;
      mounts.push(mount);
    } catch (err) {
      if (!(err instanceof InstructionError)) throw err;
      ctx.errors.push(err.diagnostic);
      return undefined;
    }
    const from = mountFrom(m.raw.value);
    mountSources.push(from ? resolveSource(from, m.raw.range, ctx.stages, [], false) : null);
  }
  return {
    type: 'run', command: ins.command, files: ins.files, mounts, mountSources,
    network: ins.network, security: ins.security, devices: ins.devices.map((d) => d.value),
  };
}
