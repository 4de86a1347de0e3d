import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createLayerStream, readLayer, type LayerChange } from '../../src/image/index.js';
import { sh, tempDir } from './fixtures.js';

/**
 * A change list's xattrs are read per listed path, or with one recursive read when
 * the root holds little besides the list (a build step's upper dir): either way each
 * listed entry carries exactly its own attributes.
 */
async function layerXattrs(root: string, changes: LayerChange[]): Promise<Map<string, string>> {
  const { stream, result } = await createLayerStream({ type: 'changes', root, changes }, { compression: 'none' });
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c);
  await result;
  const got = new Map<string, string>();
  await readLayer([Buffer.concat(parts)], async (e) => {
    got.set(e.path, [...(e.xattrs ?? new Map<string, Buffer>())].map(([k, v]) => `${k}=${v.toString('hex')}`).join(','));
  });
  return got;
}

for (const unlisted of [0, 2000]) {
  test(`400 listed files among ${unlisted} unlisted ones: every listed file has its xattrs`, async () => {
    const root = await tempDir();
    try {
      const dump: string[] = [];
      await fs.mkdir(path.join(root, 'listed'));
      await fs.mkdir(path.join(root, 'other'));
      for (let i = 0; i < 400; i++) {
        const f = path.join(root, 'listed', `f${i}`);
        await fs.writeFile(f, `${i}`);
        if (i % 7 === 0) dump.push(`# file: ${f}\nuser.i=0s${Buffer.from([i & 0xff, 0x41]).toString('base64')}\n`);
      }
      for (let i = 0; i < unlisted; i++) {
        const f = path.join(root, 'other', `g${i}`);
        await fs.writeFile(f, '');
        if (i % 5 === 0) dump.push(`# file: ${f}\nuser.other=0sAQ==\n`);
      }
      const set = await sh('setfattr', ['-h', '--restore=-'], { input: Buffer.from(dump.join('\n')) });
      assert.equal(set.code, 0, set.stderr);
      const changes: LayerChange[] = [{ type: 'add', path: 'listed' }];
      for (let i = 0; i < 400; i++) changes.push({ type: 'add', path: `listed/f${i}` });
      const got = await layerXattrs(root, changes);
      assert.equal(got.size, 401);
      assert.equal(got.get('listed'), '');
      for (let i = 0; i < 400; i++) {
        assert.equal(got.get(`listed/f${i}`), i % 7 === 0 ? `user.i=${Buffer.from([i & 0xff, 0x41]).toString('hex')}` : '', `listed/f${i}`);
      }
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
}
