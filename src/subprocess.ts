import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Short commands (mount, umount, getfattr, setfattr, runc delete) run to completion with
 * their output captured. During a build they are started by one small helper process (a
 * `sh` loop) forked for the build's first command: fork() copies the page tables of the
 * process that forks, and at a build's ~150 MB that held this thread ~4 ms per command (a
 * cold build runs a dozen), against well under 1 ms for the helper's forks.
 * Outside a build (no helper), or for an argument the helper's line protocol cannot carry
 * (a newline), the command is spawned here.
 */

export interface ShortResult {
  /** Exit status; 128 + n when killed by signal n. */
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

export interface ShortOptions {
  cwd?: string;
  /** Written to the command's stdin (else it reads /dev/null). */
  input?: Buffer;
}

// Each request is one line: `<id> <i|n> <command>`, the command quoted here word by word;
// its stdin, stdout and stderr are files `<id>.in/.out/.err` in the helper's private dir,
// and `<id> <status>` comes back on its stdout once it ends. Requests run concurrently.
const LOOP = [
  'd=$1',
  'while IFS= read -r line; do',
  '  id=${line%% *}; rest=${line#* }; mode=${rest%% *}; cmd=${rest#* }',
  '  if [ "$mode" = i ]; then in="$d/$id.in"; else in=/dev/null; fi',
  // The command replaces the inner subshell (exec): the outer one reaps it, and its own
  // notes ("Killed") go to the helper's stderr, not into the command's.
  '  ( ( eval "$cmd" ) <"$in" >"$d/$id.out" 2>"$d/$id.err"; echo "$id $?" ) &',
  'done',
  // Its stdin ends when this process lets it go or exits (however it exits): it cleans up.
  'wait; rm -rf "$d"',
].join('\n');

interface Helper {
  readonly child: ChildProcess;
  readonly dir: string;
  /** Requests sent and not answered, by id: resolved with the exit status, or undefined if the helper died. */
  readonly pending: Map<number, (status: number | undefined) => void>;
  users: number;
  /** Requests sent whose output is not read yet: the dir stays until there are none. */
  inflight: number;
  dead: boolean;
  /** Released by its last user: it ends once nothing is pending. */
  closing: boolean;
}

let helper: Helper | undefined;
/** Builds (or others) that hold the helper: it is started for the first command one of them runs. */
let holders = 0;
/** The helper could not be started: not tried again until every holder has let go. */
let helperFailed = false;
let nextId = 0;

const quote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;

/**
 * Counts one more user of the helper: call when a build starts, releaseShortCommands when it
 * ends. The helper itself is started by the first command (a fully cached build runs none).
 */
export function holdShortCommands(): void {
  holders++;
  if (helper !== undefined && !helper.dead) helper.users++;
}

/** Starts the helper for the holders there are now. */
function startHelper(): void {
  let dir: string | undefined;
  let child: ChildProcess;
  try {
    dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-cmd-'));
    // Its own process group: a terminal's Ctrl-C reaches this process, which then still
    // needs the helper to stop the build (runc kill, umount).
    child = spawn('sh', ['-c', LOOP, 'slipway-commands', dir], { stdio: ['pipe', 'pipe', 'ignore'], detached: true });
  } catch {
    // (No usable TMPDIR, no sh: commands are spawned here, as without a helper.)
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    helperFailed = true;
    return;
  }
  const h: Helper = { child, dir, pending: new Map(), users: holders, inflight: 0, dead: false, closing: false };
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('latin1')).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const [id, status] = line.split(' ');
      const done = h.pending.get(Number(id));
      h.pending.delete(Number(id));
      done?.(Number(status));
    }
    if (h.pending.size === 0) (child.stdout as Socket).unref();
  });
  const died = () => {
    if (h.dead) return;
    h.dead = true;
    if (helper === h) helper = undefined;
    for (const done of h.pending.values()) done(undefined);
    h.pending.clear();
    rmSync(dir, { recursive: true, force: true });
  };
  child.on('error', died);
  child.on('exit', died);
  child.stdin!.on('error', () => undefined);
  // Never what keeps the process alive while idle (a request refs its stdout).
  child.unref();
  (child.stdout as Socket).unref();
  (child.stdin as Socket).unref();
  helper = h;
}

/** One user fewer; after the last one the helper ends, once what it runs is over. */
export function releaseShortCommands(): void {
  if (holders > 0) holders--;
  if (holders === 0) helperFailed = false;
  const h = helper;
  if (h === undefined || --h.users > 0) return;
  helper = undefined;
  h.closing = true;
  if (h.inflight === 0) finish(h);
}

/** Ends an idle helper and removes its dir now (it would too, but this process may exit first). */
function finish(h: Helper): void {
  h.child.stdin!.end();
  rmSync(h.dir, { recursive: true, force: true });
}

/** Runs `cmd args` to completion (through the helper when there is one). */
export async function runShort(cmd: string, args: readonly string[], options: ShortOptions = {}): Promise<ShortResult> {
  if (holders > 0 && !helperFailed && (helper === undefined || helper.dead)) startHelper();
  const h = helper;
  const words = [cmd, ...args];
  // (A missing cwd is spawn's ENOENT, as here.)
  if (h === undefined || h.dead || words.some((w) => /[\n\0]/.test(w)) || (options.cwd !== undefined && (/[\n\0]/.test(options.cwd) || !existsSync(options.cwd)))) return spawnHere(cmd, args, options);
  const id = nextId++;
  const base = path.join(h.dir, String(id));
  h.inflight++;
  let stdout: Buffer;
  let stderr: Buffer;
  let status: number | undefined;
  try {
    if (options.input !== undefined) await writeFile(`${base}.in`, options.input);
    // It may have ended meanwhile: nothing would answer.
    if (h.dead) return await spawnHere(cmd, args, options);
    const line = `${options.cwd !== undefined ? `cd ${quote(options.cwd)} && ` : ''}exec ${words.map(quote).join(' ')}`;
    status = await new Promise<number | undefined>((resolve) => {
      h.pending.set(id, resolve);
      (h.child.stdout as Socket).ref();
      h.child.stdin!.write(`${id} ${options.input !== undefined ? 'i' : 'n'} ${line}\n`);
    });
    // Killed before it answered: whether the command ran is unknown, so it is not run again.
    if (status === undefined) throw new Error(`${cmd}: the helper that runs it ended before it did`);
    // (Gone only if the helper was killed meanwhile: not the command's own ENOENT.)
    [stdout, stderr] = await Promise.all([readFile(`${base}.out`), readFile(`${base}.err`)]).catch(() => {
      throw new Error(`${cmd}: its output was lost (the helper that ran it ended)`);
    });
    void Promise.all([rm(`${base}.out`, { force: true }), rm(`${base}.err`, { force: true }), rm(`${base}.in`, { force: true })]).catch(() => undefined);
  } finally {
    if (--h.inflight === 0 && h.closing && !h.dead) finish(h);
  }
  // sh's "not found" is spawn's ENOENT, which callers tell apart.
  if (status === 127 && /not found/.test(stderr.toString())) throw Object.assign(new Error(`spawn ${cmd} ENOENT`), { code: 'ENOENT' });
  return { code: status, stdout, stderr };
}

function spawnHere(cmd: string, args: readonly string[], options: ShortOptions): Promise<ShortResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...(options.cwd !== undefined ? { cwd: options.cwd } : {}), stdio: [options.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, sig) => resolve({ code: code ?? 128 + (sig ? 9 : 0), stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
    if (options.input !== undefined) {
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(options.input);
    }
  });
}
