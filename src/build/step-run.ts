import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveInRoot } from '../context/rootpath.js';
import { SlipwayError } from '../errors.js';
import { runStep } from '../sandbox/index.js';
import { stepKey } from './cache.js';
import { runCreatedBy, withShell, type ImageState } from './config.js';
import type { CopySourceRef, ExecStep, RunMountSpec } from './graph.js';
import { resolveOwner, type Owner } from './passwd.js';
import type { FsLayer, PendingLayer, WorkingFs } from './rootfs.js';
import { cacheLockName, prepareMounts } from './run-mounts.js';
import type { BuildRuntime } from './runtime.js';
import { cached, remember } from './stepcache.js';

type RunStep = Extract<ExecStep, { kind: 'run' }>;

/** Resolves a USER value through the stage filesystem's /etc/passwd and /etc/group. */
export async function ownerFor(rt: BuildRuntime, fs: WorkingFs, user: string): Promise<Owner> {
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
async function runUser(rt: BuildRuntime, fs: WorkingFs, user: string): Promise<{ uid: number; gid: number; additionalGids: number[] }> {
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

function mountKey(m: RunMountSpec): unknown {
  switch (m.type) {
    case 'secret': return ['secret', m.id, m.target, m.env ?? '', m.mode, m.uid, m.gid];
    // Owner, mode, readonly and the seed source change what the step sees (BuildKit keys them).
    case 'cache': return ['cache', m.id, m.target, m.sharing, m.mode, m.uid, m.gid, m.readonly, m.source ?? ''];
    case 'tmpfs': return ['tmpfs', m.target, m.size ?? 0];
    case 'ssh': return ['ssh', m.id, m.target];
    // The source stage or image is keyed through the step's inputs (its key, its id).
    case 'bind': return ['bind', m.target, m.source, m.from.type, m.readwrite];
    default: {
      const never: never = m;
      return never;
    }
  }
}

export async function runRun(rt: BuildRuntime, state: ImageState, fs: WorkingFs, parent: string, step: RunStep, id: number): Promise<{ layer: FsLayer | PendingLayer | undefined; cached: boolean; key: string; createdBy: string }> {
  const config = state.image.config ?? {};
  const args = step.script ? [`/dev/pipes/${step.script.name}`] : step.shellForm ? withShell(config, step.args) : [...step.args];
  const createdBy = runCreatedBy(args, step.buildArgs);
  const env = [...(config.Env ?? [])];
  for (const [k, v] of step.buildArgs) if (!env.some((e) => e.split('=', 1)[0] === k)) env.push(`${k}=${v}`);
  // Undeclared proxy build args reach the RUN but not its cache key (BuildKit's ProxyEnv):
  // another proxy does not make another result.
  const keyEnv = [...env];
  for (const [k, v] of step.proxyEnv) if (!env.some((e) => e.split('=', 1)[0] === k)) env.push(`${k}=${v}`);
  const user = config.User ?? '';
  const cwd = config.WorkingDir || '/';
  const network = step.network ?? rt.options.network ?? 'default';
  // Bind sources from other stages are keyed by that stage's key; context binds by content.
  const inputs: string[] = [];
  for (const m of step.mounts) {
    if (m.type !== 'bind' && !(m.type === 'cache' && m.from)) continue;
    const from = m.from!;
    if (from.type === 'stage') inputs.push((await rt.stage(from.index)).key);
    // An image by what it is now (as COPY --from does), not by the name it was asked for.
    else if (from.type === 'image') inputs.push(`image:${(await rt.resolveImage(from.ref, { pull: false, stepId: 0 })).id}`);
    else inputs.push(await rt.context.hash(await rt.context.resolveSources([(m.type === 'bind' ? m.source : m.source ?? '') || '.'], { wildcards: false })));
  }
  const key = stepKey(parent, JSON.stringify({ args, env: keyEnv, user, cwd, network, script: step.script ?? null, mounts: step.mounts.map(mountKey) }), inputs.join(','));
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
      const scratch = await rt.fsm.scratch('run');
      let stuck = false;
      try {
        const prepared = await prepareMounts(rt, step.mounts, roots, scratch, cwd, env);
        try {
          const mounts = [...prepared.mounts];
          if (step.script) {
            const file = path.join(scratch, step.script.name);
            await writeFile(file, step.script.data, { mode: 0o755 });
            mounts.push({ type: 'bind', source: file, target: `/dev/pipes/${step.script.name}`, readonly: true });
          }
          const run = async () => runStep({
            lowerDirs: lowers, upperDir: upper, workDir: work, network, mounts,
            process: { args, env: prepared.env, cwd, uid: owner.uid, gid: owner.gid, additionalGids: owner.additionalGids },
            onStdout: onOutput('stdout'), onStderr: onOutput('stderr'),
            stateDir: path.join(rt.store.root, 'build-tmp', 'sandbox'),
            ...(rt.options.signal ? { signal: rt.options.signal } : {}),
          });
          const locked = step.mounts.flatMap((m) => (m.type === 'cache' && m.sharing === 'locked' ? [m.id] : []));
          // sharing=locked waits for the other user as long as it runs (BuildKit does).
          const lockAll = async (i: number): Promise<{ exitCode: number }> => {
            if (i === locked.length) return run();
            const release = await rt.store.acquireLock(cacheLockName(locked[i]!), 'exclusive', Infinity);
            try {
              return await lockAll(i + 1);
            } finally {
              await release();
            }
          };
          exitCode = (await lockAll(0)).exitCode;
        } finally {
          stuck = !(await prepared.cleanup());
        }
      } finally {
        // Never recurse through a mount that is still there: it would reach its source.
        if (!stuck) await rm(scratch, { recursive: true, force: true });
      }
    });
    if (exitCode !== 0) {
      for (const rest of [partial.stdout, partial.stderr]) if (rest) tail.push(rest);
      const last = tail.length > 0 ? `\n${tail.map((l) => `  > ${l}`).join('\n')}` : '';
      throw new SlipwayError('BUILD_RUN_FAILED', `process ${JSON.stringify(args.join(' '))} did not complete successfully: exit code: ${exitCode}${last}`);
    }
  }, { mount: false, compression: rt.compression, level: rt.gzipLevel, ...(rt.epoch !== undefined ? { epoch: rt.epoch } : {}), after: (l) => remember(rt, key, l) });
  if (layer === undefined) await remember(rt, key, undefined);
  return { layer, cached: false, key, createdBy };
}
