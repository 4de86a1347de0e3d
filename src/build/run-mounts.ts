import { createHash } from 'node:crypto';
import { chmod, chown, copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { resolveInRoot } from '../context/rootpath.js';
import { SlipwayError } from '../errors.js';
import type { SandboxMount } from '../sandbox/index.js';
import { mountOverlay, unmount } from '../sandbox/overlay.js';
import { executeCopy } from './copyexec.js';
import type { RunMountSpec } from './graph.js';
import type { BuildRuntime } from './runtime.js';
import { sshProxy } from './ssh.js';

/**
 * The host side of a RUN's `--mount` list: what each mount binds into the sandbox, the
 * environment it adds (secret env, SSH_AUTH_SOCK), and what to undo after the step.
 * `roots` are the host dirs of the mounts' sources (bind, cache from=), in mount order;
 * `scratch` is the step's private dir for proxies, copies and overlays.
 */
export interface PreparedMounts {
  readonly mounts: SandboxMount[];
  readonly env: string[];
  /** Releases locks, stops proxies, unmounts overlays; false if a mount is stuck (keep `scratch`). */
  cleanup(): Promise<boolean>;
}

/** The lock that serialises users of a cache mount (sharing=locked, or a private instance). */
export function cacheLockName(id: string, suffix = ''): string {
  return `cache-mount-${createHash('sha256').update(id).digest('hex').slice(0, 32)}${suffix}`;
}

/**
 * What a bind of the context shows: the context as BuildKit sends it, without what
 * .dockerignore leaves out (the step's key hashes exactly that). With no .dockerignore
 * the directory itself; otherwise a copy of the bound part without the excluded entries.
 */
async function contextView(rt: BuildRuntime, source: string, view: string): Promise<string> {
  if (rt.context.ignore.patterns.length === 0) return source;
  const from = path.relative(rt.contextDir, source);
  await mkdir(view, { recursive: true });
  const isDir = (await stat(source)).isDirectory();
  const to = isDir ? '/' : `/${path.basename(source)}`;
  await executeCopy({ sourceRoot: rt.contextDir, targetRoot: view, items: [isDir ? { type: 'contents', from: from || '.', to } : { type: 'file', from, to }], preserveOwner: true, ignore: rt.context.ignore });
  return isDir ? view : path.join(view, to);
}

export async function prepareMounts(rt: BuildRuntime, specs: readonly RunMountSpec[], roots: readonly string[], scratch: string, cwd: string, env: readonly string[]): Promise<PreparedMounts> {
  const mounts: SandboxMount[] = [];
  const processEnv = [...env];
  const overlays: string[] = [];
  const releases: (() => Promise<void>)[] = [];
  const cleanup = async (): Promise<boolean> => {
    for (const release of releases) await release();
    let ok = true;
    for (const o of overlays) await unmount(o).catch(() => { ok = false; });
    return ok;
  };
  let r = 0;
  let sshMounts = 0;
  try {
    for (const m of specs) {
      switch (m.type) {
        case 'bind': {
          let source = await resolveInRoot(roots[r++]!, m.source);
          if (m.from.type === 'context') source = await contextView(rt, source, path.join(scratch, `context-${mounts.length}`));
          if (m.readwrite) {
            const copy = await writableCopy(scratch, source, mounts.length);
            if (copy.mounted) overlays.push(copy.mounted);
            source = copy.path;
          }
          mounts.push({ type: 'bind', source, target: path.posix.resolve(cwd, m.target), readonly: !m.readwrite });
          break;
        }
        case 'cache': {
          let dir = path.join(rt.store.root, 'build-cache-mounts', createHash('sha256').update(m.id).digest('hex'));
          if (m.sharing === 'private') {
            // BuildKit: a private cache gets its own instance while another writer has one.
            for (let n = 0; ; n++) {
              const release = await rt.store.tryLock(cacheLockName(m.id, `-private-${n}`));
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
            const ignore = m.from.type === 'context' && rt.context.ignore.patterns.length > 0 ? { ignore: rt.context.ignore } : {};
            if (created) await executeCopy({ sourceRoot: root, targetRoot: dir, items: [{ type: 'contents', from: m.source ?? '/', to: '/' }], preserveOwner: true, ...ignore });
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
          const target = path.posix.resolve(cwd, m.target ?? `/run/buildkit/ssh_agent.${sshMounts}`);
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
          mounts.push({ type: 'bind', source: sock, target, readonly: false });
          if (!processEnv.some((e) => e.startsWith('SSH_AUTH_SOCK='))) processEnv.push(`SSH_AUTH_SOCK=${target}`);
          break;
        }
        default: {
          const never: never = m;
          throw new Error(`unhandled mount ${JSON.stringify(never)}`);
        }
      }
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { mounts, env: processEnv, cleanup };
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
