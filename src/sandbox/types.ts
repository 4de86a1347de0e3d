/**
 * Inputs and outputs of one sandboxed RUN step. The builder fills a `RunSpec`
 * and calls `runStep`; afterwards it calls `diffUpper` on the same upper dir to
 * get the new layer's changes.
 */

/** Network modes of `RUN --network`. `default` currently shares the host's
 * network namespace (BuildKit's default is a private bridged namespace; we have
 * no bridge yet), so it behaves like `host`. */
export type NetworkMode = 'none' | 'host' | 'default';

/** `RUN --mount=type=bind`: a host directory (a stage's rootfs or the context). */
export interface BindMount {
  type: 'bind';
  /** Absolute host path: a directory or a file. */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  /** BuildKit binds are read-only unless `rw` is given (writes are then discarded
   * by the caller, who passes a scratch copy). */
  readonly: boolean;
}

/** `RUN --mount=type=tmpfs`. */
export interface TmpfsMount {
  type: 'tmpfs';
  target: string;
  /** Bytes; omitted means the kernel default (half of RAM). */
  size?: number;
}

/** `RUN --mount=type=cache`: a persistent directory the builder owns (keyed by id
 * and sharing mode); the sandbox binds it read-write and creates it if missing. */
export interface CacheMount {
  type: 'cache';
  source: string;
  target: string;
}

/** `RUN --mount=type=secret`: the bytes are written to a private file outside the
 * rootfs and bound read-only at `target`; they never touch the upper dir. */
export interface SecretMount {
  type: 'secret';
  target: string;
  data: Uint8Array | string;
  /** Permission bits; BuildKit's default is 0o400. */
  mode: number;
  uid: number;
  gid: number;
}

export type SandboxMount = BindMount | TmpfsMount | CacheMount | SecretMount;

export interface ProcessSpec {
  /** argv; args[0] is looked up in PATH from `env` by runc. */
  args: string[];
  /** `KEY=value` strings, in order. */
  env: string[];
  /** Absolute working directory; created (owned by uid/gid, mode 0755) if missing. */
  cwd: string;
  uid: number;
  gid: number;
  additionalGids: number[];
}

export interface RunSpec {
  /** Extracted layers, bottom (base) first; read-only; may be empty (FROM scratch).
   * Whiteouts inside them must already be overlay whiteouts (char 0/0 devices and
   * `trusted.overlay.opaque` xattrs). */
  lowerDirs: string[];
  /** Empty directory that receives the step's changes. */
  upperDir: string;
  /** Empty directory on the same filesystem as `upperDir` (overlayfs scratch). */
  workDir: string;
  process: ProcessSpec;
  /** Defaults to `buildkitsandbox`, BuildKit's hostname. */
  hostname?: string;
  network: NetworkMode;
  mounts: SandboxMount[];
  /** Extra `/etc/hosts` lines (`--add-host`), as `name ip` pairs. */
  extraHosts?: { host: string; ip: string }[];
  /** Live output; chunks arrive as runc writes them. */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Aborting kills the container (SIGKILL) and still cleans up; runStep then
   * rejects with SANDBOX_ABORTED. */
  signal?: AbortSignal;
  /** Skip the sync of the upper dir's filesystem at unmount (overlayfs `volatile`,
   * kernel 5.10+; ignored where unsupported). Unmount then costs a few ms instead of
   * a syncfs of the whole host filesystem (tens to hundreds of ms under I/O load),
   * but after a host crash the upper dir may be incomplete: use it only if the
   * layer is persisted with its own fsync (the image store's writer) or discarded
   * on restart. The work dir is emptied afterwards (volatile leaves a marker). */
  volatile?: boolean;
  /** Where bundles and mountpoints live; default `$TMPDIR/slipway-sandbox`. */
  stateDir?: string;
  /** runc's state root (`runc --root`); default runc's own (/run/runc). */
  runcRoot?: string;
  /** runc binary; default `runc` from PATH. */
  runc?: string;
}

export interface RunResult {
  /** The process's exit status; 128+N when killed by signal N. */
  exitCode: number;
  /** Wall time of the whole step (mount to unmount), milliseconds. */
  durationMs: number;
}

/** Owner, permissions and times of one entry of the upper dir. */
export interface EntryStat {
  kind: 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';
  /** Permission bits including setuid/setgid/sticky (no file-type bits). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes (files); 0 otherwise. */
  size: number;
  /** Modification time in nanoseconds since the epoch. */
  mtimeNs: bigint;
  /** Symlink target as stored. */
  linkTarget?: string;
  /** Device numbers for char/block devices. */
  devMajor?: number;
  devMinor?: number;
  /** Inode and link count, so a layer writer can emit hardlinks. */
  ino: bigint;
  nlink: number;
}

/**
 * One change of a layer, in the image store's `LayerChange` shape (src/image/types.ts)
 * plus the stat the differ saw, so the list can be handed to the layer writer as
 * `{ type: 'changes', root: upperDir, changes }` unchanged. Paths are relative,
 * `/`-separated, without a leading `./` (e.g. `usr/bin/tool`).
 */
export type LayerChange =
  /** Added or modified entry, read from `<upperDir>/<path>`. */
  | { readonly type: 'add'; readonly path: string; readonly stat: EntryStat }
  /** `path` was deleted: written as `<dir>/.wh.<name>`. */
  | { readonly type: 'whiteout'; readonly path: string }
  /** Directory `path` hides everything below it in lower layers: `<path>/.wh..wh..opq`. */
  | { readonly type: 'opaque'; readonly path: string };
