/**
 * Stream shaping between the network and the store. The store awaits one file write per
 * piece it is given; fed straight from a socket it would write 16-64 kB at a time and
 * the socket would sit paused during every write. These two generators fix both.
 */

/** Joins small reads into pieces of about `target` bytes (the last may be shorter). */
export async function* coalesce(source: AsyncIterable<Buffer>, target = 1 << 20): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    parts.push(chunk);
    size += chunk.length;
    if (size >= target) {
      yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(parts, size);
}

/**
 * Keeps reading `source` while the consumer is busy, up to `limit` bytes ahead, so the
 * network and the disk work at the same time. Errors of the source reach the consumer
 * after the data read before them; a consumer that stops early stops the source.
 */
export async function* readAhead(source: AsyncIterable<Buffer>, limit: number): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  const queue: Buffer[] = [];
  let queued = 0;
  let finished = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const wake = (which: 'consumer' | 'producer') => {
    const fn = which === 'consumer' ? wakeConsumer : wakeProducer;
    if (which === 'consumer') wakeConsumer = undefined;
    else wakeProducer = undefined;
    fn?.();
  };
  const pump = (async () => {
    try {
      while (!stopped) {
        const next = await iterator.next();
        if (next.done) break;
        queue.push(next.value);
        queued += next.value.length;
        wake('consumer');
        while (queued >= limit && !stopped) await new Promise<void>((resolve) => { wakeProducer = resolve; });
      }
    } catch (error) {
      failure = { error };
    } finally {
      finished = true;
      wake('consumer');
    }
  })();
  try {
    for (;;) {
      const piece = queue.shift();
      if (piece) {
        queued -= piece.length;
        wake('producer');
        yield piece;
        continue;
      }
      if (failure) throw failure.error;
      if (finished) return;
      await new Promise<void>((resolve) => { wakeConsumer = resolve; });
    }
  } finally {
    stopped = true;
    wake('producer');
    await pump;
    // The pump has stopped: close the source (sockets, files) unless it failed on its own.
    if (failure === undefined) await iterator.return?.(undefined);
  }
}
