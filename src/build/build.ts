import { readFile, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { SlipwayError } from '../errors.js';
import { ociArchitecture } from '../image/image.js';
import { isalWarning } from '../image/isal.js';
import { GZIP_LEVEL, gzipDeflater } from '../image/pgzip.js';
import { releaseTarWorker } from '../image/tar-offload.js';
import { sweepOrphans } from '../sandbox/index.js';
import { holdShortCommands, releaseShortCommands } from '../subprocess.js';
import { Store, defaultStoreRoot } from '../store/index.js';
import { applyStoreLayers, storeResolver } from './base.js';
import { BuildCache } from './cache.js';
import { exportOutputs, finalizeImage } from './finalize.js';
import { planGraph } from './plantext.js';
import { neededStages, stageAt } from './ids.js';
import { openContext } from '../context/index.js';
import { FsManager } from './rootfs.js';
import type { BuildRuntime, StageResult } from './runtime.js';
import { runStage } from './stage.js';
import type { BuildOptions, BuildResult, StepResult } from './types.js';

/**
 * `build(options)`: the Dockerfile in its context, built into an image in the store
 * (and any other outputs asked for). Stages run in dependency order; stages that do
 * not depend on each other run at the same time; stages the target does not need
 * are skipped. Progress goes to `options.onProgress` as events.
 */
export async function build(options: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const source = typeof options.context === 'string' ? { type: 'dir' as const, path: options.context } : options.context;
  const root = options.root ?? defaultStoreRoot(options.env ?? process.env);
  const dockerfileArg = options.dockerfileText !== undefined ? undefined : options.dockerfile ?? 'Dockerfile';
  const context = await openContext(source, {
    ...(dockerfileArg !== undefined ? { dockerfile: dockerfileArg } : {}),
    statCachePath: path.join(root, 'build-statcache.json'),
  });
  // mount, getfattr and the like are started by a small helper process (subprocess.ts).
  holdShortCommands();
  const contextDir = context.root;
  let stopping = () => undefined as void;
  let statsSaved: Promise<void> | undefined;
  try {
    const dockerfile = options.dockerfileText !== undefined ? undefined : path.resolve(contextDir, options.dockerfile ?? 'Dockerfile');
    let text: string;
    if (options.dockerfileText !== undefined) text = options.dockerfileText;
    else {
      try {
        text = await readFile(dockerfile!, 'utf8');
      } catch {
        throw new SlipwayError('BUILD_NO_DOCKERFILE', `failed to read Dockerfile ${dockerfile}: no such file`);
      }
    }
    const platform = { os: 'linux', architecture: ociArchitecture() };
    const graph = planGraph(text, {
      file: dockerfile ? path.relative(process.cwd(), dockerfile) || 'Dockerfile' : 'Dockerfile',
      buildArgs: { ...(options.buildArgs ?? {}), ...(options.sourceDateEpoch !== undefined ? { SOURCE_DATE_EPOCH: String(options.sourceDateEpoch) } : {}) },
      ...(options.target !== undefined ? { target: options.target } : {}),
      platform,
    });
    const store = await Store.open({ root });
    // What a SIGKILLed build left (its container, mounts, scratch dirs) goes first.
    const tmp = path.join(store.root, 'build-tmp');
    await sweepOrphans({ scratch: tmp, sandbox: path.join(tmp, 'sandbox') });
    const env = options.env ?? process.env;
    const steps: StepResult[] = [];
    let nextId = 0;
    const emit = options.onProgress ?? (() => undefined);
    for (const w of graph.warnings) emit({ type: 'warning', message: w, time: Date.now() });
    const epoch = options.sourceDateEpoch;
    const running = new Map<number, Promise<StageResult>>();
    const outputs = options.outputs ?? [];
    const compression = outputs.length > 0 && outputs.every((o) => o.compression === 'uncompressed') ? 'none' : 'gzip';
    // Layers are compressed once, as the steps write them: the highest level an output asks for.
    const levels = outputs.flatMap((o) => (o.compressionLevel !== undefined ? [o.compressionLevel] : []));
    const gzipLevel = levels.length > 0 ? Math.max(...levels) : GZIP_LEVEL;
    const deflater = compression === 'gzip' ? gzipDeflater(gzipLevel) : undefined;
    // An ISA-L addon that is built but does not load leaves layers to zlib: other digests, said.
    const deflaterWarning = compression === 'gzip' && gzipLevel === GZIP_LEVEL ? isalWarning() : undefined;
    if (deflaterWarning !== undefined) emit({ type: 'warning', message: deflaterWarning, time: Date.now() });
    // One failing stage stops the others, as BuildKit cancels sibling vertices: their RUNs are
    // killed and no further step starts. The caller's signal stops them all too.
    const stop = new AbortController();
    const forward = () => stop.abort(options.signal?.reason);
    if (options.signal?.aborted) forward();
    else options.signal?.addEventListener('abort', forward, { once: true });
    stopping = () => options.signal?.removeEventListener('abort', forward);
    const resolve = storeResolver(store, async (s, ref) => { await (await import('../registry/index.js')).pull(ref, { store: s, env }); });
    const rt: BuildRuntime = {
      options: { ...options, signal: stop.signal }, store, graph, contextDir, steps, emit,
      ...(epoch !== undefined ? { epoch } : {}),
      cache: new BuildCache(store.root),
      fsm: new FsManager(store, applyStoreLayers),
      context,
      // The registry client loads only when a base image has to be pulled.
      // A pull cannot be stopped halfway: a stopped build stops waiting for it instead.
      resolveImage: (ref, o) => untilAborted(resolve(ref, o), stop.signal),
      stage: (index) => {
        let p = running.get(index);
        if (!p) {
          p = runStage(rt, stageAt(graph, index));
          p.catch(() => undefined);
          running.set(index, p);
        }
        return p;
      },
      nextId: () => ++nextId,
      created: new Date(epoch !== undefined ? epoch * 1000 : Date.now()).toISOString().replace('.000Z', 'Z'),
      // SOURCE_DATE_EPOCH clamps the mtimes written into layers, so it keys every step; so
      // does what compresses them. ISA-L's layers are keyed apart from zlib's (whose keys
      // came first and stay as they were), so a store's zlib layers are not reused for them.
      platformText: `${platform.os}/${platform.architecture}${compression === 'none' ? '+uncompressed' : gzipLevel !== GZIP_LEVEL ? `+gzip-${gzipLevel}` : deflater?.startsWith('isal-') ? `+${deflater}` : ''}${epoch !== undefined ? `+epoch-${epoch}` : ''}`,
      compression,
      gzipLevel,
      deflater,
    };
    // Start every needed stage now: each waits only for the stages it uses.
    const needed = neededStages(graph);
    // The whole build holds the store's gc lease (shared): a prune meanwhile waits for it
    // instead of deleting the layers the build wrote that no image names yet.
    const aborted = () => {
      if (options.signal?.aborted) throw new SlipwayError('BUILD_ABORTED', 'build aborted');
    };
    const image = await store.lease(async () => {
      try {
        const results = await Promise.all(needed.map((i) => rt.stage(i)));
        // No step reads the context any more: its stat cache is written while the image is.
        statsSaved = context.statCache.save();
        statsSaved.catch(() => undefined);
        // Stopped while the last layers were still being written: no image, no outputs.
        aborted();
        const made = await finalizeImage(rt, results[needed.indexOf(graph.target)]!);
        aborted();
        await exportOutputs(rt, made);
        return made;
      } catch (err) {
        stop.abort();
        // Every stage has stopped before anything is settled under it (a stage that starts
        // meanwhile stops at its first step).
        for (let n = -1; n !== running.size;) {
          n = running.size;
          await Promise.allSettled([...running.values()]);
        }
        throw err;
      } finally {
        // A failed step leaves other layers' blobs being written: they finish inside the lease.
        await rt.fsm.drain();
      }
    });
    if (options.iidfile) await atomicWrite(options.iidfile, image.imageId);
    if (options.metadataFile) {
      await atomicWrite(options.metadataFile, `${JSON.stringify({
        'containerimage.config.digest': image.imageId,
        'containerimage.digest': image.manifestDigest,
        ...(image.tags.length > 0 ? { 'image.name': image.tags.join(',') } : {}),
      }, null, 2)}\n`);
    }
    emit({ type: 'build-done', imageId: image.imageId, manifestDigest: image.manifestDigest, time: Date.now() });
    return { ...image, steps, warnings: graph.warnings, durationMs: Date.now() - started };
  } finally {
    stopping();
    // (close saves the stat cache again only if that save failed, or it changed since.)
    await statsSaved?.catch(() => undefined);
    await context.close();
    // The tar worker thread (tar-offload.ts) is not kept past a build it is idle after.
    releaseTarWorker();
    releaseShortCommands();
  }
}

/** `work`, unless `signal` aborts first (then BUILD_ABORTED; `work` goes on unobserved). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => undefined);
  if (signal.aborted) return Promise.reject(new SlipwayError('BUILD_ABORTED', 'build aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new SlipwayError('BUILD_ABORTED', 'build aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function atomicWrite(file: string, data: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}
