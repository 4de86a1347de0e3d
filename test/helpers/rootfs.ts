/**
 * A busybox rootfs for tests, made by scripts/busybox-rootfs (the same script that
 * makes examples/hello/rootfs), in a fresh temp dir the caller removes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './paths.js';

export const busyboxRootfsScript = path.join(repoRoot, 'scripts', 'busybox-rootfs');

/** Makes a busybox rootfs at `<new temp dir>/rootfs` and returns that path. */
export function makeBusyboxRootfs(parent?: string): string {
  const dir = mkdtempSync(path.join(parent ?? os.tmpdir(), 'slipway-rootfs-'));
  const rootfs = path.join(dir, 'rootfs');
  execFileSync(busyboxRootfsScript, [rootfs], { stdio: ['ignore', 'ignore', 'inherit'] });
  return rootfs;
}

/** Removes what makeBusyboxRootfs made (its temp parent dir). */
export function removeBusyboxRootfs(rootfs: string): void {
  rmSync(path.dirname(rootfs), { recursive: true, force: true });
}
