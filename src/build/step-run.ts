import { createHash } from 'node:crypto';
import { chmod, chown, copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveInRoot } from '../context/rootpath.js';
import { SlipwayError } from '../errors.js';
import { runStep, type SandboxMount } from '../sandbox/index.js';
import { mountOverlay, unmount } from '../sandbox/overlay.js';
import { executeCopy } from './copyexec.js';
import { sshProxy } from './ssh.js';
import { stepKey } from './cache.js';
import { runCreatedBy, withShell, type ImageState } from './config.js';
import type { CopySourceRef, ExecStep, RunMountSpec } from './graph.js';
import { resolveOwner, type Owner } from './passwd.js';
import type { FsLayer, StageFs } from './rootfs.js';
import type { BuildRuntime } from './runtime.js';
import { cached, remember } from './stepcache.js';

type RunStep = Extract<ExecStep, { kind: 'run' }>;

/** Resolves a USER value through the stage filesystem's /etc/passwd and /etc/group. */
export async function ownerFor(rt: BuildRuntime, fs: StageFs, user: string): Promise<Owner> {
  if (/^\d+:\d+$/.test(user)) {
    const [u, g] = user.split(':').map(Number) as [number, number];
    return { uid: u, gid: g };
  }
  return rt.fsm.view(fs, async (root) => {
    const read = async (p: string) => readFile(await resolveInRoot(root, p), 'utf8').catch(() => undefined);
    return resolveOwner(user, { passwd: () => read('/etc/passwd'), group: () => read('/etc/group') });
  });
}

/** The process identity for USER: uid, gid and supplementary groups from the image. */
async function runUser(rt: BuildRuntime, fs: StageFs, user: string): Promise<{ uid: number; gid: number; additionalGids: number[] }> {
  return rt.fsm.view(fs, async (root) => {
    const read = async (p: string) => readFile(await resolveInRoot(root, p), 'utf8').catch(() => undefined);
    const o = await resolveOwner(user, { passwd: () => read('/etc/passwd'), group: () => read('/etc/group') });
    return { uid: o.uid, gid: o.gid, additionalGids: o.additionalGids ?? [o.gid] };
  });
}

/** Runs `fn` with host paths for every mount source (stage views stay mounted meanwhile). */
async function withSources(rt: BuildRuntime, refs: readonly CopySourceRef[], fn: (roots: string[]) => Promise<void>, acc: string[] = []): Promise<void> {
  if (acc.length === refs.length) return fn(acc);
  const ref = refs[acc.length]!;
  if (ref.type === 'context') return withSources(rt, refs, fn, [...acc, rt.contextDir]);
  const fs = ref.type === 'stage' ? (await rt.stage(ref.index)).fs : (await rt.resolveImage(ref.ref, { pull: false, stepId: 0 })).fs;
  return rt.fsm.view(fs, (root) => withSources(rt, refs, fn, [...acc, root]));
}

/**
 * A writable stand-in for a `rw` bind source (BuildKit: writes are discarded): an overlay
 * of the directory with a throwaway upper, or a copy of the file. Never the source itself,
 * which is the user's context or a cached layer. Returns the path and what to unmount.
 */
async function writableCopy(scratch: string, source: string, n: number): Promise<{ path: string; mounted?: string }> {
  const base = path.join(scratch, `rw-${n}`);
  await mkdir(base);
  if (!(await stat(source)).isDirectory()) {
    const file = path.join(base, 'file');
    await copyFile(source, file);
    return { path: file };
  }
  const [upper, work, merged] = ['upper', 'work', 'merged'].map((d) => path.join(base, d)) as [string, string, string];
  await Promise.all([mkdir(upper), mkdir(work), mkdir(merged)]);
  await mountOverlay(merged, { lowerTopFirst: [source], upper, work });
  return { path: merged, mounted: merged };
}

function secretValue(rt: BuildRuntime, id: string): Promise<Buffer | undefined> {
  const spec = rt.options.secrets?.find((s) => s.id === id);
  if (!spec) return Promise.resolve(undefined);
  if (spec.type === 'env') {
    const v = (rt.options.env ?? process.env)[spec.env];
    return Promise.resolve(v === undefined ? undefined : Buffer.from(v));
  }
  return readFile(spec.src).catch(() => {
    throw new SlipwayError('BUILD_SECRET_UNREADABLE', `secret ${id}: cannot read ${spec.src}`);
  });
}

