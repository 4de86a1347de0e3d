import { randomBytes } from 'node:crypto';
import { promises as fs, constants } from 'node:fs';
import path from 'node:path';

/**
 * Temp names carry the writer's pid so that a later process can tell a temp file
 * abandoned by a killed writer (pid gone) from one still being written.
 */
export function tempName(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** The pid encoded by tempName, or undefined for foreign names. */
export function tempOwner(name: string): number | undefined {
  const m = /-(\d+)-[0-9a-f]{12}$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** True when a process with this pid exists (EPERM still means it exists). */
export function isPidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Bytes written between two background datasyncs of a FlushingWriter. */
const SYNC_EVERY = 4 << 20;

/**
 * Writes a big file that is flushed to disk as it grows: a datasync per 4 MiB, not waited
 * for, so the fsync that must come before its rename has only the tail left to write.
 */
export class FlushingWriter {
  private readonly syncing: Promise<void>[] = [];
  private unsynced = 0;

  constructor(readonly fh: fs.FileHandle) {}

  async write(buf: Uint8Array): Promise<void> {
    let off = 0;
    while (off < buf.length) off += (await this.fh.write(buf, off, buf.length - off)).bytesWritten;
    if ((this.unsynced += buf.length) >= SYNC_EVERY && this.syncing.length < 64) {
      this.unsynced = 0;
      const p = this.fh.datasync();
      p.catch(() => undefined);
      this.syncing.push(p);
    }
  }

  /** Everything written is on disk (call before the rename). */
  async sync(): Promise<void> {
    await Promise.all(this.syncing);
    await this.fh.sync();
  }

  /** Waits for the background datasyncs, failed or not (before closing after a failure). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.syncing);
  }
}

/** fsync a directory so a rename inside it survives a power cut. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes a file atomically: temp file in `tmpDir` (same filesystem), fsync, rename
 * over `target`, fsync the target's directory. Readers see the old or the new
 * content, never a mix, whatever moment the process is killed.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, tmpDir: string, mode = 0o644): Promise<void> {
  const tmp = path.join(tmpDir, tempName('file'));
  const fh = await fs.open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(path.dirname(target));
}

/** Removes temp entries in `dir` whose owning process is gone; returns their names. */
export async function cleanStaleTemps(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = tempOwner(name);
    if (pid !== undefined && isPidAlive(pid)) continue;
    await fs.rm(path.join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
