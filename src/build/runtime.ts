import type { ImageConfig } from '../oci/index.js';
import type { Store } from '../store/index.js';
import type { BuildCache } from './cache.js';
import type { ImageState } from './config.js';
import type { ExecGraph, SourceLocation } from './graph.js';
import type { FsManager, StageFs } from './rootfs.js';
import type { BuildContext } from '../context/index.js';
import type { BuildOptions, ProgressEvent, StepResult } from './types.js';

/** What a finished stage hands to the stages that use it. */
export interface StageResult {
  readonly state: ImageState;
  readonly fs: StageFs;
  /** Cache key of the stage's last filesystem state. */
  readonly key: string;
  /** When its newest layer was made (ISO), the image's `created` without SOURCE_DATE_EPOCH. */
  readonly lastCreated?: string;
}

/** Resolves an image reference to its config and layers (store first, registry when allowed). */
export type ImageResolver = (ref: string, options: { pull: boolean; stepId: number }) => Promise<{ config: ImageConfig; fs: StageFs; id: string }>;

/** Shared state of one build, passed to every stage and step. */
export interface BuildRuntime {
  readonly options: BuildOptions;
  readonly store: Store;
  readonly cache: BuildCache;
  readonly fsm: FsManager;
  readonly graph: ExecGraph;
  /** The build context directory (a tar context is unpacked here first). */
  readonly contextDir: string;
  /** The opened context: source resolution and content hashing with a persisted stat cache. */
  readonly context: BuildContext;
  readonly resolveImage: ImageResolver;
  /** Stage results by index, started on demand (independent stages run in parallel). */
  readonly stage: (index: number) => Promise<StageResult>;
  readonly emit: (e: ProgressEvent) => void;
  readonly nextId: () => number;
  readonly steps: StepResult[];
  /** ISO time written into history entries and `created`. */
  readonly created: string;
  readonly epoch?: number;
  /** Platform and layer compression: part of every base key, so caches never mix them. */
  readonly platformText: string;
  /** `none` only when every output asks for compression=uncompressed. */
  readonly compression: 'gzip' | 'none';
  /** Deflate level of every layer this build writes (`-o compression-level`). */
  readonly gzipLevel: number;
  /** What deflates the layers (gzipDeflater): `isal-...` or `zlib-...`; undefined uncompressed. */
  readonly deflater: string | undefined;
}

export function where(loc: SourceLocation | undefined): string {
  return loc ? `${loc.file}:${loc.line}:${loc.column}: ` : '';
}
