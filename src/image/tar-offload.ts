import { createHash } from 'node:crypto';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { SlipwayError } from '../errors.js';
import type { Digest } from '../oci/index.js';
import { tarMembers } from './tar-writer.js';
import { treeEntries, type PlannedEntry } from './walk.js';
import type { Xattrs } from './xattr.js';

/**
 * Content bytes from which a layer's tar is built on the worker thread once it is up: even a
 * 1 MB layer built here holds up the next step's start by ~15 ms (reading its files, hashing
 * its tar). Before the worker is up (it starts with the build's first step that makes a
 * layer, prewarmTarWorker), only a layer from OFFLOAD_COLD_BYTES waits for it: a small one
 * is done here sooner than the worker's start-up (~40 ms).
 */
export const OFFLOAD_BYTES = 256 << 10;
export const OFFLOAD_COLD_BYTES = 16 << 20;
/** Members the worker may have built ahead of the consumer. */
const AHEAD = 4;
/**
 * Entries sent to the worker at a time, the next while it writes one: a tree of 100,000
 * files is planned once here, not copied whole into the worker's heap as well.
 */
const BATCH = 4096;

type Message =
  | { type: 'member'; data: ArrayBuffer; length: number; sha?: string }
  | { type: 'more' }
  | { type: 'end'; digest: string; size: number; entries?: number }
  | { type: 'error'; slipway: boolean; code?: string; message: string };

/** A link made on the worker (linkOnWorker): the new name's lstat, or why it failed. */
export type LinkOutcome = { stat: number[] } | { code: string };

/** The process's tar worker: idle between jobs, and never what keeps the process alive. */
interface TarWorker {
  readonly worker: Worker;
  /** Where member buffers go back to the worker (recycleMember). */
  readonly returns: MessagePort;
  busy: boolean;
  /** Terminate once the current job ends (releaseTarWorker while busy). */
  release?: boolean;
  failure?: Error;
  onMessage?: (m: Message) => void;
  wake?: () => void;
  /** Link requests not answered yet, by id (linkOnWorker). */
  readonly links: Map<number, (results: LinkOutcome[]) => void>;
  /** Up and listening (it says so once started): links are not queued behind its start-up. */
  ready: boolean;
}

let shared: TarWorker | undefined;

function startWorker(): TarWorker {
  const { port1, port2 } = new MessageChannel();
  // Its own garbage is small (headers, entry batches): a small young generation keeps the
  // thread's memory small too (about 15 MB less at peak for a 1.3 GB layer).
  const worker = new Worker(new URL('./tar-worker.js', import.meta.url), { workerData: { returns: port2 }, transferList: [port2], resourceLimits: { maxYoungGenerationSizeMb: 4 } });
  // Never what keeps the process alive (nor does the worker, see below).
  port1.unref();
  const w: TarWorker = { worker, returns: port1, busy: false, links: new Map(), ready: false };
  worker.on('message', (m: Message | { type: 'linked'; id: number; results: LinkOutcome[] } | { type: 'ready' }) => {
    if (m.type === 'ready') {
      w.ready = true;
      return;
    }
    if (m.type !== 'linked') return w.onMessage?.(m);
    const done = w.links.get(m.id);
    w.links.delete(m.id);
    if (w.links.size === 0 && !w.busy) {
      w.worker.unref();
      if (w.release) endReleased(w);
    }
    done?.(m.results);
  });
  const fail = (err: Error) => {
    w.failure ??= err;
    if (shared === w) shared = undefined;
    w.wake?.();
    // Unanswered links come back with no outcome: their files are copied instead.
    for (const [id, done] of w.links) {
      w.links.delete(id);
      done([]);
    }
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`tar worker exited (code ${code}) before the tar was complete`)));
  // After the listeners: adding a 'message' listener refs the worker again.
  worker.unref();
  return w;
}

let nextLink = 0;

