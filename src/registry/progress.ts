import type { Digest } from '../oci/index.js';

/**
 * Progress of a pull or push, one event per state change of a blob (and byte counts while
 * it moves). Library callers get these as values; the CLI renders them.
 */
export type BlobPhase =
  /** Queued behind the parallelism bound. */
  | 'waiting'
  /** Already there (local store on pull, registry on push): nothing moved. */
  | 'exists'
  /** Mounted from another repository of the same registry (push). */
  | 'mounted'
  /** Bytes moving; `current` counts them. */
  | 'transfer'
  /** A transient failure; about to retry or resume. */
  | 'retry'
  | 'done';

export type ProgressEvent =
  | { readonly type: 'blob'; readonly action: 'pull' | 'push'; readonly digest: Digest; readonly size: number; readonly phase: BlobPhase; readonly current: number }
  | { readonly type: 'status'; readonly message: string };

export type ProgressListener = (event: ProgressEvent) => void;

interface Output { write(chunk: string): unknown; isTTY?: boolean }

const short = (d: Digest) => d.slice(d.indexOf(':') + 1, d.indexOf(':') + 13);

function size(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)}kB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)}MB`;
  return `${(n / 1024 ** 3).toFixed(2)}GB`;
}

const WORDS: Record<'pull' | 'push', Record<BlobPhase, string>> = {
  pull: { waiting: 'Waiting', exists: 'Already exists', mounted: 'Mounted', transfer: 'Downloading', retry: 'Retrying', done: 'Pull complete' },
  push: { waiting: 'Waiting', exists: 'Layer already exists', mounted: 'Mounted from another repository', transfer: 'Pushing', retry: 'Retrying', done: 'Pushed' },
};

/**
 * Plain lines for logs and pipes: one line per phase change, never per byte, so CI logs
 * stay short.
 */
export function plainRenderer(out: Output): ProgressListener {
  const last = new Map<string, BlobPhase>();
  return (e) => {
    if (e.type === 'status') {
      out.write(`${e.message}\n`);
      return;
    }
    if (last.get(e.digest) === e.phase && e.phase !== 'retry') return;
    last.set(e.digest, e.phase);
    const detail = e.phase === 'transfer' || e.phase === 'done' ? ` (${size(e.size)})` : '';
    out.write(`${short(e.digest)}: ${WORDS[e.action][e.phase]}${detail}\n`);
  };
}

/**
 * Bars for a terminal: one line per blob, redrawn in place (at most every 100 ms while
 * bytes move); status messages scroll above them.
 */
export function ttyRenderer(out: Output, width = 30): ProgressListener & { finish(): void } {
  const rows: { id: string; line: string }[] = [];
  let drawn = 0;
  let lastDraw = 0;
  const draw = (force: boolean) => {
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    let text = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const r of rows) text += `\x1b[2K${r.line}\n`;
    drawn = rows.length;
    out.write(text);
  };
  const listener = (e: ProgressEvent) => {
    if (e.type === 'status') {
      // Scroll the message above the bars: clear them, print, redraw below.
      out.write(`${drawn > 0 ? `\x1b[${drawn}A\x1b[J` : ''}${e.message}\n`);
      drawn = 0;
      draw(true);
      return;
    }
    const id = short(e.digest);
    let row = rows.find((r) => r.id === id);
    if (!row) rows.push(row = { id, line: '' });
    const word = WORDS[e.action][e.phase];
    if (e.phase === 'transfer' && e.size > 0) {
      const filled = Math.min(width, Math.floor((e.current / e.size) * width));
      const bar = `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${' '.repeat(width - filled)}]`;
      row.line = `${id}: ${word} ${bar} ${size(e.current)}/${size(e.size)}`;
    } else {
      row.line = `${id}: ${word}`;
    }
    draw(e.phase !== 'transfer');
  };
  return Object.assign(listener, { finish: () => draw(true) });
}

/** The renderer that fits `out`: bars on a TTY, plain lines otherwise. */
export function progressRenderer(out: Output): ProgressListener & { finish(): void } {
  return out.isTTY ? ttyRenderer(out) : Object.assign(plainRenderer(out), { finish: () => undefined });
}
