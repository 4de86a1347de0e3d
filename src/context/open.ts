/**
 * openContext: the build context as the builder sees it.
 *
 *   const ctx = await openContext({ type: 'dir', path: '.' }, { dockerfile: 'Dockerfile' });
 *   const sources = await ctx.resolveSources(['src/*.ts', 'package.json']);
 *   const key = await ctx.hash(sources);          // for the step's cache key
 *   const entries = await ctx.list(sources[0]);   // what to copy
 *   await ctx.close();                            // saves the stat cache, removes temp dirs
 */
import { mkdir, mkdtemp, readFile, realpath, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SlipwayError } from '../errors.js';
import { IgnoreMatcher, parseDockerignore } from './dockerignore.js';
import { hashSources, listSource } from './hash.js';
import { resolveSources } from './sources.js';
import { StatCache } from './statcache.js';
import type { ContextEntry, ContextSource, OpenContextOptions, SourceMatch } from './types.js';

export interface BuildContext {
  /** Real path of the context root. */
  readonly root: string;
  /** The `.dockerignore` in force ('' patterns when none). */
  readonly ignore: IgnoreMatcher;
  /** Which ignore file was used (absolute path), if any. */
  readonly ignoreFile: string | undefined;
  readonly statCache: StatCache;
  /** COPY/ADD sources -> matches (see sources.ts); CONTEXT_SOURCE_NOT_FOUND if one matches nothing. */
  resolveSources(sources: string[], options?: { wildcards?: boolean }): Promise<SourceMatch[]>;
  /** Entries of one match, walk order, exclusions applied. */
  list(match: SourceMatch): Promise<ContextEntry[]>;
  /**
   * Content hash (`sha256:...`) of the matches for the build cache. `exclude` (COPY
   * --exclude) leaves out entries by their path relative to their match, as the copy does.
   */
  hash(matches: SourceMatch[], exclude?: (rel: string) => boolean): Promise<string>;
  /** Saves the stat cache and removes an extracted tar's temp dir. */
  close(): Promise<void>;
}

async function readIgnore(root: string, dockerfile: string | undefined): Promise<{ patterns: string[]; file?: string }> {
  const candidates: string[] = [];
  if (dockerfile !== undefined) {
    const df = path.isAbsolute(dockerfile) ? dockerfile : path.join(root, dockerfile);
    candidates.push(`${df}.dockerignore`);
  }
  candidates.push(path.join(root, '.dockerignore'));
  for (const file of candidates) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    return { patterns: parseDockerignore(text, file), file };
  }
  return { patterns: [] };
}

/** Opens a directory or extracts a tar stream, and reads its ignore file. */
export async function openContext(source: ContextSource, options: OpenContextOptions = {}): Promise<BuildContext> {
  let root: string;
  let tempDir: string | undefined;
  switch (source.type) {
    case 'dir': {
      try {
        root = await realpath(source.path);
        if (!(await stat(root)).isDirectory()) throw new Error('not a directory');
      } catch (err) {
        throw new SlipwayError('CONTEXT_NOT_FOUND', `build context ${source.path} is not a readable directory`, { cause: err });
      }
      break;
    }
    case 'tar': {
      tempDir = await mkdtemp(path.join(options.tmpDir ?? os.tmpdir(), 'slipway-context-'));
      root = path.join(tempDir, 'root');
      try {
        await mkdir(root);
        // tar-stream loads only for a tar context.
        await (await import('./tar.js')).extractContextTar(source.stream, root);
      } catch (err) {
        await rm(tempDir, { recursive: true, force: true });
        throw err;
      }
      break;
    }
    default: {
      const never: never = source;
      throw new SlipwayError('CONTEXT_BAD_SOURCE', `unknown context source ${JSON.stringify(never)}`);
    }
  }
  const { patterns, file } = await readIgnore(root, options.dockerfile);
  const ignore = new IgnoreMatcher(patterns);
  // A tar is extracted anew each time: remembering its stats would never hit.
  const statCache = options.statCachePath && source.type === 'dir' ? await StatCache.load(options.statCachePath) : StatCache.memory();
  return {
    root,
    ignore,
    ignoreFile: file,
    statCache,
    resolveSources: (sources, opts) => resolveSources(root, sources, ignore, opts),
    list: (match) => listSource(root, match, ignore),
    hash: (matches, exclude) => hashSources(root, matches, ignore, statCache, exclude),
    async close() {
      await statCache.save();
      if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
    },
  };
}
