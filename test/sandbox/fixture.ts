/**
 * Shared set-up for sandbox tests: one busybox rootfs per test file, fresh
 * upper/work dirs per step, output captured as strings, and a check that no
 * mount under the test's temp dir survives.
 */
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runStep } from '../../src/sandbox/index.js';
import type { RunResult, RunSpec } from '../../src/sandbox/index.js';
import { makeBusyboxRootfs, removeBusyboxRootfs } from '../helpers/rootfs.js';

export interface Sandbox {
  rootfs: string;
  tmp: string;
  stateDir: string;
  runcRoot: string;
  /** A fresh pair of upper/work dirs. */
  layerDirs(): { upperDir: string; workDir: string };
  /** Runs `sh -c script` on `lowers` (default: the busybox rootfs). */
  sh(script: string, opts?: Partial<RunSpec>): Promise<StepOutput>;
  dispose(): void;
}

export interface StepOutput extends RunResult {
  stdout: string;
  stderr: string;
  upperDir: string;
  lowerDirs: string[];
}

let counter = 0;

export function makeSandbox(): Sandbox {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'slipway-sbx-test-'));
  const rootfs = makeBusyboxRootfs(tmp);
  const stateDir = path.join(tmp, 'state');
  // A private runc state root: other builds on this machine stay out of our checks.
  const runcRoot = path.join(tmp, 'runc');
  const layerDirs = (): { upperDir: string; workDir: string } => {
    const base = path.join(tmp, `layer${counter++}`);
    mkdirSync(path.join(base, 'upper'), { recursive: true });
    mkdirSync(path.join(base, 'work'), { recursive: true });
    return { upperDir: path.join(base, 'upper'), workDir: path.join(base, 'work') };
  };
  return {
    rootfs,
    tmp,
    stateDir,
    runcRoot,
    layerDirs,
    async sh(script, opts = {}) {
      let stdout = '';
      let stderr = '';
      const dirs = layerDirs();
      const spec: RunSpec = {
        lowerDirs: [rootfs],
        ...dirs,
        process: { args: ['/bin/sh', '-c', script], env: ['PATH=/bin'], cwd: '/', uid: 0, gid: 0, additionalGids: [] },
        network: 'none',
        mounts: [],
        stateDir,
        runcRoot,
        onStdout: (b) => (stdout += b.toString()),
        onStderr: (b) => (stderr += b.toString()),
        ...opts,
      };
      const result = await runStep(spec);
      return { ...result, stdout, stderr, upperDir: spec.upperDir, lowerDirs: spec.lowerDirs };
    },
    dispose() {
      removeBusyboxRootfs(rootfs);
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** Mount points under `dir` in this process's mount namespace. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mp) => mp.startsWith(dir));
}

/** Does any regular file under `dir` contain `needle`? */
export function treeContains(dir: string, needle: string): boolean {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory() && treeContains(p, needle)) return true;
    if (st.isFile() && readFileSync(p).includes(needle)) return true;
  }
  return false;
}
