import { linkSync, lstatSync, rmSync, Stats } from 'node:fs';
import type { LinkOutcome } from '../image/tar-offload.js';

/**
 * A COPY's hard links made on another thread (the tar worker's linkOnWorker) while the
 * copy goes on walking: Borrower.linkLater claims a file and queues it here; batches go to
 * the Linker, and each outcome is recorded in the Borrower (or the file is copied instead).
 */

/**
 * Hard-links [existing, new] pairs on another thread and lstats each new name: outcomes in
 * pair order, the stat as fs.Stats's constructor fields; undefined when it cannot take them
 * now (then they are linked here).
 */
export type Linker = (pairs: [string, string][]) => Promise<LinkOutcome[]> | undefined;

/** A claimed file to link, with what to do if the link fails. */
export interface QueuedLink {
  readonly rel: string;
  readonly src: string;
  /** The file's lstat before the link. */
  readonly st: Stats;
  readonly dst: string;
  /** Makes the copy when the file cannot be linked. */
  readonly instead: () => void;
}

/** What the queue records outcomes in (the Borrower). */
export interface LinkRecord {
  /** `rel` is linked; its inode's stat is now `after`. */
  recordLinked(rel: string, after: Stats, before?: Stats): void;
  /** Like recordLinked, taking the stat of `dst` itself. */
  linked(rel: string, dst: string, before?: Stats): void;
  /** `rel` was claimed but is not linked (it is copied). */
  release(rel: string): void;
}

/** Links handed to the Linker at a time. */
const LINK_BATCH = 256;

/** fs.Stats whose Date fields are made when read (thousands are made, their dates rarely read), rounded as fs.Stats rounds them. */
const LAZY_STATS: object = Object.create(Stats.prototype, {
  atime: { get(this: Stats) { return new Date(Math.round(this.atimeMs)); } },
  mtime: { get(this: Stats) { return new Date(Math.round(this.mtimeMs)); } },
  ctime: { get(this: Stats) { return new Date(Math.round(this.ctimeMs)); } },
  birthtime: { get(this: Stats) { return new Date(Math.round(this.birthtimeMs)); } },
});

/** fs.Stats from its constructor's fields (as the Linker gives them). */
function statsOf(f: number[]): Stats {
  const s = Object.create(LAZY_STATS) as { -readonly [K in keyof Stats]: Stats[K] };
  [s.dev, s.mode, s.nlink, s.uid, s.gid, s.rdev, s.blksize, s.ino, s.size, s.blocks, s.atimeMs, s.mtimeMs, s.ctimeMs, s.birthtimeMs] = f as [number, number, number, number, number, number, number, number, number, number, number, number, number, number];
  return s as Stats;
}

export class LinkQueue {
  /** Links not yet handed to the Linker, and the batches it has not answered. */
  private queued: QueuedLink[] = [];
  private readonly linking: Promise<void>[] = [];

  constructor(private readonly linker: Linker, private readonly record: LinkRecord) {}

  add(q: QueuedLink): void {
    this.queued.push(q);
    if (this.queued.length >= LINK_BATCH) this.handOver();
  }

  /**
   * Waits for every queued link: after it, each is made or its copy is. Throws the first
   * failure (a copy that could not be made), once all are settled.
   */
  async flush(): Promise<void> {
    if (this.queued.length > 0) this.handOver();
    const settled = await Promise.allSettled(this.linking.splice(0));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private handOver(): void {
    const batch = this.queued;
    this.queued = [];
    const outcomes = this.linker(batch.map((q) => [q.src, q.dst]));
    if (outcomes === undefined) {
      for (const q of batch) this.finish(q, undefined);
      return;
    }
    const done = outcomes.then((got) => {
      // Every link of the batch is settled, even after one failed: the first failure is thrown.
      let failure: unknown;
      for (let i = 0; i < batch.length; i++) {
        try {
          this.finish(batch[i]!, got[i]);
        } catch (err) {
          failure ??= err;
        }
      }
      if (failure !== undefined) throw failure;
    });
    // Observed now (the copy goes on, yielding to the event loop): flush reports it.
    done.catch(() => undefined);
    this.linking.push(done);
  }

  /** A queued link's outcome (undefined: link it here). */
  private finish(q: QueuedLink, outcome: LinkOutcome | undefined): void {
    if (outcome === undefined) {
      // Not answered (the thread ended): the link may have been made before it did.
      const there = lstatSync(q.dst, { throwIfNoEntry: false });
      try {
        if (there === undefined || there.ino !== q.st.ino || there.dev !== q.st.dev) linkSync(q.src, q.dst);
        this.record.linked(q.rel, q.dst, q.st);
        return;
      } catch {
        // copied below
      }
    } else if ('stat' in outcome) {
      this.record.recordLinked(q.rel, statsOf(outcome.stat), q.st);
      return;
    }
    // EXDEV (context on another filesystem), EMLINK, EPERM: copy. Never onto whatever is at
    // `dst` (a link to the context file itself, from an attempt that did not report).
    this.record.release(q.rel);
    rmSync(q.dst, { force: true });
    q.instead();
  }
}
