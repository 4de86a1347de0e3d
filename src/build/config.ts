import path from 'node:path/posix';
import { SlipwayError } from '../errors.js';
import type { ContainerConfig, HealthConfig, History, ImageConfig } from '../oci/index.js';
import { goDuration, goList, goQuoteList } from './gofmt.js';

/**
 * Docker's image-config semantics as a pure module: how each config instruction changes
 * the image config and which `history` entry it writes, exactly as BuildKit's Dockerfile
 * front end does (dockerfile2llb's dispatch functions). No I/O; the executor feeds it
 * instructions whose words are already expanded.
 */

export const HISTORY_COMMENT = 'buildkit.dockerfile.v0';
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];

/** A config instruction after expansion: the executor maps typed instructions onto these. */
export type ConfigInstruction =
  /** CMD/ENTRYPOINT: `shell` marks shell form (args is then one command string). */
  | { readonly type: 'CMD' | 'ENTRYPOINT'; readonly args: readonly string[]; readonly shell: boolean }
  | { readonly type: 'ENV' | 'LABEL'; readonly pairs: readonly (readonly [string, string])[] }
  /** EXPOSE words after expansion: `80`, `80/udp`, `8000-8002/tcp`. */
  | { readonly type: 'EXPOSE'; readonly ports: readonly string[] }
  | { readonly type: 'USER'; readonly user: string }
  | { readonly type: 'VOLUME'; readonly volumes: readonly string[] }
  | { readonly type: 'STOPSIGNAL'; readonly signal: string }
  | { readonly type: 'SHELL'; readonly shell: readonly string[] }
  | { readonly type: 'ONBUILD'; readonly expression: string }
  | { readonly type: 'MAINTAINER'; readonly name: string }
  /** Values after build-arg resolution; a key without value keeps `value` undefined. */
  | { readonly type: 'ARG'; readonly args: readonly { readonly key: string; readonly value?: string }[] }
  /** Test: ["NONE"], ["CMD", ...], ["CMD-SHELL", cmd]; durations in nanoseconds. */
  | { readonly type: 'HEALTHCHECK'; readonly health: HealthConfig };

/** The image being built in one stage, plus the per-stage facts Docker's rules need. */
export interface ImageState {
  readonly image: ImageConfig;
  /** CMD was set in this stage (then a later ENTRYPOINT keeps it). */
  readonly cmdSet: boolean;
}

