import { lchown, lstat, mkdir } from 'node:fs/promises';
import { resolveInRoot } from '../context/rootpath.js';
import { SlipwayError } from '../errors.js';
import type { Digest } from '../oci/index.js';
import { baseKey, stepKey } from './cache.js';
import { applyConfig, emptyImage, historyEntry, resolveWorkdir, startStage, type ImageState } from './config.js';
import type { ExecStage, ExecStep } from './graph.js';
import { stageLabel } from './ids.js';
import { isPending, type FsLayer, type PendingLayer, type StageFs, type WorkingFs } from './rootfs.js';
import { where, type BuildRuntime, type StageResult } from './runtime.js';
import { runCopy } from './step-copy.js';
import { triggerSteps } from './plantext.js';
import { ownerFor, runRun } from './step-run.js';
import { cached, remember } from './stepcache.js';

/** The progress name of a step: `[stage 2/5] RUN ...` as BuildKit prints it. */
export function stepName(stageName: string, index: number, total: number, text: string): string {
  const width = String(total).length;
  const prefix = stageName === '' ? '' : `${stageName} `;
  return `[${prefix}${String(index).padStart(width)}/${total}] ${text}`;
}

function stageInputs(s: ExecStep): number[] {
  if (s.kind === 'copy') return s.from.type === 'stage' ? [s.from.index] : [];
  if (s.kind === 'run') return s.mounts.flatMap((m) => ((m.type === 'bind' || m.type === 'cache') && m.from?.type === 'stage' ? [m.from.index] : []));
  return [];
}

function countsAsStep(s: ExecStep): boolean {
  return s.kind === 'run' || s.kind === 'copy' || s.kind === 'workdir';
}

