import type { Stats } from 'node:fs';
import type { Readable } from 'node:stream';

/** Where the build context comes from: a directory, or a tar stream (`-`). */
export type ContextSource =
  | { type: 'dir'; path: string }
  /** Plain or gzip-compressed tar; extracted into a private temp dir. */
  | { type: 'tar'; stream: Readable };

export interface OpenContextOptions {
  /** The Dockerfile's path (absolute, or relative to the context root): its
   * `<name>.dockerignore` beside it wins over the root's `.dockerignore`. */
  dockerfile?: string;
  /** A persisted stat cache file (see StatCache); saved by `close()`. */
  statCachePath?: string;
  /** Parent of the temp dir a tar context is extracted into; default os.tmpdir(). */
  tmpDir?: string;
}

/** One resolved COPY/ADD source. */
export interface SourceMatch {
  /** The source as written in the instruction. */
  source: string;
  /** Context-relative path of the match as named ('' is the context root); its
   * base name is what a copy into a directory is called. */
  path: string;
  /** Host path after following symlinks inside the context (always inside it). */
  abs: string;
  kind: 'file' | 'dir' | 'symlink' | 'other';
}

/** One file, directory or link below a source, as the walk found it. */
export interface ContextEntry {
  /** Path relative to the source ('' for the source itself). */
  rel: string;
  abs: string;
  /** Path relative to the context root (what `.dockerignore` sees). */
  contextPath: string;
  kind: 'file' | 'dir' | 'symlink' | 'other';
  stat: Stats;
}
