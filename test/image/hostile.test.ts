import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { applyLayers } from '../../src/image/index.js';
import { sha256Digest } from '../../src/oci/index.js';
import { SlipwayError } from '../../src/errors.js';
import { tempDir } from './fixtures.js';

type E = { name: string; type?: 'file' | 'directory' | 'symlink' | 'link'; linkname?: string; data?: string };

async function makeTar(entries: E[]): Promise<Buffer> {
  const pack = tar.pack();
  const parts: Buffer[] = [];
  const done = (async () => { for await (const c of pack) parts.push(c as Buffer); })();
  for (const e of entries) {
    await new Promise<void>((res, rej) => {
      const h = { name: e.name, type: e.type ?? 'file', mode: 0o644, ...(e.linkname ? { linkname: e.linkname } : {}) };
      const cb = (err?: Error | null) => (err ? rej(err) : res());
      if ((e.type ?? 'file') === 'file') pack.entry(h, e.data ?? 'pwned\n', cb);
      else pack.entry(h, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(parts);
}

/** Each case: layers (as tar buffers) and the code applying them must fail with. */
type Case = { name: string; layers: (outside: string) => Promise<Buffer[]>; code: string; diffId?: string };

const one = (entries: (o: string) => E[]) => async (o: string) => [await makeTar(entries(o))];

const cases: Case[] = [
  { name: 'dot-dot file', code: 'LAYER_UNSAFE_PATH', layers: one(() => [{ name: '../outside/pwned' }]) },
  { name: 'dot-dot in the middle', code: 'LAYER_UNSAFE_PATH', layers: one(() => [{ name: 'a/../../outside/pwned' }]) },
  { name: 'dot-dot directory', code: 'LAYER_UNSAFE_PATH', layers: one(() => [{ name: '../', type: 'directory' }]) },
  { name: 'absolute file path', code: 'LAYER_UNSAFE_PATH', layers: one((o) => [{ name: `${o}/pwned` }]) },
  { name: 'relative symlink escaping the root', code: 'LAYER_UNSAFE_PATH', layers: one(() => [{ name: 'esc', type: 'symlink', linkname: '../outside' }]) },
  { name: 'deep relative symlink escaping', code: 'LAYER_UNSAFE_PATH', layers: one(() => [{ name: 'a/', type: 'directory' }, { name: 'a/b/', type: 'directory' }, { name: 'a/b/esc', type: 'symlink', linkname: '../../../outside/secret' }]) },
  { name: 'file through a symlinked parent (same layer)', code: 'LAYER_UNSAFE_PATH', layers: one((o) => [{ name: 'esc', type: 'symlink', linkname: o }, { name: 'esc/pwned' }]) },
  { name: 'directory through a symlinked parent', code: 'LAYER_UNSAFE_PATH', layers: one((o) => [{ name: 'esc', type: 'symlink', linkname: o }, { name: 'esc/sub/', type: 'directory' }]) },
  { name: 'symlink through a symlinked parent', code: 'LAYER_UNSAFE_PATH', layers: one((o) => [{ name: 'esc', type: 'symlink', linkname: o }, { name: 'esc/l', type: 'symlink', linkname: 'x' }]) },
  { name: 'file through a symlink planted by an earlier layer', code: 'LAYER_UNSAFE_PATH', layers: async (o) => [await makeTar([{ name: 'esc', type: 'symlink', linkname: o }]), await makeTar([{ name: 'esc/pwned' }])] },
  { name: 'hardlink to a dot-dot path', code: 'LAYER_UNSAFE_PATH', layers: one(() => [{ name: 'hl', type: 'link', linkname: '../outside/secret' }]) },
  { name: 'hardlink to an absolute path', code: 'LAYER_UNSAFE_PATH', layers: one((o) => [{ name: 'hl', type: 'link', linkname: `${o}/secret` }]) },
  { name: 'hardlink through a symlinked parent', code: 'LAYER_UNSAFE_PATH', layers: one((o) => [{ name: 'esc', type: 'symlink', linkname: o }, { name: 'hl', type: 'link', linkname: 'esc/secret' }]) },
  { name: 'whiteout through a symlinked parent', code: 'LAYER_UNSAFE_PATH', layers: one((o) => [{ name: 'esc', type: 'symlink', linkname: o }, { name: 'esc/.wh.secret' }]) },
  { name: 'opaque marker through a symlinked parent', code: 'LAYER_UNSAFE_PATH', layers: one((o) => [{ name: 'esc', type: 'symlink', linkname: o }, { name: 'esc/.wh..wh..opq' }]) },
  { name: 'whiteout of dot-dot', code: 'LAYER_UNSAFE_PATH', layers: one(() => [{ name: 'a/', type: 'directory' }, { name: 'a/.wh...' }]) },
  { name: 'hardlink to a missing file', code: 'LAYER_BAD_HARDLINK', layers: one(() => [{ name: 'hl', type: 'link', linkname: 'nope' }]) },
  { name: 'hardlink to a directory', code: 'LAYER_UNSAFE_PATH', layers: one(() => [{ name: 'd/', type: 'directory' }, { name: 'hl', type: 'link', linkname: 'd' }]) },
  { name: 'absurd size with truncated data', code: 'LAYER_CORRUPT', layers: async () => {
    const t = await makeTar([{ name: 'big', data: 'x'.repeat(600) }]);
    t.write('77777777777', 124, 'latin1');
    const sum = [...t.subarray(0, 512)].reduce((n, b, i) => n + (i >= 148 && i < 156 ? 32 : b), 0);
    t.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    return [t.subarray(0, 1536)];
  } },
  { name: 'bad header checksum', code: 'LAYER_CORRUPT', layers: async () => { const t = await makeTar([{ name: 'f' }]); t[0] = 'g'.charCodeAt(0); return [t]; } },
  { name: 'unknown entry type', code: 'LAYER_BAD_HEADER', layers: async () => {
    const t = await makeTar([{ name: 'f', data: '' }]);
    t[156] = 'V'.charCodeAt(0);
    const sum = [...t.subarray(0, 512)].reduce((n, b, i) => n + (i >= 148 && i < 156 ? 32 : b), 0);
    t.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    return [t];
  } },
  { name: 'truncated gzip', code: 'LAYER_CORRUPT', layers: async () => { const g = zlib.gzipSync(await makeTar([{ name: 'f', data: 'y'.repeat(5000) }])); return [g.subarray(0, g.length - 20)]; } },
  { name: 'corrupt gzip body', code: 'LAYER_CORRUPT', layers: async () => { const g = zlib.gzipSync(await makeTar([{ name: 'f', data: 'z'.repeat(5000) }])); g[g.length - 6] ^= 0xff; return [g]; } },
  { name: 'truncated tar', code: 'LAYER_CORRUPT', layers: async () => [(await makeTar([{ name: 'f', data: 'q'.repeat(5000) }])).subarray(0, 2000)] },
  { name: 'diff_id mismatch', code: 'LAYER_DIFFID_MISMATCH', diffId: sha256Digest('something else'), layers: one(() => [{ name: 'ok' }]) },
];

test(`${cases.length} hostile layers are refused with a code and nothing is written outside`, async () => {
  assert.ok(cases.length >= 20);
  for (const c of cases) {
    const work = await tempDir();
    try {
      const outside = path.join(work, 'outside');
      await fs.mkdir(outside);
      await fs.writeFile(path.join(outside, 'secret'), 'secret\n');
      const root = path.join(work, 'root');
      const layers = await c.layers(outside);
      await assert.rejects(
        applyLayers(root, layers.map((l, i) => ({ stream: [l], ...(c.diffId && i === layers.length - 1 ? { diffId: c.diffId as never } : {}) }))),
        (e: unknown) => {
          assert.ok(e instanceof SlipwayError, `${c.name}: ${String(e)}`);
          assert.equal(e.code, c.code, `${c.name}: ${e.message}`);
          return true;
        },
        c.name,
      );
      assert.deepEqual(await fs.readdir(outside), ['secret'], c.name);
      assert.equal(await fs.readFile(path.join(outside, 'secret'), 'utf8'), 'secret\n', c.name);
      assert.deepEqual((await fs.readdir(work)).sort(), ['outside', 'root'], c.name);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }
});

test('an entry replacing a planted symlink replaces the link, never writes through it', async () => {
  const work = await tempDir();
  try {
    const outside = path.join(work, 'outside');
    await fs.mkdir(outside);
    await fs.writeFile(path.join(outside, 'secret'), 'secret\n');
    const root = path.join(work, 'root');
    const l1 = await makeTar([{ name: 'esc', type: 'symlink', linkname: `${outside}/secret` }]);
    const l2 = await makeTar([{ name: 'esc', data: 'replaced\n' }]);
    await applyLayers(root, [{ stream: [l1] }, { stream: [l2] }]);
    assert.equal(await fs.readFile(path.join(outside, 'secret'), 'utf8'), 'secret\n');
    assert.equal(await fs.readFile(path.join(root, 'esc'), 'utf8'), 'replaced\n');
    assert.ok((await fs.lstat(path.join(root, 'esc'))).isFile());
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});
