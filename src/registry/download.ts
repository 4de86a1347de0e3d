import { setTimeout as sleep } from 'node:timers/promises';
import { SlipwayError } from '../errors.js';
import type { Descriptor } from '../oci/index.js';
import type { Store } from '../store/index.js';
import { repositoryScope } from './challenge.js';
import type { RegistryClient } from './client.js';
import { registryError, responseError } from './errors.js';
import type { ProgressListener } from './progress.js';
import { coalesce, readAhead } from './buffering.js';
import { backoff, isTransientError } from './retry.js';
import { header, type HttpResponse } from './transport.js';

/**
 * Streams one blob from the registry into the store. The store hashes and counts while
 * writing and keeps nothing that does not match the descriptor. A connection that drops
 * mid-blob is resumed with `Range: bytes=N-`; a registry that ignores Range sends the whole
 * blob again and the first N bytes are skipped, so the store sees one continuous stream.
 */
export async function downloadBlob(client: RegistryClient, repository: string, desc: Descriptor, store: Store,
  progress: ProgressListener = () => undefined, signal?: AbortSignal): Promise<void> {
  const emit = (phase: 'transfer' | 'retry' | 'done', current: number) =>
    progress({ type: 'blob', action: 'pull', digest: desc.digest, size: desc.size, phase, current });
  const where = `blob ${desc.digest} from ${client.host}/${repository}`;

  async function open(offset: number): Promise<HttpResponse> {
    const res = await client.request({ method: 'GET', path: `${repository}/blobs/${desc.digest}`,
      scopes: [repositoryScope(repository, false)], headers: offset > 0 ? { range: `bytes=${offset}-` } : {} });
    if (res.status === 200) return res;
    if (res.status === 206 && offset > 0) {
      const range = /^bytes (\d+)-/.exec(header(res, 'content-range') ?? '');
      if (range && Number(range[1]) === offset) return res;
      res.body.destroy();
      throw registryError('REGISTRY_PROTOCOL', `${where}: asked to resume at ${offset}, got Content-Range ${header(res, 'content-range')}`);
    }
    throw await responseError(res, where);
  }

  async function* resumable(): AsyncGenerator<Buffer> {
    let offset = 0;
    let failures = 0;
    let res = await open(0);
    let lastEmit = 0;
    for (;;) {
      // Bytes of a full (200) response that were already delivered before the drop.
      let skip = res.status === 200 ? offset : 0;
      try {
        for await (const raw of res.body) {
          let chunk = raw as Buffer;
          if (skip > 0) {
            const n = Math.min(skip, chunk.length);
            skip -= n;
            chunk = chunk.subarray(n);
            if (chunk.length === 0) continue;
          }
          // Another blob of the same pull failed: stop, and let the store drop the temp file.
          signal?.throwIfAborted();
          offset += chunk.length;
          yield chunk;
          const now = Date.now();
          if (now - lastEmit >= 100) {
            lastEmit = now;
            emit('transfer', offset);
          }
        }
        // A server may close cleanly but early; the expected size says whether we are done.
        if (offset >= desc.size) return;
        throw Object.assign(new Error(`${where}: connection closed at byte ${offset} of ${desc.size}`), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
      } catch (err) {
        res.body.destroy();
        if (signal?.aborted || !isTransientError(err) || ++failures >= client.retry.attempts) throw err;
        emit('retry', offset);
        await sleep(backoff(client.retry, failures - 1));
        res = await open(offset);
      }
    }
  }

  emit('transfer', 0);
  try {
    await store.putBlob(readAhead(coalesce(resumable()), 8 << 20), { digest: desc.digest, size: desc.size });
  } catch (err) {
    if (err instanceof SlipwayError && (err.code === 'STORE_DIGEST_MISMATCH' || err.code === 'STORE_SIZE_MISMATCH')) {
      throw registryError('REGISTRY_DIGEST_MISMATCH', `${where} failed verification: ${err.message}; nothing was stored`, err);
    }
    if (err instanceof SlipwayError) throw err;
    throw registryError('REGISTRY_UNREACHABLE', `${where}: ${(err as { code?: string }).code ?? (err as Error).message}`, err);
  }
  emit('done', desc.size);
}

/**
 * Runs `fn` over `items` with at most `limit` in flight. On the first failure the signal
 * given to `fn` aborts, no new item starts, and the call waits for the ones in flight to
 * stop before rethrowing: nothing is left half-written when it returns.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number,
  fn: (item: T, index: number, signal: AbortSignal) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  const controller = new AbortController();
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i, controller.signal);
      } catch (error) {
        failure ??= { error };
        controller.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}
