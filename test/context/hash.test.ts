import { after, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openContext } from '../../src/context/index.js';

const parent = mkdtempSync(path.join(os.tmpdir(), 'slipway-ctx-hash-'));
let dir: string;
let n = 0;
after(() => rmSync(parent, { recursive: true, force: true }));

beforeEach(() => {
  dir = path.join(parent, `ctx${n++}`);
  mkdirSync(path.join(dir, 'app/lib'), { recursive: true });
  writeFileSync(path.join(dir, 'app/main.js'), 'main');
  writeFileSync(path.join(dir, 'app/lib/util.js'), 'util');
  writeFileSync(path.join(dir, 'app/lib/ignored.log'), 'log');
  writeFileSync(path.join(dir, '.dockerignore'), '**/*.log\n');
});

async function hashOf(root: string, sources: string[], statCachePath?: string): Promise<{ digest: string; hits: number; misses: number }> {
  const ctx = await openContext({ type: 'dir', path: root }, { statCachePath });
  const digest = await ctx.hash(await ctx.resolveSources(sources));
  const { hits, misses } = ctx.statCache;
  await ctx.close();
  return { digest, hits, misses };
}

describe('context hash', () => {
  it('ignores mtimes and excluded files but sees content, mode and names', async () => {
    const h0 = (await hashOf(dir, ['app'])).digest;
    assert.match(h0, /^sha256:[0-9a-f]{64}$/);
    utimesSync(path.join(dir, 'app/main.js'), 1000, 1000);
    writeFileSync(path.join(dir, 'app/lib/ignored.log'), 'other log');
    assert.equal((await hashOf(dir, ['app'])).digest, h0);

    const copy = path.join(parent, `copy${n++}`);
    cpSync(dir, copy, { recursive: true });
    assert.equal((await hashOf(copy, ['app'])).digest, h0, 'same tree elsewhere, same hash');

    writeFileSync(path.join(dir, 'app/main.js'), 'main2');
    const h1 = (await hashOf(dir, ['app'])).digest;
    assert.notEqual(h1, h0);
    chmodSync(path.join(dir, 'app/main.js'), 0o755);
    const h2 = (await hashOf(dir, ['app'])).digest;
    assert.notEqual(h2, h1);
    writeFileSync(path.join(dir, 'app/new.js'), '');
    assert.notEqual((await hashOf(dir, ['app'])).digest, h2);
  });

  it('depends on which sources were selected and how they are named', async () => {
    const a = (await hashOf(dir, ['app/main.js'])).digest;
    const b = (await hashOf(dir, ['app/lib/util.js'])).digest;
    const both = (await hashOf(dir, ['app/main.js', 'app/lib/util.js'])).digest;
    assert.equal(new Set([a, b, both]).size, 3);
    assert.equal((await hashOf(dir, ['app/*.js'])).digest, a);
  });

  it('re-reads nothing for an unchanged context and only the changed file after an edit', async () => {
    const cacheFile = path.join(parent, `statcache${n++}.json`);
    const first = await hashOf(dir, ['.'], cacheFile);
    assert.deepEqual([first.hits, first.misses], [0, 3]);
    const second = await hashOf(dir, ['.'], cacheFile);
    assert.deepEqual([second.hits, second.misses, second.digest], [3, 0, first.digest]);
    // Same size, mtime put back: only ctime gives the edit away.
    writeFileSync(path.join(dir, 'app/main.js'), 'MAIN');
    utimesSync(path.join(dir, 'app/main.js'), 1000, 1000);
    const third = await hashOf(dir, ['.'], cacheFile);
    assert.deepEqual([third.hits, third.misses], [2, 1]);
    assert.notEqual(third.digest, first.digest);
    // A read in the middle of cache hits gives what reading everything gives.
    assert.equal(third.digest, (await hashOf(dir, ['.'])).digest);
  });

  it('hashes exactly the documented lines; an excluded directory counts only as the parent of what an exception re-includes', async () => {
    const { createHash } = await import('node:crypto');
    const { lstatSync } = await import('node:fs');
    writeFileSync(path.join(dir, '.dockerignore'), '**/*.log\napp/lib\n!app/lib/util.js\nvendor\n');
    mkdirSync(path.join(dir, 'vendor/deep'), { recursive: true });
    writeFileSync(path.join(dir, 'vendor/deep/x.js'), 'x');
    const line = (rel: string, kind: string, payload = '') => {
      const st = lstatSync(path.join(dir, 'app', rel));
      return `${rel}\0${kind}\0${(st.mode & 0o7777).toString(8)}\0${st.uid}\0${st.gid}\0${payload}\n`;
    };
    const sha = (data: string) => createHash('sha256').update(data).digest('hex');
    const expected = `sha256:${sha(['source\0app\0', line('', 'dir'), line('lib', 'dir'), line('lib/util.js', 'file', sha('util')), line('main.js', 'file', sha('main'))].join(''))}`;
    assert.equal((await hashOf(dir, ['app'])).digest, expected);
    // Nothing re-included below: an excluded directory is not there at all.
    writeFileSync(path.join(dir, '.dockerignore'), '**/*.log\napp/lib\n');
    const without = `sha256:${sha(['source\0app\0', line('', 'dir'), line('main.js', 'file', sha('main'))].join(''))}`;
    assert.equal((await hashOf(dir, ['app'])).digest, without);
  });

  it('treats a damaged stat cache file as empty', async () => {
    const cacheFile = path.join(parent, `statcache${n++}.json`);
    writeFileSync(cacheFile, '{not json');
    const r = await hashOf(dir, ['.'], cacheFile);
    assert.deepEqual([r.hits, r.misses], [0, 3]);
  });
});
