import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * The build cache. A step's key is sha256 over its parent's key, the instruction text
 * after expansion (plus whatever else changes its result: env, user, workdir, mounts),
 * and a content hash of its inputs (for COPY/ADD: names, modes, owners and contents of
 * the selected files, never mtimes). The index lives in the store root as one small JSON
 * file per key under `build-cache/`, written atomically, mapping the key to the layer
 * the step produced. A hit reuses that layer without running or rewriting anything.
 */

export interface CachedLayer {
  readonly digest: string;
  readonly diffId: string;
  readonly size: number;
  readonly mediaType: string;
}

export interface CacheEntry {
  readonly key: string;
  /** The step's layer; null for a step that produced no change (an empty diff). */
  readonly layer: CachedLayer | null;
  /** When the entry was written (ms since the epoch); `slipway prune` ages entries by it. */
  readonly created: number;
}

/** The key of a stage's first step: its base (`scratch`, a config digest, or a stage's last key) and platform. */
export function baseKey(base: string, platform: string): string {
  return hashParts(['base', base, platform]);
}

/** A step's key from its parent's key, its expanded instruction and its input hash. */
export function stepKey(parent: string, instruction: string, inputs = ''): string {
  return hashParts(['step', parent, instruction, inputs]);
}

/** Length-prefixed so that no two part lists hash alike. */
export function hashParts(parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    const b = Buffer.from(p, 'utf8');
    h.update(`${b.length}:`);
    h.update(b);
  }
  return `sha256:${h.digest('hex')}`;
}

export class BuildCache {
  readonly dir: string;

  constructor(storeRoot: string) {
    this.dir = path.join(storeRoot, 'build-cache');
  }

  /** The last put of each key in this process, so that puts of one key run in order. */
  private readonly writing = new Map<string, Promise<void>>();

  private file(key: string): string {
    const hex = key.replace(/^sha256:/, '');
    if (!/^[a-f0-9]{64}$/.test(hex)) throw new Error(`bad cache key ${key}`);
    return path.join(this.dir, `${hex}.json`);
  }

  /** The entry for `key`, or undefined (a missing or unreadable entry is a miss, never an error). */
  async get(key: string): Promise<CacheEntry | undefined> {
    try {
      const entry = JSON.parse(await readFile(this.file(key), 'utf8')) as CacheEntry;
      if (entry.key !== key) return undefined;
      return entry;
    } catch {
      return undefined;
    }
  }

  /**
   * Records a step result; temp file + rename so readers never see half an entry. An
   * entry that already names the same result keeps its `created`: history times are
   * when a layer was first made, whichever of two stages that made it at once wrote
   * last (puts of one key are serialised here for that).
   */
  put(key: string, layer: CachedLayer | null): Promise<void> {
    const p = (this.writing.get(key) ?? Promise.resolve()).then(() => this.write(key, layer));
    this.writing.set(key, p.catch(() => undefined));
    return p;
  }

  private async write(key: string, layer: CachedLayer | null): Promise<void> {
    const prev = await this.get(key);
    const same = prev !== undefined && (prev.layer === null || layer === null
      ? prev.layer === layer
      : prev.layer.digest === layer.digest && prev.layer.diffId === layer.diffId);
    await mkdir(this.dir, { recursive: true });
    const target = this.file(key);
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    const entry: CacheEntry = { key, layer, created: same && typeof prev.created === 'number' ? prev.created : Date.now() };
    await writeFile(tmp, JSON.stringify(entry));
    await rename(tmp, target);
  }

  /** Every layer digest the cache refers to (so a prune can keep them, or drop the entries). */
  async entries(): Promise<CacheEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const out: CacheEntry[] = [];
    for (const n of names) {
      if (!n.endsWith('.json')) continue;
      const e = await this.get(`sha256:${n.slice(0, -5)}`);
      if (e) out.push(e);
    }
    return out;
  }

  /** Removes entries (all, or those `drop` selects); returns how many. */
  async prune(drop: (e: CacheEntry) => boolean = () => true): Promise<number> {
    let n = 0;
    for (const e of await this.entries()) {
      if (!drop(e)) continue;
      await unlink(this.file(e.key)).catch(() => undefined);
      n++;
    }
    return n;
  }
}
