/**
 * Worker thread entry (see tar-offload.ts). Per job it builds the tar of the planned
 * entries and posts the members to the parent, transferring each buffer, with its
 * sha256 when asked; the whole tar's sha256 (the diff_id) comes with the end. Flow control: a shared credit counter the parent raises as it
 * consumes; at zero the worker blocks (Atomics.wait), so at most the initial credit of
 * members is ever in flight, whatever the layer size. The worker stays for the next job.
 */
import { createHash } from 'node:crypto';
import { linkSync, lstatSync } from 'node:fs';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { SlipwayError } from '../errors.js';
import { MEMBER_SIZE } from './pgzip.js';
import type { LinkOutcome, TreeJob } from './tar-offload.js';
import { tarMembers } from './tar-writer.js';
import { treeEntries, type PlannedEntry } from './walk.js';

/**
 * A job: the first batch of entries, the rest coming on `batches` as asked for (see
 * jobEntries); or a whole tree, planned here as it is written (treeMembers).
 */
type Job = { credits: SharedArrayBuffer; hashMembers: boolean } & (
  | { first: PlannedEntry[]; total: number; batches: MessagePort; tree?: undefined }
  | { tree: TreeJob; batches?: undefined });

const port = parentPort!;
/** Member buffers the parent is done with, sent back (see recycleMember). */
const returned = (workerData as { returns: MessagePort }).returns;

/**
 * A member buffer: one the parent sent back, else a new one. A new buffer's pages are
 * faulted in as the first read fills them (~40% of the read time of a warm tree); a
 * returned one's are there already.
 */
function memberBuffer(): Buffer {
  for (let m = receiveMessageOnPort(returned); m !== undefined; m = receiveMessageOnPort(returned)) {
    const ab = m.message as ArrayBuffer;
    if (ab.byteLength === MEMBER_SIZE) return Buffer.from(ab);
  }
  return Buffer.allocUnsafe(MEMBER_SIZE);
}

/**
 * The job's entries in order: while one batch is written the next is asked for; the parent
 * posts it on `batches` and counts it in `signal[1]`, which this waits on when it gets there
 * first.
 */
function* jobEntries({ first, total, batches }: Extract<Job, { first: PlannedEntry[] }>, signal: Int32Array): Generator<PlannedEntry> {
  let batch = first;
  let seen = first.length;
  for (let received = 0; ; received++) {
    if (seen < total) port.postMessage({ type: 'more' });
    yield* batch;
    if (seen >= total) return;
    let next = receiveMessageOnPort(batches);
    while (next === undefined) {
      Atomics.wait(signal, 1, received);
      next = receiveMessageOnPort(batches);
    }
    batch = next.message as PlannedEntry[];
    seen += batch.length;
  }
}

async function run(job: Job): Promise<void> {
  const { credits, hashMembers } = job;
  const credit = new Int32Array(credits);
  const tar = createHash('sha256');
  let size = 0;
  let entries = 0;
  const counted = function* (from: Iterable<PlannedEntry>): Generator<PlannedEntry> {
    for (const e of from) {
      entries++;
      yield e;
    }
  };
  try {
    const planned = job.tree ? treeEntries(job.tree.root, job.tree.clamp, job.tree.xattrs) : jobEntries(job, credit);
    for await (const member of tarMembers(counted(planned), memberBuffer)) {
      while (Atomics.load(credit, 0) <= 0) Atomics.wait(credit, 0, Atomics.load(credit, 0));
      Atomics.sub(credit, 0, 1);
      // A member owns its ArrayBuffer from offset 0 (a dedicated allocation), so it moves, uncopied.
      const owned = member.byteOffset === 0 && member.buffer.byteLength >= member.length ? member : Buffer.from(member);
      // Each member's own sha256, for the member index (members.ts), while it is in cache here.
      const sha = hashMembers ? createHash('sha256').update(owned).digest('hex') : undefined;
      tar.update(owned);
      size += owned.length;
      port.postMessage({ type: 'member', data: owned.buffer, length: owned.length, sha }, [owned.buffer as ArrayBuffer]);
    }
    port.postMessage({ type: 'end', digest: `sha256:${tar.digest('hex')}`, size, entries });
  } catch (err) {
    const e = err as Error & { code?: string };
    port.postMessage({ type: 'error', slipway: err instanceof SlipwayError, code: e.code, message: e.message });
  } finally {
    job.batches?.close();
  }
}

/**
 * Hard-links each [existing, new] pair and lstats the new name (see linkOnWorker): the
 * fields fs.Stats is made of, in its constructor's order, or the error code.
 */
function link(pairs: [string, string][]): LinkOutcome[] {
  return pairs.map(([from, to]) => {
    try {
      linkSync(from, to);
      const s = lstatSync(to);
      return { stat: [s.dev, s.mode, s.nlink, s.uid, s.gid, s.rdev, s.blksize, s.ino, s.size, s.blocks, s.atimeMs, s.mtimeMs, s.ctimeMs, s.birthtimeMs] };
    } catch (err) {
      return { code: (err as NodeJS.ErrnoException).code ?? 'EIO' };
    }
  });
}

// One tar job at a time: the parent sends the next only after this one's end or error.
// Link requests come any time and are answered at once (between members during a job).
port.on('message', (m: Job | { type: 'link'; id: number; pairs: [string, string][] }) => {
  if ('type' in m && m.type === 'link') port.postMessage({ type: 'linked', id: m.id, results: link(m.pairs) });
  else void run(m as Job);
});
port.postMessage({ type: 'ready' });
