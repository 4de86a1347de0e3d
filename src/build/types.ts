import type { Readable } from 'node:stream';

/**
 * The builder's public contract: what `build(options)` takes, what it returns, and the
 * progress events it reports while it runs. The CLI (`slipway build`) is a thin layer
 * over exactly these types.
 */

/** Where the finished image goes (`-o type=...` of docker buildx). */
export type OutputSpec =
  /** Into the local store under the build's tags (the default). `push` also pushes them. */
  | { readonly type: 'image'; readonly names: readonly string[]; readonly push: boolean; readonly compression: Compression; readonly compressionLevel?: number }
  /** Pushed to a registry under `names` (also kept in the local store). */
  | { readonly type: 'registry'; readonly names: readonly string[]; readonly compression: Compression; readonly compressionLevel?: number }
  /** An OCI image layout tar at `dest` (`-` is stdout). */
  | { readonly type: 'oci'; readonly dest: string; readonly names: readonly string[]; readonly compression: Compression; readonly compressionLevel?: number }
  /** A `docker load` tar at `dest` (`-` is stdout). */
  | { readonly type: 'docker'; readonly dest: string; readonly names: readonly string[]; readonly compression: Compression; readonly compressionLevel?: number };

export type Compression = 'gzip' | 'uncompressed';

/** A `--secret` source: a file or an environment variable, read when a RUN mounts it. */
/** A `--ssh` agent: RUN --mount=type=ssh,id=ID forwards the agent socket. */
export interface SshSpec {
  readonly id: string;
  readonly socket: string;
}

export type SecretSpec =
  | { readonly type: 'file'; readonly id: string; readonly src: string }
  | { readonly type: 'env'; readonly id: string; readonly env: string };

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'quiet';
export type NetworkMode = 'default' | 'none' | 'host';

/** The build context: a directory, or a tar stream (`slipway build -`). */
export type ContextSource =
  | { readonly type: 'dir'; readonly path: string }
  | { readonly type: 'tar'; readonly stream: Readable };

export interface BuildOptions {
  readonly context: ContextSource | string;
  /** The Dockerfile's path; relative paths are taken from the context directory. Default `Dockerfile`. */
  readonly dockerfile?: string;
  /** The Dockerfile's text, when it does not come from a file (`-f -`). */
  readonly dockerfileText?: string;
  readonly tags?: readonly string[];
  /** `--build-arg`: already resolved (a bare `K` takes its value from the caller's environment). */
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly target?: string;
  readonly noCache?: boolean;
  readonly pull?: boolean;
  readonly labels?: Readonly<Record<string, string>>;
  /** Default: one `image` output under `tags`. */
  readonly outputs?: readonly OutputSpec[];
  readonly network?: NetworkMode;
  readonly secrets?: readonly SecretSpec[];
  /** SSH agents for `RUN --mount=type=ssh` (`--ssh default` or `--ssh ID=SOCKET`). */
  readonly ssh?: readonly SshSpec[];
  /** Environment the `env=` secrets are read from. Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly iidfile?: string;
  readonly metadataFile?: string;
  /** Seconds since the epoch; clamps file times and sets `created` (SOURCE_DATE_EPOCH). */
  readonly sourceDateEpoch?: number;
  /** The store root. Default: $SLIPWAY_ROOT, else the store's default. */
  readonly root?: string;
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly signal?: AbortSignal;
  /** Where `dest=-` archives are written (the CLI passes its stdout). */
  readonly stdout?: NodeJS.WritableStream;
}

/** One executed (or cached) step of the build. */
export interface StepResult {
  readonly id: number;
  /** `[stage 2/5] RUN ...` as the progress output shows it. */
  readonly name: string;
  readonly stage: string;
  readonly cached: boolean;
  readonly durationMs: number;
  /** The layer this step produced; absent for steps that only change the config. */
  readonly layer?: { readonly digest: string; readonly diffId: string; readonly size: number };
}

export interface LayerInfo {
  readonly digest: string;
  readonly diffId: string;
  readonly size: number;
  readonly mediaType: string;
}

export interface BuildResult {
  /** The config digest (what `docker images` shows as IMAGE ID). */
  readonly imageId: string;
  readonly manifestDigest: string;
  readonly manifestSize: number;
  readonly tags: readonly string[];
  readonly layers: readonly LayerInfo[];
  readonly steps: readonly StepResult[];
  readonly warnings: readonly string[];
  readonly durationMs: number;
}

/**
 * Progress as values. Step ids are small integers, numbered as BuildKit's plain output
 * numbers vertices (`#3`); `name` is the line BuildKit prints for that vertex.
 */
export type ProgressEvent =
  | { readonly type: 'step-start'; readonly id: number; readonly name: string; readonly time: number }
  | { readonly type: 'step-log'; readonly id: number; readonly stream: 'stdout' | 'stderr'; readonly data: string; readonly time: number }
  | { readonly type: 'step-status'; readonly id: number; readonly message: string; readonly time: number }
  | { readonly type: 'step-done'; readonly id: number; readonly cached: boolean; readonly size?: number; readonly time: number }
  | { readonly type: 'step-error'; readonly id: number; readonly message: string; readonly time: number }
  | { readonly type: 'warning'; readonly message: string; readonly time: number }
  | { readonly type: 'build-done'; readonly imageId: string; readonly manifestDigest: string; readonly time: number };
