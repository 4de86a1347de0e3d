/**
 * The sandbox stage: running one RUN step in runc and reading back its layer.
 *
 *   const result = await runStep(spec);           // mounts, runs, cleans up
 *   const changes = await diffUpper({ upperDir: spec.upperDir, lowerDirs: spec.lowerDirs });
 */
export { runStep } from './run.js';
export { sweepOrphans } from './sweep.js';
export { diffUpper, type DiffInput } from './diff.js';
export { buildRuntimeSpec, DEFAULT_CAPABILITIES, MASKED_PATHS, READONLY_PATHS } from './spec.js';
export type {
  BindMount, CacheMount, EntryStat, LayerChange, NetworkMode, ProcessSpec, RunResult, RunSpec,
  SandboxMount, SecretMount, TmpfsMount,
} from './types.js';
