/**
 * overlayfs mounts through util-linux `mount`/`umount` (Node has no mount(2)).
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { SlipwayError } from '../errors.js';
import { runShort } from '../subprocess.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, capturing its output (small outputs only; see subprocess.ts). */
export async function runCommand(cmd: string, args: string[], cwd?: string): Promise<CommandResult> {
  const r = await runShort(cmd, args, cwd !== undefined ? { cwd } : {});
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

// mount(2) copies at most one page of option data.
const MAX_OPTIONS = 4000;

function commonParent(dirs: string[]): string {
  let prefix = path.dirname(dirs[0]!);
  for (const d of dirs) {
    while (prefix !== '/' && !d.startsWith(prefix + '/')) prefix = path.dirname(prefix);
  }
  return prefix;
}

export interface OverlayDirs {
  /** Top-most first, as overlayfs wants them. */
  lowerTopFirst: string[];
  /** Omitted for a read-only view of the lowers. */
  upper?: string;
  work?: string;
  /** Mount with `volatile` (no syncfs of the upper's filesystem at unmount) when
   * the kernel has it (5.10+); quietly without it otherwise. */
  volatile?: boolean;
}

/**
 * Mounts an overlay at `target`. Long lower-dir lists are passed relative to their
 * common parent (mount runs there) so many layers still fit in one page.
 */
export async function mountOverlay(target: string, dirs: OverlayDirs): Promise<void> {
  const all = [...dirs.lowerTopFirst, ...(dirs.upper ? [dirs.upper, dirs.work!] : [])];
  // Switching both features off keeps every change as a plain copy in the upper dir,
  // which is what the differ reads (redirects and metacopy would hide data in xattrs).
  const fixed = 'index=off,redirect_dir=off,metacopy=off';
  const opts = (names: string[]): string => {
    const n = names.length - (dirs.upper ? 2 : 0);
    let o = `lowerdir=${names.slice(0, n).join(':')}`;
    if (dirs.upper) o = `${o},upperdir=${names[n]},workdir=${names[n + 1]},${fixed}`;
    else o = `ro,${o},${fixed}`;
    return o;
  };
  let options = opts(all);
  let cwd: string | undefined;
  if (options.length > MAX_OPTIONS) {
    cwd = commonParent(all);
    options = opts(all.map((d) => path.relative(cwd!, d)));
    if (options.length > MAX_OPTIONS) {
      throw new SlipwayError('SANDBOX_TOO_MANY_LAYERS', `too many layers for one overlay mount (${dirs.lowerTopFirst.length})`);
    }
  }
  let r = await runCommand('mount', ['-t', 'overlay', 'overlay', '-o', dirs.volatile ? `${options},volatile` : options, target], cwd);
  // Older kernels refuse the unknown option: fall back to a plain (synced) mount.
  if (r.code !== 0 && dirs.volatile) r = await runCommand('mount', ['-t', 'overlay', 'overlay', '-o', options, target], cwd);
  if (r.code !== 0) {
    throw new SlipwayError('SANDBOX_MOUNT_FAILED', `overlay mount at ${target} failed: ${r.stderr.trim()}`);
  }
}

/** Is `target` a mount point now (per /proc/self/mountinfo)? */
export async function isMounted(target: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const escaped = target.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  return info.split('\n').some((line) => line.split(' ')[4] === escaped);
}

/** Unmounts `target`, retrying while busy and detaching lazily as a last resort. */
export async function unmount(target: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    // Try first, ask mountinfo only on failure: the common case costs one spawn.
    const r = await runCommand('umount', [target]);
    if (r.code === 0 || !(await isMounted(target))) return;
    await new Promise((res) => setTimeout(res, 20 * (attempt + 1)));
  }
  const r = await runCommand('umount', ['-l', target]);
  if (r.code !== 0 && (await isMounted(target))) {
    throw new SlipwayError('SANDBOX_UNMOUNT_FAILED', `cannot unmount ${target}: ${r.stderr.trim()}`);
  }
}
