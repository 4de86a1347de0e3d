/**
 * Mount stubs: the empty files and directories runc creates in the rootfs so it
 * has something to mount onto. Like BuildKit (executor/stubs.go), the ones for
 * /etc/hosts, /etc/resolv.conf and the step's own mounts are removed afterwards
 * when still empty, together with parent directories created only for them, and
 * the parent's times are restored, so they do not end up in the layer.
 * /proc, /dev and /sys are not cleaned: when a base lacks them, BuildKit's RUN
 * layer has them too (seen with dockerd 20.10's BuildKit), and so does buildah's
 * (1.28), so identical layers win over tidiness.
 */
import { lstat, mkdir, chown, readdir, rmdir, unlink, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { resolveInRoot } from '../context/rootpath.js';

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Host paths (inside `rootfs`) that do not exist yet for each mount target,
 * deepest first per target, so removal in list order empties parents last.
 */
export async function findMountStubs(rootfs: string, targets: string[]): Promise<string[]> {
  const perTarget = await Promise.all(targets.map(async (target) => {
    const found: string[] = [];
    let p = await resolveInRoot(rootfs, target);
    while (p !== rootfs && !(await exists(p))) {
      found.push(p);
      p = path.dirname(p);
    }
    return found;
  }));
  // A parent shared by two targets appears in both lists; the later copy removes it.
  return perTarget.flat();
}

/** Removes stubs that are still empty, keeping their parent's times unchanged. */
export async function removeMountStubs(stubs: string[]): Promise<void> {
  for (const p of stubs) {
    let st;
    try {
      st = await lstat(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) {
      if ((await readdir(p)).length !== 0) continue;
    } else if (st.size !== 0) {
      continue;
    }
    const parent = path.dirname(p);
    const parentSt = await stat(parent);
    if (st.isDirectory()) await rmdir(p);
    else await unlink(p);
    await utimes(parent, parentSt.atime, parentSt.mtime);
  }
}

/**
 * Creates the working directory like BuildKit: every missing component with mode
 * 0755, owned by the step's user.
 */
export async function ensureWorkdir(rootfs: string, cwd: string, uid: number, gid: number): Promise<void> {
  const target = await resolveInRoot(rootfs, cwd);
  const missing: string[] = [];
  let p = target;
  while (p !== rootfs && !(await exists(p))) {
    missing.unshift(p);
    p = path.dirname(p);
  }
  for (const dir of missing) {
    await mkdir(dir, { mode: 0o755 });
    await chown(dir, uid, gid);
  }
}
