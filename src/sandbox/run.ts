/**
 * runStep: one RUN step in a real runc container over an overlayfs rootfs.
 *
 * Order: mount overlay -> create workdir -> note mount stubs -> write bundle ->
 * `runc run` (stdout/stderr streamed) -> `runc delete` -> remove stubs ->
 * unmount -> remove bundle. Every step after the mount is undone in `finally`,
 * whether the process failed, runc failed, or the caller aborted.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SlipwayError } from '../errors.js';
import { mountOverlay, runCommand, unmount } from './overlay.js';
import { buildRuntimeSpec, hostsFileContent, resolvConfContent, type HostLimits } from './spec.js';
import { ensureWorkdir, findMountStubs, removeMountStubs } from './stubs.js';
import type { RunResult, RunSpec, SandboxMount } from './types.js';

let cachedLimits: HostLimits | undefined;

/** This process's hard RLIMIT_NOFILE, read once from /proc/self/limits. */
async function hostLimits(): Promise<HostLimits> {
  if (cachedLimits) return cachedLimits;
  const text = await readFile('/proc/self/limits', 'utf8');
  const m = /^Max open files\s+\S+\s+(\S+)/m.exec(text);
  const hard = m && m[1] !== 'unlimited' ? Number(m[1]) : 1048576;
  cachedLimits = { nofileHard: hard };
  return cachedLimits;
}

function checkSpec(spec: RunSpec): void {
  const bad = (msg: string): never => {
    throw new SlipwayError('SANDBOX_INVALID_SPEC', msg);
  };
  if (spec.process.args.length === 0) bad('RUN has no command');
  if (!spec.process.cwd.startsWith('/')) bad(`working directory must be absolute: ${spec.process.cwd}`);
  for (const m of spec.mounts) {
    if (!m.target.startsWith('/')) bad(`mount target must be absolute: ${m.target}`);
    if (path.posix.normalize(m.target) === '/') bad('cannot mount over /');
  }
}

async function emptyDir(dir: string): Promise<void> {
  for (const name of await readdir(dir)) await rm(path.join(dir, name), { recursive: true, force: true });
}

/** Secrets become files in the bundle (outside the rootfs): target -> file. */
async function writeSecrets(bundle: string, mounts: SandboxMount[]): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const dir = path.join(bundle, 'secrets');
  let n = 0;
  for (const m of mounts) {
    if (m.type !== 'secret') continue;
    if (n === 0) await mkdir(dir, { mode: 0o700 });
    const file = path.join(dir, String(n++));
    await writeFile(file, m.data, { mode: 0o600 });
    await chown(file, m.uid, m.gid);
    await chmod(file, m.mode);
    files.set(m.target, file);
  }
  return files;
}

interface RuncRun {
  exitCode: number;
}

/**
 * `runc run` in the foreground. On abort the container is sent SIGKILL through
 * `runc kill`, repeatedly, because the abort may come before runc has created it.
 */
function runcRun(spec: RunSpec, runc: string, globalArgs: string[], id: string, bundle: string): Promise<RuncRun> {
  return new Promise((resolve, reject) => {
    // Without --keep, runc deletes the container itself when it exits.
    const child = spawn(runc, [...globalArgs, 'run', '--bundle', bundle, id], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let timer: NodeJS.Timeout | undefined;
    const kill = (): void => {
      // (Failing to kill leaves the container to the cleanup after it: nothing to report here.)
      runCommand(runc, [...globalArgs, 'kill', id, 'KILL']).catch(() => undefined);
      timer = setTimeout(kill, 50);
    };
    const onAbort = (): void => kill();
    if (spec.signal?.aborted) kill();
    else spec.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (b: Buffer) => spec.onStdout?.(b));
    child.stderr.on('data', (b: Buffer) => spec.onStderr?.(b));
    child.on('error', (err) => reject(new SlipwayError('SANDBOX_RUNC_MISSING', `cannot start ${runc}: ${err.message}`)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      resolve({ exitCode: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15) });
    });
  });
}

/**
 * Runs one RUN step. Resolves with the process's exit code (non-zero is not an
 * error here: the builder decides); rejects with a SlipwayError when the sandbox
 * itself fails (SANDBOX_MOUNT_FAILED, SANDBOX_INVALID_SPEC, ...) or when
 * `spec.signal` aborts (SANDBOX_ABORTED). No mount, bundle or container is left
 * behind in any case.
 */