function mountKey(m: RunMountSpec): unknown {
  switch (m.type) {
    case 'secret': return ['secret', m.id, m.target, m.env ?? '', m.mode, m.uid, m.gid];
    case 'cache': return ['cache', m.id, m.target, m.sharing];
    case 'tmpfs': return ['tmpfs', m.target, m.size ?? 0];
    case 'ssh': return ['ssh', m.id, m.target];
    case 'bind': return ['bind', m.target, m.source, m.from, m.readwrite];
    default: {
      const never: never = m;
      return never;
    }
  }
}

export async function runRun(rt: BuildRuntime, state: ImageState, fs: StageFs, parent: string, step: RunStep, id: number): Promise<{ layer: FsLayer | undefined; cached: boolean; key: string; createdBy: string }> {
  const config = state.image.config ?? {};
  const args = step.script ? [`/dev/pipes/${step.script.name}`] : step.shellForm ? withShell(config, step.args) : [...step.args];
  const createdBy = runCreatedBy(args, step.buildArgs);
  const env = [...(config.Env ?? [])];
  for (const [k, v] of [...step.buildArgs, ...step.proxyEnv]) if (!env.some((e) => e.split('=', 1)[0] === k)) env.push(`${k}=${v}`);
  const user = config.User ?? '';
  const cwd = config.WorkingDir || '/';
  const network = step.network ?? rt.options.network ?? 'default';
  // Bind sources from other stages are keyed by that stage's key; context binds by content.
  const inputs: string[] = [];
  for (const m of step.mounts) {
    if (m.type !== 'bind' && !(m.type === 'cache' && m.from)) continue;
    const from = m.from!;
    if (from.type === 'stage') inputs.push((await rt.stage(from.index)).key);
    else if (from.type === 'image') inputs.push(from.ref);
    else inputs.push(await rt.context.hash(await rt.context.resolveSources([(m.type === 'bind' ? m.source : m.source ?? '') || '.'], { wildcards: false })));
  }
  const key = stepKey(parent, JSON.stringify({ args, env, user, cwd, network, script: step.script ?? null, mounts: step.mounts.map(mountKey) }), inputs.join(','));
  const hit = await cached(rt, key);
  if (hit.hit) return { layer: hit.layer, cached: true, key, createdBy };

  const owner = user === '' ? { uid: 0, gid: 0, additionalGids: [0] } : await runUser(rt, fs, user);
  // The last lines of output for the error message; stdout and stderr are cut into lines separately.
  const tail: string[] = [];
  const partial = { stdout: '', stderr: '' };
  const onOutput = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const data = chunk.toString('utf8');
    rt.emit({ type: 'step-log', id, stream, data, time: Date.now() });
    const lines = (partial[stream] + data).split('\n');
    partial[stream] = lines.pop()!;
    tail.push(...lines);
    if (tail.length > 10) tail.splice(0, tail.length - 10);
  };
  const refs = step.mounts.flatMap((m) => (m.type === 'bind' ? [m.from] : m.type === 'cache' && m.from ? [m.from] : []));
  let exitCode = 0;
  const layer = await rt.fsm.step(fs, async (_merged, lowers, upper, work) => {
    await withSources(rt, refs, async (roots) => {
      const mounts: SandboxMount[] = [];
      const processEnv = [...env];
      let r = 0;
      const scratch = await rt.fsm.scratch('run');
      const overlays: string[] = [];
      const releases: (() => Promise<void>)[] = [];
      let sshMounts = 0;
      let stuck = false;
      try {
        for (const m of step.mounts) {
          switch (m.type) {
            case 'bind': {
              let source = await resolveInRoot(roots[r++]!, m.source);
              if (m.readwrite) {
                const copy = await writableCopy(scratch, source, overlays.length + mounts.length);
                if (copy.mounted) overlays.push(copy.mounted);
                source = copy.path;
              }
              mounts.push({ type: 'bind', source, target: path.posix.resolve(cwd, m.target), readonly: !m.readwrite });
              break;
            }
            case 'cache': {
              const hash = createHash('sha256').update(m.id).digest('hex');
              let dir = path.join(rt.store.root, 'build-cache-mounts', hash);
              if (m.sharing === 'private') {
                // BuildKit: a private cache gets its own instance while another writer has one.
                for (let n = 0; ; n++) {
                  const release = await rt.store.tryLock(`cache-mount-${hash.slice(0, 32)}-private-${n}`);
                  if (!release) continue;
                  releases.push(release);
                  if (n > 0) dir = `${dir}-${n}`;
                  break;
                }
              }
              const created = (await mkdir(dir, { recursive: true, mode: m.mode })) !== undefined;
              await chmod(dir, m.mode);
              await chown(dir, m.uid, m.gid);
              // BuildKit: `from` (and `source` in it) is what a new cache starts with.
              if (m.from) {
                const root = roots[r++]!;
                if (created) await executeCopy({ sourceRoot: root, targetRoot: dir, items: [{ type: 'contents', from: m.source ?? '/', to: '/' }], preserveOwner: true });
              }
              const target = path.posix.resolve(cwd, m.target);
              mounts.push(m.readonly ? { type: 'bind', source: dir, target, readonly: true } : { type: 'cache', source: dir, target });
              break;
            }
            case 'tmpfs':
              mounts.push({ type: 'tmpfs', target: path.posix.resolve(cwd, m.target), ...(m.size !== undefined ? { size: m.size } : {}) });
              break;
            case 'secret': {
              const value = await secretValue(rt, m.id);
              if (value === undefined) {
                if (m.required) throw new SlipwayError('BUILD_SECRET_MISSING', `secret ${m.id} not found`);
                break;
              }
              if (m.env) processEnv.push(`${m.env}=${value.toString('utf8')}`);
              if (m.target !== null) mounts.push({ type: 'secret', target: path.posix.resolve(cwd, m.target), data: value, mode: m.mode, uid: m.uid, gid: m.gid });
              break;
            }
            case 'ssh': {
              const agent = rt.options.ssh?.find((s) => s.id === m.id);
              const target = m.target ?? `/run/buildkit/ssh_agent.${sshMounts}`;
              sshMounts++;
              if (!agent) {
                if (m.required) throw new SlipwayError('BUILD_SSH_MISSING', `no SSH agent for id ${m.id} (build with --ssh ${m.id}=SOCKET)`);
                break;
              }
              const sock = path.join(scratch, `ssh-${sshMounts}.sock`);
              const server = await sshProxy(agent.socket, sock);
              releases.push(() => new Promise<void>((res) => server.close(() => res())));
              await chmod(sock, m.mode);
              await chown(sock, m.uid, m.gid);
              mounts.push({ type: 'bind', source: sock, target: path.posix.resolve(cwd, target), readonly: false });
              if (!processEnv.some((e) => e.startsWith('SSH_AUTH_SOCK='))) processEnv.push(`SSH_AUTH_SOCK=${path.posix.resolve(cwd, target)}`);
              break;
            }
            default: {
              const never: never = m;
              throw new Error(`unhandled mount ${JSON.stringify(never)}`);
            }
          }
        }
        if (step.script) {
          const file = path.join(scratch, step.script.name);
          await writeFile(file, step.script.data, { mode: 0o755 });
          mounts.push({ type: 'bind', source: file, target: `/dev/pipes/${step.script.name}`, readonly: true });
        }
        const run = async () => runStep({
          lowerDirs: lowers, upperDir: upper, workDir: work, network, mounts,
          process: { args, env: processEnv, cwd, uid: owner.uid, gid: owner.gid, additionalGids: owner.additionalGids },
          onStdout: onOutput('stdout'), onStderr: onOutput('stderr'),
          stateDir: path.join(rt.store.root, 'build-tmp', 'sandbox'),
          ...(rt.options.signal ? { signal: rt.options.signal } : {}),
        });
        const locked = step.mounts.filter((m): m is Extract<RunMountSpec, { type: 'cache' }> => m.type === 'cache' && m.sharing === 'locked');
        const lockAll = (i: number): Promise<{ exitCode: number }> => (i === locked.length ? run() : rt.store.withLock(`cache-mount-${createHash('sha256').update(locked[i]!.id).digest('hex').slice(0, 32)}`, 'exclusive', () => lockAll(i + 1)));
        exitCode = (await lockAll(0)).exitCode;
      } finally {
        for (const release of releases) await release();
        for (const o of overlays) await unmount(o).catch(() => { stuck = true; });
        // Never recurse through a mount that is still there: it would reach its source.
        if (!stuck) await rm(scratch, { recursive: true, force: true });
      }
    });
    if (exitCode !== 0) {
      for (const rest of [partial.stdout, partial.stderr]) if (rest) tail.push(rest);
      const last = tail.length > 0 ? `\n${tail.map((l) => `  > ${l}`).join('\n')}` : '';
      throw new SlipwayError('BUILD_RUN_FAILED', `process ${JSON.stringify(args.join(' '))} did not complete successfully: exit code: ${exitCode}${last}`);
    }
  }, { mount: false, compression: rt.compression, level: rt.gzipLevel, ...(rt.epoch !== undefined ? { epoch: rt.epoch } : {}) });
  await remember(rt, key, layer);
  return { layer, cached: false, key, createdBy };
}