/**
 * Hard-links each [existing, new] pair on the tar worker thread and lstats the new name,
 * while the caller goes on (a COPY linking thousands of context files: link() is most of
 * its time, and the second core is otherwise idle then). Outcomes come in pair order; one
 * missing (the worker died) is a failed link. Undefined when the worker is not up yet or
 * is writing a tar: link here then.
 */
export function linkOnWorker(pairs: [string, string][]): Promise<LinkOutcome[]> | undefined {
  const w = shared;
  if (w === undefined || !w.ready || w.busy || w.failure) return undefined;
  const id = nextLink++;
  w.worker.ref();
  return new Promise((resolve) => {
    w.links.set(id, resolve);
    w.worker.postMessage({ type: 'link', id, pairs });
  });
}

/** ArrayBuffers of members the tar worker made, until they go back to it. */
const fromWorker = new WeakSet<ArrayBuffer>();

/**
 * Gives a member buffer that layerMembers yielded back to the tar worker, which fills it
 * again instead of a new one. Only once nothing reads it any more (it is detached here: a
 * later read would see it empty). Others are left to the garbage collector.
 */
export function recycleMember(member: Buffer): void {
  const ab = member.buffer as ArrayBuffer;
  const w = shared;
  if (!fromWorker.has(ab) || w === undefined) return;
  fromWorker.delete(ab);
  w.returns.postMessage(ab, [ab]);
}

/**
 * Ends the tar worker once it is idle (at the end of a build: a library process does not
 * keep an idle thread). A worker busy with another build's layer ends after that job.
 */
export function releaseTarWorker(): void {
  const w = shared;
  if (w === undefined) return;
  shared = undefined;
  // Another build's tar or links on it are not cut short: it ends after them.
  if (w.busy || w.links.size > 0) w.release = true;
  else void w.worker.terminate();
}

/** Ends a released worker that has nothing left to do. */
function endReleased(w: TarWorker): void {
  w.worker.removeAllListeners('exit');
  void w.worker.terminate();
}

/**
 * Starts the tar worker ahead of its first job, so that its start-up (a Node instance,
 * tens of ms) overlaps the step that will produce the layer rather than delaying the layer.
 */
export function prewarmTarWorker(): void {
  shared ??= startWorker();
}

/** The sha256 of a whole tar (the layer's diff_id) and its size, once layerMembers has yielded it all. */
export interface TarDigest {
  digest?: Digest;
  size?: number;
}

/**
 * The canonical tar of `entries` as tarMembers gives it, built on a worker thread when the
 * content is large enough: reading every file (open, read, close per file) and hashing the
 * tar for the diff_id (into `tar`) are then off the main thread, which meanwhile feeds
 * deflate. Small layers, or a second layer while the worker is busy, are built here. With
 * `memberShas`, the worker also hashes each member it yields (the member index's key) into
 * that map.
 */
export async function* layerMembers(entries: readonly PlannedEntry[], memberShas?: WeakMap<Buffer, string>, tar: TarDigest = {}): AsyncGenerator<Buffer> {
  let bytes = 0;
  for (const e of entries) bytes += e.kind === 'file' ? e.size : 0;
  if (bytes < (shared?.ready ? OFFLOAD_BYTES : OFFLOAD_COLD_BYTES) || shared?.busy) {
    const h = createHash('sha256');
    let size = 0;
    for await (const m of tarMembers(entries)) {
      h.update(m);
      size += m.length;
      yield m;
    }
    tar.digest = `sha256:${h.digest('hex')}` as Digest;
    tar.size = size;
    return;
  }
  const { port1: batches, port2: workerBatches } = new MessageChannel();
  let sent = Math.min(BATCH, entries.length);
  const more = (credit: Int32Array) => {
    batches.postMessage(entries.slice(sent, sent + BATCH));
    sent += BATCH;
    Atomics.add(credit, 1, 1);
    Atomics.notify(credit, 1);
  };
  try {
    yield* viaWorker({ first: entries.slice(0, sent), total: entries.length, batches: workerBatches }, [workerBatches], more, memberShas, tar);
  } finally {
    batches.close();
  }
}