export async function runStep(spec: RunSpec): Promise<RunResult> {
  const started = performance.now();
  checkSpec(spec);
  if (spec.signal?.aborted) throw new SlipwayError('SANDBOX_ABORTED', 'RUN aborted before it started');
  const runc = spec.runc ?? 'runc';
  const globalArgs = spec.runcRoot ? ['--root', spec.runcRoot] : [];
  const stateDir = spec.stateDir ?? path.join(os.tmpdir(), 'slipway-sandbox');
  // The pid says whose it is, for the sweep after a SIGKILLed build (sweep.ts).
  const id = `slipway-${process.pid}-${randomBytes(8).toString('hex')}`;
  const bundle = path.join(stateDir, id);
  const rootfs = path.join(bundle, 'rootfs');
  const empty = path.join(bundle, 'empty');
  await mkdir(rootfs, { recursive: true, mode: 0o700 });

  let mounted = false;
  let containerCreated = false;
  let stubs: string[] = [];
  let failure: unknown;
  let bundleFiles: Promise<Map<string, string>> | undefined;
  try {
    // overlayfs needs at least one lower dir: FROM scratch gets an empty one.
    let lowers = [...spec.lowerDirs].reverse();
    if (lowers.length === 0) {
      await mkdir(empty);
      lowers = [empty];
    }
    const hostname = spec.hostname ?? 'buildkitsandbox';
    const hostsFile = path.join(bundle, 'hosts');
    const resolvConfFile = path.join(bundle, 'resolv.conf');
    // The bundle's own files do not need the rootfs: write them while it mounts.
    bundleFiles = (async () => {
      const hostResolv = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
      await writeFile(hostsFile, hostsFileContent(hostname, spec.extraHosts ?? []), { mode: 0o644 });
      await writeFile(resolvConfFile, resolvConfContent(hostResolv, spec.network), { mode: 0o644 });
      return writeSecrets(bundle, spec.mounts);
    })();
    bundleFiles.catch(() => undefined);
    await mountOverlay(rootfs, { lowerTopFirst: lowers, upper: spec.upperDir, work: spec.workDir, volatile: spec.volatile ?? false });
    mounted = true;

    const { process: proc } = spec;
    // Stubs are noted before the workdir is made, as BuildKit's runc executor does
    // (a workdir that is also a mount target is then cleaned up like a stub).
    stubs = await findMountStubs(rootfs, ['/etc/resolv.conf', '/etc/hosts', ...spec.mounts.map((m) => m.target)]);
    await ensureWorkdir(rootfs, proc.cwd, proc.uid, proc.gid);
    await Promise.all(spec.mounts.map((m) => (m.type === 'cache' ? mkdir(m.source, { recursive: true }) : undefined)));
    const secretFiles = await bundleFiles;
    const config = buildRuntimeSpec({
      rootfs, process: proc, hostname, network: spec.network, hostsFile, resolvConfFile,
      mounts: spec.mounts, secretFiles, limits: await hostLimits(),
    });
    await writeFile(path.join(bundle, 'config.json'), JSON.stringify(config));
    if (spec.signal?.aborted) throw new SlipwayError('SANDBOX_ABORTED', 'RUN aborted before it started');

    containerCreated = true;
    const { exitCode } = await runcRun(spec, runc, globalArgs, id, bundle);
    containerCreated = spec.signal?.aborted ?? false;
    if (spec.signal?.aborted) throw new SlipwayError('SANDBOX_ABORTED', 'RUN aborted');
    return { exitCode, durationMs: performance.now() - started };
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    // Let the bundle writes settle before anything is removed under them.
    await bundleFiles?.catch(() => undefined);
    const problems: string[] = [];
    // Only needed when runc may not have removed it (abort, failure in between).
    if (containerCreated) {
      const r = await runCommand(runc, [...globalArgs, 'delete', '--force', id]).catch((e: Error) => ({ code: 1, stdout: '', stderr: e.message }));
      if (r.code !== 0 && !/does not exist|not found/.test(r.stderr)) problems.push(r.stderr.trim());
    }
    let stillMounted = false;
    if (mounted) {
      await removeMountStubs(stubs).catch((e: Error) => problems.push(e.message));
      await unmount(rootfs).catch((e: Error) => {
        stillMounted = true;
        problems.push(e.message);
      });
    }
    // Never recurse into a rootfs that is still mounted: that would delete the
    // lower layers' view through the upper dir.
    if (!stillMounted) {
      await rm(bundle, { recursive: true, force: true }).catch((e: Error) => problems.push(e.message));
      // A volatile mount leaves work/incompat/volatile, which blocks remounting.
      if (mounted && spec.volatile) await emptyDir(spec.workDir).catch((e: Error) => problems.push(e.message));
    }
    // Cleanup trouble is reported only if nothing else is already being thrown.
    if (problems.length > 0 && failure === undefined) {
      // eslint-disable-next-line no-unsafe-finally
      throw new SlipwayError('SANDBOX_CLEANUP_FAILED', `sandbox cleanup failed: ${problems.join('; ')}`);
    }
  }
}
