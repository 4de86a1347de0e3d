import { createReadStream } from 'node:fs';
import { SlipwayError } from '../errors.js';
import { Digester, type Descriptor } from '../oci/index.js';
import type { Store } from '../store/index.js';
import { repositoryScope } from './challenge.js';
import type { RegistryClient } from './client.js';
import { networkError, registryError, responseError } from './errors.js';
import type { ProgressListener } from './progress.js';
import { RetryableStatus, withRetry } from './retry.js';
import { header, type HttpResponse } from './transport.js';

export interface UploadOptions {
  /** Upload in PATCH chunks of this many bytes; default: one monolithic PUT. */
  readonly chunkSize?: number;
  /** Repositories of the same registry that hold the blob (cross-repository mount). */
  readonly mountFrom?: readonly string[];
  readonly onProgress?: ProgressListener;
}

export type UploadOutcome = 'exists' | 'mounted' | 'uploaded';

/**
 * Puts one blob into `repository` the cheapest way: nothing when `HEAD` finds it, a
 * cross-repository mount when another repository there has it, else an upload session
 * (monolithic PUT, or PATCH chunks with Content-Range following the newest Location,
 * then PUT ?digest=). A failed session is abandoned and the whole upload retried.
 */
export async function uploadBlob(client: RegistryClient, repository: string, desc: Descriptor, store: Store,
  options: UploadOptions = {}): Promise<UploadOutcome> {
  const emit = (phase: 'exists' | 'mounted' | 'transfer' | 'retry' | 'done', current: number) =>
    options.onProgress?.({ type: 'blob', action: 'push', digest: desc.digest, size: desc.size, phase, current });
  const where = `blob ${desc.digest} to ${client.host}/${repository}`;
  const push = repositoryScope(repository, true);

  const head = await client.request({ method: 'HEAD', path: `${repository}/blobs/${desc.digest}`, scopes: [push] });
  head.body.resume();
  if (head.status === 200) {
    emit('exists', desc.size);
    return 'exists';
  }
  if (head.status !== 404) throw await responseError(head, where);

  let location: string | undefined;
  for (const from of options.mountFrom ?? []) {
    const res = await client.request({ method: 'POST', path: `${repository}/blobs/uploads/?mount=${desc.digest}&from=${encodeURIComponent(from)}`,
      scopes: [push, repositoryScope(from, false)] });
    res.body.resume();
    if (res.status === 201) {
      emit('mounted', desc.size);
      return 'mounted';
    }
    // 202: the registry could not mount and opened an ordinary upload session instead.
    if (res.status === 202) {
      location = header(res, 'location');
      break;
    }
  }

  await withRetry(client.retry, async (attempt) => {
    if (attempt > 0) emit('retry', 0);
    if (!location || attempt > 0) location = await startSession(client, repository, where);
    const sent = await sendContent(client, location, desc, store, { ...options, repository, where, emit });
    let done = sent.committed;
    if (!done) {
      done = await client.request({ method: 'PUT', url: withDigest(sent.location, desc), scopes: [push] });
      if (done.status !== 201 && done.status !== 204) throw await responseError(done, where);
      done.body.resume();
    }
    const stored = header(done, 'docker-content-digest');
    if (stored && stored !== desc.digest) throw registryError('REGISTRY_DIGEST_MISMATCH', `${where}: registry stored ${stored}`);
  }, (_, delay) => options.onProgress?.({ type: 'status', message: `upload of ${desc.digest} failed; retrying in ${Math.round(delay)} ms` }))
    .catch((err: unknown) => {
      if (err instanceof RetryableStatus) throw registryError('REGISTRY_ERROR', `${where}: ${err.message} (after ${client.retry.attempts} attempts)`);
      throw err instanceof SlipwayError ? err : networkError(client.host, err);
    });
  emit('done', desc.size);
  return 'uploaded';
}

async function startSession(client: RegistryClient, repository: string, where: string): Promise<string> {
  const res = await client.request({ method: 'POST', path: `${repository}/blobs/uploads/`, scopes: [repositoryScope(repository, true)] });
  if (res.status !== 202) throw await responseError(res, where);
  res.body.resume();
  const location = header(res, 'location');
  if (!location) throw registryError('REGISTRY_PROTOCOL', `${where}: upload session without a Location`);
  return location;
}

function withDigest(location: string, desc: Descriptor): string {
  return `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(desc.digest)}`;
}

interface SendContext extends UploadOptions {
  readonly repository: string;
  readonly where: string;
  readonly emit: (phase: 'transfer', current: number) => void;
}

/**
 * Sends the bytes of a session. Monolithic: one PUT ?digest= carrying the body (committed
 * here, one round trip saved). Chunked: PATCH with Content-Range, each answer's Location
 * being the next URL; bytes are hashed on the way out, so a blob that rotted in the store
 * is never committed.
 */
async function sendContent(client: RegistryClient, location: string, desc: Descriptor, store: Store,
  ctx: SendContext): Promise<{ location: string; committed: HttpResponse | undefined }> {
  const scopes = [repositoryScope(ctx.repository, true)];
  const digester = new Digester();
  const file = store.blobPath(desc.digest);
  let sent = 0;
  let lastEmit = 0;
  const body = (start: number, end: number) => () => {
    const stream = createReadStream(file, { start, end, highWaterMark: 1 << 20 });
    stream.on('data', (c) => {
      digester.update(c as Buffer);
      sent += (c as Buffer).length;
      if (Date.now() - lastEmit >= 100) {
        lastEmit = Date.now();
        ctx.emit('transfer', sent);
      }
    });
    return stream;
  };
  const chunk = ctx.chunkSize;
  if (!chunk || desc.size <= chunk) {
    const res = await client.request({ method: 'PUT', url: withDigest(location, desc), scopes, noRetry: true,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) },
      body: desc.size > 0 ? body(0, desc.size - 1) : Buffer.alloc(0) });
    if (res.status !== 201 && res.status !== 204) {
      // The registry refused what we sent: say so plainly when the store's copy is to blame.
      if (sent === desc.size && digester.digest() !== desc.digest) {
        res.body.resume();
        throw new SlipwayError('STORE_BLOB_CORRUPT', `blob ${desc.digest} in the store no longer matches its digest`);
      }
      throw await responseError(res, ctx.where);
    }
    res.body.resume();
    return { location, committed: res };
  }
  for (let start = 0; start < desc.size; start += chunk) {
    const end = Math.min(desc.size, start + chunk) - 1;
    const res = await client.request({ method: 'PATCH', url: location, scopes, noRetry: true, body: body(start, end),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(end - start + 1), 'content-range': `${start}-${end}` } });
    if (res.status !== 202) throw await responseError(res, `${ctx.where} (chunk ${start}-${end})`);
    res.body.resume();
    location = header(res, 'location') ?? location;
  }
  if (digester.digest() !== desc.digest) {
    throw new SlipwayError('STORE_BLOB_CORRUPT', `blob ${desc.digest} in the store no longer matches its digest`);
  }
  return { location, committed: undefined };
}