/** The config of `FROM scratch`. */
export function emptyImage(platform: { os: string; architecture: string; variant?: string }): ImageConfig {
  const image: ImageConfig = { architecture: platform.architecture, os: platform.os, config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
  if (platform.variant) image.variant = platform.variant;
  return image;
}

/**
 * Starts a stage from its base image config: a deep copy with `created` dropped,
 * ONBUILD triggers removed (they run in this stage instead) and PATH always set.
 */
export function startStage(base: ImageConfig): ImageState {
  const image = structuredClone(base);
  delete image.created;
  const config: ContainerConfig = image.config ?? {};
  delete config.OnBuild;
  if (!(config.Env ?? []).some((e) => e.split('=', 1)[0] === 'PATH')) config.Env = [...(config.Env ?? []), `PATH=${DEFAULT_PATH}`];
  image.config = config;
  image.history = image.history ?? [];
  return { image, cmdSet: false };
}

/** SHELL (or /bin/sh -c) + the shell-form command as one string. */
export function withShell(config: ContainerConfig | undefined, args: readonly string[]): string[] {
  const shell = config?.Shell && config.Shell.length > 0 ? config.Shell : DEFAULT_SHELL;
  return [...shell, args.join(' ')];
}

/** Replaces `k=...` in an env list or appends it (Docker's addEnv). */
export function addEnv(env: readonly string[], key: string, value: string): string[] {
  const out = [...env];
  const i = out.findIndex((e) => e.split('=', 1)[0] === key);
  if (i >= 0) out[i] = `${key}=${value}`;
  else out.push(`${key}=${value}`);
  return out;
}

export function historyEntry(createdBy: string, emptyLayer: boolean, created?: string): History {
  const h: History = {};
  if (created !== undefined) h.created = created;
  h.created_by = createdBy;
  h.comment = HISTORY_COMMENT;
  if (emptyLayer) h.empty_layer = true;
  return h;
}

/** EXPOSE port specs to `port/proto` keys; ranges expand to each port. */
export function exposedPorts(specs: readonly string[]): string[] {
  const out: string[] = [];
  for (const spec of specs) {
    const parts = spec.split(':');
    const [portPart, protoRaw = ''] = parts[parts.length - 1]!.split('/', 2) as [string, string?];
    const proto = protoRaw.toLowerCase() || 'tcp';
    if (portPart === '') throw new SlipwayError('BUILD_BAD_EXPOSE', `no port specified: ${spec}<empty>`);
    if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new SlipwayError('BUILD_BAD_EXPOSE', `invalid proto: ${proto}`);
    const m = /^(\d+)(?:-(\d+))?$/.exec(portPart);
    const start = m ? Number(m[1]) : NaN;
    const end = m?.[2] !== undefined ? Number(m[2]) : start;
    if (!m || start > 65535 || end > 65535 || end < start) throw new SlipwayError('BUILD_BAD_EXPOSE', `invalid containerPort: ${portPart}`);
    for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  }
  return out;
}

function healthText(h: HealthConfig): string {
  const d = (v: number | undefined) => goDuration(v ?? 0);
  return `{Test:${goList(h.Test ?? [])} Interval:${d(h.Interval)} Timeout:${d(h.Timeout)} StartPeriod:${d(h.StartPeriod)} StartInterval:${d(h.StartInterval)} Retries:${h.Retries ?? 0}}`;
}

// signal.ParseSignal accepts SIGTERM, TERM, 15 and SIGRTMIN+3.
const SIGNAL = /^((SIG)?[A-Z][A-Z0-9]*([+-]\d+)?|\d+)$/;

/**
 * Applies one config instruction; returns the new state (the input is not changed).
 * `created` is the history timestamp (the build time, or SOURCE_DATE_EPOCH's).
 */
export function applyConfig(state: ImageState, ins: ConfigInstruction, created?: string): ImageState {
  const image = structuredClone(state.image);
  const config: ContainerConfig = image.config ?? (image.config = {});
  let cmdSet = state.cmdSet;
  let createdBy: string;
  switch (ins.type) {
    case 'CMD': {
      const args = ins.shell ? withShell(config, ins.args) : [...ins.args];
      config.Cmd = args;
      (config as Record<string, unknown>).ArgsEscaped = true;
      cmdSet = true;
      createdBy = `CMD ${goQuoteList(args)}`;
      break;
    }
    case 'ENTRYPOINT': {
      const args = ins.shell ? withShell(config, ins.args) : [...ins.args];
      config.Entrypoint = args;
      // An ENTRYPOINT resets a CMD inherited from the base, not one set in this stage.
      if (!cmdSet) config.Cmd = null;
      createdBy = `ENTRYPOINT ${goQuoteList(args)}`;
      break;
    }
    case 'ENV':
      for (const [k, v] of ins.pairs) config.Env = addEnv(config.Env ?? [], k, v);
      createdBy = `ENV ${ins.pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`;
      break;
    case 'LABEL':
      config.Labels = config.Labels ?? {};
      for (const [k, v] of ins.pairs) config.Labels[k] = v;
      createdBy = `LABEL ${ins.pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`;
      break;
    case 'EXPOSE': {
      const ports = exposedPorts(ins.ports);
      config.ExposedPorts = config.ExposedPorts ?? {};
      for (const p of ports) config.ExposedPorts[p] = {};
      createdBy = `EXPOSE ${goList(ports)}`;
      break;
    }
    case 'USER':
      config.User = ins.user;
      createdBy = `USER ${ins.user}`;
      break;
    case 'VOLUME':
      config.Volumes = config.Volumes ?? {};
      for (const v of ins.volumes) {
        if (v === '') throw new SlipwayError('BUILD_EMPTY_VOLUME', 'VOLUME specified can not be an empty string');
        config.Volumes[v] = {};
      }
      createdBy = `VOLUME ${goList(ins.volumes)}`;
      break;
    case 'STOPSIGNAL':
      if (!SIGNAL.test(ins.signal.toUpperCase())) throw new SlipwayError('BUILD_BAD_SIGNAL', `invalid signal: ${ins.signal}`);
      config.StopSignal = ins.signal;
      createdBy = `STOPSIGNAL ${ins.signal}`;
      break;
    case 'SHELL':
      config.Shell = [...ins.shell];
      createdBy = `SHELL ${goList(ins.shell)}`;
      break;
    case 'ONBUILD':
      // BuildKit records the trigger in the config only; it writes no history entry.
      config.OnBuild = [...(config.OnBuild ?? []), ins.expression];
      return { image, cmdSet };
    case 'MAINTAINER':
      image.author = ins.name;
      createdBy = `MAINTAINER ${ins.name}`;
      break;
    case 'ARG':
      createdBy = `ARG ${ins.args.map((a) => (a.value === undefined ? a.key : `${a.key}=${a.value}`)).join(' ')}`;
      break;
    case 'HEALTHCHECK': {
      const h: HealthConfig = { Test: [...(ins.health.Test ?? [])] };
      for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const) {
        if (ins.health[k]) h[k] = ins.health[k];
      }
      config.Healthcheck = h;
      createdBy = `HEALTHCHECK ${healthText(h)}`;
      break;
    }
    default: {
      const never: never = ins;
      throw new Error(`unhandled config instruction ${JSON.stringify(never)}`);
    }
  }
  image.history = [...(image.history ?? []), historyEntry(createdBy, true, created)];
  return { image, cmdSet };
}

/** WORKDIR's new working directory: relative paths join the current one, then cleaned. */
export function resolveWorkdir(current: string | undefined, dir: string): string {
  return path.resolve(current && current !== '' ? current : '/', dir);
}

/** `RUN` history text: `|N K=V... <args>` for the stage's build args (BuildKit's runCommandString). */
export function runCreatedBy(args: readonly string[], buildArgs: readonly (readonly [string, string])[]): string {
  const pairs = new Map<string, string>();
  for (const [k, v] of buildArgs) pairs.set(k, v);
  const prefix = pairs.size > 0 ? [`|${pairs.size}`, ...[...pairs].map(([k, v]) => `${k}=${v}`)] : [];
  return `RUN ${[...prefix, ...args].join(' ')} # buildkit`;
}

/** `COPY`/`ADD` history text as BuildKit writes it (no --from, sources as written). */
export function copyCreatedBy(c: { add: boolean; parents?: boolean; chown?: string; chmod?: string; sources: readonly string[]; heredocs?: readonly string[]; dest: string }): string {
  const parts = [c.add ? 'ADD' : 'COPY'];
  if (c.parents) parts.push('--parents');
  if (c.chown) parts.push(`--chown=${c.chown}`);
  if (c.chmod) parts.push(`--chmod=${c.chmod}`);
  parts.push(...c.sources, ...(c.heredocs ?? []).map((h) => `<<${h}`), c.dest);
  return `${parts.join(' ')} # buildkit`;
}
