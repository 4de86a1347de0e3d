import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isSlipwayError } from '../../src/errors.js';
import { openContext, type BuildContext } from '../../src/context/index.js';

let dir: string;
let ctx: BuildContext;

function write(rel: string, body = rel): void {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), body);
}

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-ctx-src-'));
  for (const f of ['a.txt', 'b.txt', '.hidden.txt', 'c.md', 'src/x.ts', 'src/y.ts', 'src/sub/z.ts', 'lib/1.js',
    'node_modules/pkg/index.js', 'node_modules/keep/k.js', 'secret.key', '{a,b}', 'Dockerfile']) write(f);
  write('.dockerignore', 'node_modules\n!node_modules/keep\n*.key\n');
  symlinkSync('/etc', path.join(dir, 'abs-link'));
  symlinkSync('../../..', path.join(dir, 'src/up-link'));
  symlinkSync('src', path.join(dir, 'srclink'));
  symlinkSync('secret.key', path.join(dir, 'key-link'));
  ctx = await openContext({ type: 'dir', path: dir });
});
after(async () => {
  await ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

const paths = async (sources: string[], opts?: { wildcards?: boolean }): Promise<string[]> =>
  (await ctx.resolveSources(sources, opts)).map((m) => `${m.path}:${m.kind}`);

describe('resolveSources', () => {
  it('resolves plain paths, the root, leading slashes and clamps ..', async () => {
    assert.deepEqual(await paths(['a.txt', '/b.txt', '.', 'src/', '../../c.md']), ['a.txt:file', 'b.txt:file', ':dir', 'src:dir', 'c.md:file']);
  });

  it('expands wildcards like filepath.Match: sorted, dotfiles included, * not crossing /', async () => {
    assert.deepEqual(await paths(['*.txt']), ['.hidden.txt:file', 'a.txt:file', 'b.txt:file']);
    assert.deepEqual(await paths(['src/*.ts']), ['src/x.ts:file', 'src/y.ts:file']);
    assert.deepEqual(await paths(['s?c/*/z.ts']), ['src/sub/z.ts:file']);
    assert.deepEqual(await paths(['[ab].txt']), ['a.txt:file', 'b.txt:file']);
    assert.deepEqual(await paths(['**.md']), ['c.md:file']);
  });

  it('takes braces literally and can turn wildcards off', async () => {
    assert.deepEqual(await paths(['{a,b}']), ['{a,b}:file']);
    await assert.rejects(ctx.resolveSources(['*.txt'], { wildcards: false }), (e: unknown) => isSlipwayError(e) && e.code === 'CONTEXT_SOURCE_NOT_FOUND');
  });

  it('follows symlinks only inside the context', async () => {
    const [viaDir] = await ctx.resolveSources(['srclink/x.ts']);
    assert.equal(viaDir!.abs, path.join(ctx.root, 'src/x.ts'));
    // /etc is the context root's etc, which does not exist.
    await assert.rejects(ctx.resolveSources(['abs-link/passwd']), (e: unknown) => isSlipwayError(e) && e.code === 'CONTEXT_SOURCE_NOT_FOUND');
    const [up] = await ctx.resolveSources(['src/up-link']);
    assert.equal(up!.abs, ctx.root);
  });

  it('hides what .dockerignore excludes, unless re-included', async () => {
    for (const s of ['secret.key', 'node_modules/pkg', 'node_modules/pkg/index.js', 'key-link', '*.key']) {
      await assert.rejects(ctx.resolveSources([s]), (e: unknown) => isSlipwayError(e) && e.code === 'CONTEXT_SOURCE_NOT_FOUND', s);
    }
    assert.deepEqual(await paths(['node_modules/keep/k.js', 'node_modules']), ['node_modules/keep/k.js:file', 'node_modules:dir']);
    const [nm] = await ctx.resolveSources(['node_modules']);
    assert.deepEqual((await ctx.list(nm!)).map((e) => e.rel), ['', 'keep', 'keep/k.js']);
  });

  it('lists a directory in walk order without excluded entries', async () => {
    const [root] = await ctx.resolveSources(['.']);
    const rels = (await ctx.list(root!)).map((e) => e.rel);
    assert.deepEqual(rels, ['', '.dockerignore', '.hidden.txt', 'Dockerfile', 'a.txt', 'abs-link', 'b.txt', 'c.md', 'key-link',
      'lib', 'lib/1.js', 'node_modules', 'node_modules/keep', 'node_modules/keep/k.js', 'src', 'src/sub', 'src/sub/z.ts',
      'src/up-link', 'src/x.ts', 'src/y.ts', 'srclink', '{a,b}']);
  });

  it('orders names by UTF-8 bytes, also beyond the BMP', async () => {
    write('u/\u{1F600}');
    write('u/\uFF21');
    write('u/Z');
    const [u] = await ctx.resolveSources(['u']);
    assert.deepEqual((await ctx.list(u!)).map((e) => e.rel), ['', 'Z', '\uFF21', '\u{1F600}']);
  });

  it('uses <Dockerfile>.dockerignore beside the Dockerfile over .dockerignore', async () => {
    write('build/app.Dockerfile', 'FROM scratch\n');
    write('build/app.Dockerfile.dockerignore', '*.txt\n');
    const other = await openContext({ type: 'dir', path: dir }, { dockerfile: 'build/app.Dockerfile' });
    assert.equal(other.ignoreFile, path.join(other.root, 'build/app.Dockerfile.dockerignore'));
    assert.equal(other.ignore.isExcluded('a.txt'), true);
    assert.equal(other.ignore.isExcluded('secret.key'), false);
    await other.close();
  });

  it('refuses a missing context directory', async () => {
    await assert.rejects(openContext({ type: 'dir', path: path.join(dir, 'nope') }), (e: unknown) => isSlipwayError(e) && e.code === 'CONTEXT_NOT_FOUND');
  });
});
