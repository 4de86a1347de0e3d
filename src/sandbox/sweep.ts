import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { isPidAlive } from '../store/index.js';
import { runCommand, unmount } from './overlay.js';

/**
 * What a SIGKILLed build leaves: nothing of it could run. Its RUN container (runc keeps
 * it going without its parent), the container's rootfs mount, and the scratch dirs with
 * overlay mounts under them. Names carry the owner's pid (`<prefix>-<pid>-<random>`), so
 * the next build removes what belongs to a pid that no longer runs: the container first,
 * then every mount below the dir, and the dir only once nothing is mounted under it (a
 * recursive delete through a mount would reach the lower dirs it shows).
 */

/** The pid in `<prefix>-<pid>-<random>`, if the name has one. */
export function ownerPid(name: string): number | undefined {
  const m = /^[a-z]+-(\d+)-[0-9a-f]+$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

async function mountsBelow(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mounts', 'utf8').catch(() => '');
  const prefix = `${dir}/`;
  return text.split('\n').map((l) => (l.split(' ')[1] ?? '').replace(/\\040/g, ' ')).filter((m) => m === dir || m.startsWith(prefix))
    // Deepest first.
    .sort((a, b) => b.length - a.length);
}

/** Unmounts everything below `dir`, then deletes it; leaves it when a mount will not go. */
export async function removeOrphanDir(dir: string): Promise<boolean> {
  for (const m of await mountsBelow(dir)) await unmount(m).catch(() => undefined);
  if ((await mountsBelow(dir)).length > 0) return false;
  await rm(dir, { recursive: true, force: true });
  return true;
}

/**
 * Removes the leftovers of dead builds in `dirs` (each a directory of `<prefix>-<pid>-*`
 * entries); `runc` containers named after a bundle are killed and deleted first.
 */
export async function sweepOrphans(dirs: { scratch: string; sandbox: string }, runc = 'runc', runcRoot?: string): Promise<number> {
  let removed = 0;
  const dead = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).filter((n) => {
    const pid = ownerPid(n);
    return pid !== undefined && !isPidAlive(pid);
  });
  for (const id of await dead(dirs.sandbox)) {
    await runCommand(runc, [...(runcRoot ? ['--root', runcRoot] : []), 'delete', '--force', id]).catch(() => undefined);
    if (await removeOrphanDir(path.join(dirs.sandbox, id))) removed++;
  }
  for (const name of await dead(dirs.scratch)) {
    if (await removeOrphanDir(path.join(dirs.scratch, name))) removed++;
  }
  return removed;
}
