import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SlipwayError } from '../errors.js';
import { isPidAlive } from './fsutil.js';

/**
 * Inter-process locks as files created with O_EXCL, holding "<pid> <token>". A lock
 * whose pid is gone (the holder was SIGKILLed) is stale and is broken by the next
 * taker. Node has no flock(2); pid files give the same guarantees on one machine.
 *
 * Two kinds: exclusive (`<name>.lock`), and shared/exclusive (`<name>.shared.<pid>.<tok>`
 * files plus `<name>.lock`): writers of unreferenced blobs hold `gc` shared, prune
 * holds it exclusive, so prune never deletes a blob an image is about to reference.
 */
export type LockMode = 'exclusive' | 'shared';

const POLL_MS = 15;
const MAX_POLL_MS = 200;

async function readHolder(file: string): Promise<number | undefined> {
  try {
    const pid = Number((await fs.readFile(file, 'utf8')).split(' ')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** True when `file` exists and its holder is alive; removes it when stale. */
async function heldByLiveProcess(file: string): Promise<boolean> {
  const pid = await readHolder(file);
  if (pid === undefined) {
    // Empty content: a holder between open and write, or killed there. Judge by age.
    try {
      const st = await fs.stat(file);
      if (Date.now() - st.mtimeMs < 2000) return true;
    } catch {
      return false;
    }
  } else if (isPidAlive(pid)) {
    return true;
  }
  // Break a stale lock by renaming it away first, so two breakers cannot both
  // delete a fresh lock that a third process just created.
  const aside = `${file}.stale-${randomBytes(4).toString('hex')}`;
  try {
    await fs.rename(file, aside);
    const again = await readHolder(aside);
    if (again !== undefined && again !== pid && isPidAlive(again)) await fs.rename(aside, file).catch(() => undefined);
    else await fs.rm(aside, { force: true });
  } catch {
    // Someone else broke or released it.
  }
  return false;
}

async function tryCreate(file: string, token: string): Promise<boolean> {
  try {
    await fs.writeFile(file, `${process.pid} ${token}\n`, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

async function sharedHolders(dir: string, name: string): Promise<string[]> {
  const prefix = `${name}.shared.`;
  return (await fs.readdir(dir)).filter((n) => n.startsWith(prefix)).map((n) => path.join(dir, n));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Shared holds are reentrant within a process: a nested lease must not queue behind
 * a waiting exclusive taker that is itself waiting for the outer lease (deadlock).
 */
const sharedHeld = new Map<string, { count: number; file?: string }>();

/**
 * Acquires lock `name` in `dir` and returns its release function. Waits (polling)
 * until `timeoutMs` and then throws STORE_LOCK_TIMEOUT.
 */
export async function acquireLock(dir: string, name: string, mode: LockMode = 'exclusive', timeoutMs = 120_000): Promise<() => Promise<void>> {
  const token = randomBytes(6).toString('hex');
  const exclusive = path.join(dir, `${name}.lock`);
  const deadline = Date.now() + timeoutMs;
  let delay = POLL_MS;
  const wait = async () => {
    if (Date.now() > deadline) {
      const who = await holders(dir, name);
      throw new SlipwayError('STORE_LOCK_TIMEOUT', `timed out after ${Math.round(timeoutMs / 1000)} s waiting for store lock ${name} in ${dir}${who.length > 0 ? `, held by ${who.join(', ')}` : ''}`);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, MAX_POLL_MS);
  };
  if (mode === 'shared') {
    const key = path.join(dir, name);
    const held = sharedHeld.get(key);
    if (held && held.count > 0) {
      held.count++;
      return async () => releaseShared(key);
    }
    const mine = path.join(dir, `${name}.shared.${process.pid}.${token}`);
    for (;;) {
      if (!(await heldByLiveProcess(exclusive))) {
        await fs.writeFile(mine, `${process.pid} ${token}\n`);
        if (!(await heldByLiveProcess(exclusive))) {
          const again = sharedHeld.get(key);
          if (again && again.count > 0) {
            // Another async path of this process got there first; keep one file.
            await fs.rm(mine, { force: true });
            again.count++;
          } else {
            sharedHeld.set(key, { count: 1, file: mine });
          }
          return async () => releaseShared(key);
        }
        await fs.rm(mine, { force: true });
      }
      await wait();
    }
  }
  for (;;) {
    if (await tryCreate(exclusive, token)) break;
    if (!(await heldByLiveProcess(exclusive))) continue;
    await wait();
  }
  const release = async () => {
    const content = await fs.readFile(exclusive, 'utf8').catch(() => '');
    if (content.includes(token)) await fs.rm(exclusive, { force: true });
  };
  // An exclusive taker of a shared/exclusive lock waits for live shared holders to leave.
  try {
    for (;;) {
      let live = 0;
      for (const f of await sharedHolders(dir, name)) if (await heldByLiveProcess(f)) live++;
      if (live === 0) return release;
      await wait();
    }
  } catch (err) {
    await release();
    throw err;
  }
}

/** The live processes holding lock `name`, as `pid N (command line)`, for an error message. */
async function holders(dir: string, name: string): Promise<string[]> {
  const pids = new Set<number>();
  for (const f of [path.join(dir, `${name}.lock`), ...(await sharedHolders(dir, name).catch(() => []))]) {
    const pid = await readHolder(f).catch(() => undefined);
    if (pid !== undefined && pid !== process.pid && isPidAlive(pid)) pids.add(pid);
  }
  return Promise.all([...pids].map(async (pid) => {
    const cmd = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').then((c) => c.split('\0').filter((a) => a !== '').join(' '), () => '');
    return cmd === '' ? `pid ${pid}` : `pid ${pid} (${cmd.length > 80 ? `${cmd.slice(0, 77)}...` : cmd})`;
  }));
}

/**
 * Whether lock `name` is held by anyone but one holder in this process: a second holder
 * here (another async path), a live process holding it shared, or one holding it exclusive.
 */
export async function heldByOthers(dir: string, name: string): Promise<boolean> {
  const held = sharedHeld.get(path.join(dir, name));
  if ((held?.count ?? 0) > 1) return true;
  // This process's holders are counted above; a file naming its pid but not its own is a
  // leftover of an earlier process that had the same pid.
  const ours = `${name}.shared.${process.pid}.`;
  for (const f of await sharedHolders(dir, name)) if (!path.basename(f).startsWith(ours) && (await heldByLiveProcess(f))) return true;
  return heldByLiveProcess(path.join(dir, `${name}.lock`));
}

async function releaseShared(key: string): Promise<void> {
  const held = sharedHeld.get(key);
  if (!held) return;
  held.count--;
  if (held.count === 0) {
    sharedHeld.delete(key);
    if (held.file) await fs.rm(held.file, { force: true });
  }
}

/** Runs `fn` holding lock `name`; releases on success and on error. */
export async function withLock<T>(dir: string, name: string, mode: LockMode, fn: () => Promise<T>): Promise<T> {
  const release = await acquireLock(dir, name, mode);
  try {
    return await fn();
  } finally {
    await release();
  }
}