/** Runs one stage: its base, then each step (from cache where possible). */
export async function runStage(rt: BuildRuntime, stage: ExecStage): Promise<StageResult> {
  const label = stageLabel(rt.graph, stage.index);
  // ONBUILD triggers of an image base run first (those of a stage base are in the plan already).
  let steps = stage.steps;
  if (stage.base.type === 'image') {
    const img = await rt.resolveImage(stage.base.ref, { pull: rt.options.pull ?? false, stepId: 0 }).catch(() => undefined);
    const triggers = img?.config.config?.OnBuild ?? [];
    if (triggers.length > 0) steps = [...triggerSteps(triggers, { file: stage.loc?.file ?? 'Dockerfile', platform: rt.graph.platform }), ...steps];
  }
  const total = steps.filter(countsAsStep).length + (stage.base.type === 'image' ? 1 : 0);
  let n = 0;
  let state: ImageState;
  let fs: WorkingFs;
  let key: string;
  // Steps whose layer blob is still being written (see FsManager.step): each reports done then.
  const reports: Promise<void>[] = [];
  const timesFromRecord: { index: number; key: string }[] = [];
  // History times: SOURCE_DATE_EPOCH when given, else when each layer was first made (kept in
  // the cache index), so a fully cached rebuild gives the same image ID, as BuildKit's does.
  const epochCreated = rt.epoch !== undefined ? rt.created : undefined;
  let lastCreated: string | undefined;
  switch (stage.base.type) {
    case 'scratch':
      state = startStage(emptyImage(rt.graph.platform));
      fs = { layers: [] };
      key = baseKey('scratch', rt.platformText);
      break;
    case 'stage': {
      const base = await rt.stage(stage.base.index);
      state = { image: startStage(base.state.image).image, cmdSet: false };
      fs = base.fs;
      key = base.key;
      lastCreated = base.lastCreated;
      break;
    }
    case 'image': {
      const id = rt.nextId();
      const name = stepName(label, ++n, total, `FROM ${stage.base.ref}`);
      const t0 = Date.now();
      rt.emit({ type: 'step-start', id, name, time: t0 });
      try {
        const img = await rt.resolveImage(stage.base.ref, { pull: rt.options.pull ?? false, stepId: id });
        state = startStage(img.config);
        lastCreated = img.config.created;
        fs = img.fs;
        key = baseKey(img.id, rt.platformText);
      } catch (err) {
        rt.emit({ type: 'step-error', id, message: (err as Error).message, time: Date.now() });
        throw err instanceof SlipwayError ? new SlipwayError(err.code, `${where(stage.loc)}${err.message}`, { exitCode: err.exitCode }) : err;
      }
      rt.emit({ type: 'step-done', id, cached: false, time: Date.now() });
      rt.steps.push({ id, name, stage: label, cached: false, durationMs: Date.now() - t0 });
      break;
    }
    default: {
      const never: never = stage.base;
      throw new Error(`unhandled base ${JSON.stringify(never)}`);
    }
  }

  for (const step of steps) {
    if (step.kind === 'config') {
      state = applyConfig(state, step.ins, epochCreated);
      continue;
    }
    // A step that reads another stage starts (and shows as started) once that stage is done.
    await Promise.all(stageInputs(step).map((i) => rt.stage(i)));
    if (rt.options.signal?.aborted) throw new SlipwayError('BUILD_ABORTED', 'build aborted');
    const id = rt.nextId();
    const name = stepName(label, ++n, total, step.text);
    const t0 = Date.now();
    rt.emit({ type: 'step-start', id, name, time: t0 });
    // `recordKey`: where the step's cache record is, when not under its chain key (COPY --link).
    let outcome: { layer: FsLayer | PendingLayer | undefined; cached: boolean; key: string; recordKey?: string; createdBy: string };
    const failed = (err: unknown): unknown => {
      rt.emit({ type: 'step-error', id, message: (err as Error).message, time: Date.now() });
      if (err instanceof SlipwayError && step.loc && !err.message.startsWith(step.loc.file)) {
        return new SlipwayError(err.code, `${where(step.loc)}${step.text}: ${err.message}`, { exitCode: err.exitCode, cause: err });
      }
      return err;
    };
    try {
      switch (step.kind) {
        case 'workdir':
          outcome = await runWorkdir(rt, state, fs, key, step.path);
          state = { ...state, image: { ...state.image, config: { ...state.image.config, WorkingDir: resolveWorkdir(state.image.config?.WorkingDir, step.path) } } };
          break;
        case 'run':
          outcome = await runRun(rt, state, fs, key, step, id);
          break;
        case 'copy':
          outcome = await runCopy(rt, state, fs, key, step);
          break;
        default: {
          const never: never = step;
          throw new Error(`unhandled step ${JSON.stringify(never)}`);
        }
      }
    } catch (err) {
      // A tree this step stood on could not be finished (a COPY's settle failed): that
      // step's own failure, at its own line, is the one to report.
      const earlier = (await Promise.allSettled(reports)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (earlier) {
        rt.emit({ type: 'step-error', id, message: 'canceled', time: Date.now() });
        throw earlier.reason;
      }
      throw failed(err);
    }
    key = outcome.key;
    const image = structuredClone(state.image);
    if (outcome.layer) fs = { layers: [...fs.layers, outcome.layer] };
    const recordKey = outcome.recordKey ?? outcome.key;
    const made = (await rt.cache.get(recordKey))?.created;
    const when = epochCreated ?? new Date(made ?? Date.now()).toISOString();
    if (outcome.layer) lastCreated = when;
    image.history = [...(image.history ?? []), historyEntry(outcome.createdBy, outcome.layer === undefined, when)];
    // A step whose layer is still being written has no cache record yet: its history time is
    // the record's, once written, so that a cached rebuild gives the same image ID.
    if (outcome.layer && isPending(outcome.layer) && epochCreated === undefined) timesFromRecord.push({ index: image.history.length - 1, key: recordKey });
    state = { ...state, image };
    const { cached, layer } = outcome;
    const report = (l: FsLayer | undefined) => {
      rt.emit({ type: 'step-done', id, cached, ...(l ? { size: l.descriptor.size } : {}), time: Date.now() });
      rt.steps.push({
        id, name, stage: label, cached, durationMs: Date.now() - t0,
        ...(l ? { layer: { digest: l.descriptor.digest, diffId: l.diffId, size: l.descriptor.size } } : {}),
      });
    };
    if (layer && isPending(layer)) {
      const reported = layer.done.then(report, (err: unknown) => { throw failed(err); });
      reported.catch(() => undefined);
      reports.push(reported);
    } else {
      report(layer);
    }
  }
  // The stage is done once every layer is stored and every tree is in its kept place.
  const [settled, ...reported] = await Promise.allSettled([rt.fsm.settle(fs), ...reports]);
  const failure = [...reported, settled!].find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failure) throw failure.reason;
  if (rt.options.signal?.aborted) throw new SlipwayError('BUILD_ABORTED', 'build aborted');
  const final = (settled as PromiseFulfilledResult<StageFs>).value;
  const history = [...(state.image.history ?? [])];
  for (const { index, key: k } of timesFromRecord) {
    const made = (await rt.cache.get(k))?.created;
    if (made !== undefined) history[index] = { ...history[index]!, created: new Date(made).toISOString() };
  }
  // The newest layer's time, now that every record is written.
  const newest = history.filter((h) => !h.empty_layer).at(-1)?.created;
  if (timesFromRecord.length > 0 && newest !== undefined) lastCreated = newest;
  state = { ...state, image: { ...state.image, history, rootfs: { type: 'layers', diff_ids: final.layers.map((l) => l.diffId) } } };
  rt.steps.sort((a, b) => a.id - b.id);
  return { state, fs: final, key, ...(lastCreated !== undefined ? { lastCreated } : {}) };
}

/** WORKDIR creates its directory (owned by the current USER) as a layer, as BuildKit does. */
async function runWorkdir(rt: BuildRuntime, state: ImageState, fs: WorkingFs, parent: string, dir: string) {
  const wd = resolveWorkdir(state.image.config?.WorkingDir, dir);
  const createdBy = `WORKDIR ${wd}`;
  const user = state.image.config?.User ?? '';
  const key = stepKey(parent, JSON.stringify(['WORKDIR', wd, user]));
  if (wd === '/') return { layer: undefined, cached: false, key: parent, createdBy };
  const hit = await cached(rt, key);
  if (hit.hit) return { layer: hit.layer, cached: true, key, createdBy };
  const owner = user === '' ? { uid: 0, gid: 0 } : await ownerFor(rt, fs, user);
  const layer = await rt.fsm.step(fs, async (merged) => {
    let cur = '/';
    for (const part of wd.split('/').filter((p) => p !== '')) {
      cur = `${cur === '/' ? '' : cur}/${part}`;
      const host = await resolveInRoot(merged, cur);
      const st = await lstat(host).catch(() => undefined);
      if (st) continue;
      await mkdir(host, { mode: 0o755 });
      await lchown(host, owner.uid, owner.gid);
    }
  }, { compression: rt.compression, level: rt.gzipLevel, onlyAdds: true, ...(rt.epoch !== undefined ? { epoch: rt.epoch } : {}), after: (l) => remember(rt, key, l) });
  if (layer === undefined) await remember(rt, key, undefined);
  return { layer, cached: false, key, createdBy };
}