/** A tree for treeMembers: its root, the mtime clamp, and its xattrs by absolute path. */
export interface TreeJob {
  readonly root: string;
  readonly clamp: number | undefined;
  readonly xattrs: ReadonlyMap<string, Xattrs>;
}

/**
 * The tar of a whole tree (what layerMembers gives for planEntries of it), planned on the
 * worker as it writes: the walk (an lstat per entry) is then off this thread too, and no
 * entry list is copied to the worker. The entry count goes into `count.entries`. When the
 * worker is busy or not up yet, the tree is planned here (and written as layerMembers does).
 */
export async function* treeMembers(job: TreeJob, memberShas: WeakMap<Buffer, string> | undefined, tar: TarDigest, count: { entries?: number }): AsyncGenerator<Buffer> {
  // A tree's size is known only once walked: it never waits for the worker's start-up.
  if (shared?.busy || !shared?.ready) {
    const entries = [...treeEntries(job.root, job.clamp, job.xattrs)];
    count.entries = entries.length;
    yield* layerMembers(entries, memberShas, tar);
    return;
  }
  yield* viaWorker({ tree: job }, [], undefined, memberShas, tar, count);
}

/** Runs one job on the shared worker and yields its members (see tar-worker.ts for the protocol). */
async function* viaWorker(job: object, transfer: MessagePort[], more: ((credit: Int32Array) => void) | undefined, memberShas: WeakMap<Buffer, string> | undefined, tar: TarDigest, count?: { entries?: number }): AsyncGenerator<Buffer> {
  const w = (shared ??= startWorker());
  w.busy = true;
  // [0]: members the worker may still build ahead; [1]: entry batches sent after the first.
  const credits = new SharedArrayBuffer(8);
  const credit = new Int32Array(credits);
  credit[0] = AHEAD;
  const queue: Message[] = [];
  w.onMessage = (m) => {
    if (m.type === 'more') {
      more?.(credit);
      return;
    }
    queue.push(m);
    w.wake?.();
  };
  w.worker.ref();
  w.worker.postMessage({ ...job, credits, hashMembers: memberShas !== undefined }, transfer);
  let finished = false;
  try {
    for (;;) {
      while (queue.length === 0) {
        if (w.failure) throw w.failure;
        await new Promise<void>((r) => { w.wake = r; });
        w.wake = undefined;
      }
      const m = queue.shift()!;
      if (m.type === 'end') {
        finished = true;
        tar.digest = m.digest as Digest;
        tar.size = m.size;
        if (count !== undefined) count.entries = m.entries;
        return;
      }
      if (m.type === 'error') {
        finished = true;
        throw m.slipway ? new SlipwayError(m.code ?? 'LAYER_WRITE', m.message) : Object.assign(new Error(m.message), { code: m.code });
      }
      if (m.type !== 'member') continue;
      fromWorker.add(m.data);
      const member = Buffer.from(m.data, 0, m.length);
      if (m.sha !== undefined) memberShas?.set(member, m.sha);
      yield member;
      Atomics.add(credit, 0, 1);
      Atomics.notify(credit, 0);
    }
  } finally {
    w.onMessage = undefined;
    if (finished && !w.failure) {
      w.busy = false;
      if (w.links.size === 0) {
        w.worker.unref();
        if (w.release) endReleased(w);
      }
    } else {
      // Left mid-job (the consumer failed): this worker's job cannot be taken back; it goes.
      if (shared === w) shared = undefined;
      Atomics.store(credit, 0, 1 << 30);
      Atomics.notify(credit, 0);
      w.worker.removeAllListeners('exit');
      await w.worker.terminate();
    }
  }
}
