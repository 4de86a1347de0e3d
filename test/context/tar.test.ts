import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { isSlipwayError } from '../../src/errors.js';
import { openContext } from '../../src/context/index.js';

type Entry = { name: string; type?: 'file' | 'directory' | 'symlink' | 'link'; body?: string; linkname?: string; mode?: number; uid?: number; gid?: number };

async function makeTar(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const e of entries) {
    const { body, ...header } = e;
    await new Promise<void>((resolve, reject) => pack.entry({ type: 'file', mode: 0o644, ...header }, body ?? '', (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

const tmpParent = mkdtempSync(path.join(os.tmpdir(), 'slipway-ctx-tar-'));
after(() => rmSync(tmpParent, { recursive: true, force: true }));

describe('tar contexts', () => {
  it('extracts files, dirs, symlinks and hardlinks with modes and owners, and cleans up on close', async () => {
    const data = await makeTar([
      { name: 'Dockerfile', body: 'FROM scratch\n' },
      { name: 'src/', type: 'directory', mode: 0o750 },
      { name: 'src/app.sh', body: 'echo hi', mode: 0o755, uid: 1000, gid: 1001 },
      { name: './src/link', type: 'symlink', linkname: 'app.sh' },
      { name: 'src/hard', type: 'link', linkname: 'src/app.sh', uid: 1000, gid: 1001 },
    ]);
    const ctx = await openContext({ type: 'tar', stream: Readable.from([data]) }, { tmpDir: tmpParent });
    assert.equal(readFileSync(path.join(ctx.root, 'src/app.sh'), 'utf8'), 'echo hi');
    const st = lstatSync(path.join(ctx.root, 'src/app.sh'));
    assert.deepEqual([st.mode & 0o7777, st.uid, st.gid, st.nlink], [0o755, 1000, 1001, 2]);
    assert.equal(lstatSync(path.join(ctx.root, 'src')).mode & 0o7777, 0o750);
    assert.equal(readlinkSync(path.join(ctx.root, 'src/link')), 'app.sh');
    await ctx.close();
    assert.equal(existsSync(ctx.root), false);
  });

  it('gives a symlink its own owner without touching what it points to', async () => {
    const outside = path.join(tmpParent, 'outside.txt');
    writeFileSync(outside, 'host file');
    const data = await makeTar([{ name: 'ln', type: 'symlink', linkname: outside, uid: 4321, gid: 4321 }]);
    const ctx = await openContext({ type: 'tar', stream: Readable.from([data]) }, { tmpDir: tmpParent });
    assert.equal(lstatSync(path.join(ctx.root, 'ln')).uid, 4321);
    assert.equal(lstatSync(outside).uid, 0);
    await ctx.close();
  });

  it('accepts a gzip-compressed tar', async () => {
    const data = gzipSync(await makeTar([{ name: 'a.txt', body: 'A' }]));
    const ctx = await openContext({ type: 'tar', stream: Readable.from([data.subarray(0, 1), data.subarray(1)]) }, { tmpDir: tmpParent });
    assert.equal(readFileSync(path.join(ctx.root, 'a.txt'), 'utf8'), 'A');
    await ctx.close();
  });

  const hostile: [string, Entry[]][] = [
    ['a .. path', [{ name: '../escape', body: 'x' }]],
    ['a nested .. path', [{ name: 'a/../../escape', body: 'x' }]],
    ['an absolute path', [{ name: '/etc/escape', body: 'x' }]],
    ['a file through a symlink', [{ name: 'evil', type: 'symlink', linkname: '/tmp' }, { name: 'evil/escape', body: 'x' }]],
    ['a hardlink to outside', [{ name: 'h', type: 'link', linkname: '../../etc/passwd' }]],
  ];
  for (const [what, entries] of hostile) {
    it(`refuses ${what} and leaves no temp dir`, async () => {
      const before = readdirSync(tmpParent).length;
      const data = await makeTar(entries);
      await assert.rejects(
        openContext({ type: 'tar', stream: Readable.from([data]) }, { tmpDir: tmpParent }),
        (e: unknown) => isSlipwayError(e) && e.code === 'CONTEXT_TAR_UNSAFE_PATH',
      );
      assert.equal(readdirSync(tmpParent).length, before);
      assert.equal(existsSync('/tmp/escape'), false);
    });
  }

  it('reports a corrupt archive as CONTEXT_TAR_INVALID', async () => {
    const data = Buffer.alloc(1024, 7);
    await assert.rejects(
      openContext({ type: 'tar', stream: Readable.from([data]) }, { tmpDir: tmpParent }),
      (e: unknown) => isSlipwayError(e) && e.code === 'CONTEXT_TAR_INVALID',
    );
  });
});
