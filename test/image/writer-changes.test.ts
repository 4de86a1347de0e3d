import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createLayerStream } from '../../src/image/index.js';
import { SlipwayError } from '../../src/errors.js';
import { tempDir } from './fixtures.js';

/**
 * A tree that changes between planning and writing makes the layer fail with
 * LAYER_SOURCE_CHANGED (never a short or padded entry, never a followed symlink),
 * and `result` rejects the same way.
 */
async function writeAfter(change: (root: string) => Promise<void>, files: Record<string, number>): Promise<unknown> {
  const root = await tempDir();
  try {
    for (const [name, size] of Object.entries(files)) await fs.writeFile(path.join(root, name), Buffer.alloc(size, 1));
    const { stream, result } = await createLayerStream({ type: 'tree', root }, { compression: 'none' });
    result.catch(() => undefined);
    await change(root);
    let thrown: unknown;
    try {
      for await (const chunk of stream) void chunk;
    } catch (err) {
      thrown = err;
    }
    await assert.rejects(result, (err) => err === thrown);
    return thrown;
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

function assertChanged(err: unknown): void {
  assert.ok(err instanceof SlipwayError, `expected a SlipwayError, got ${String(err)}`);
  assert.equal(err.code, 'LAYER_SOURCE_CHANGED');
}

for (const size of [100, 3 << 20]) {
  test(`a ${size}-byte file truncated after planning fails with LAYER_SOURCE_CHANGED`, async () => {
    assertChanged(await writeAfter((root) => fs.truncate(path.join(root, 'f'), size >> 1), { f: size, g: 10 }));
  });
}

test('a file removed after planning fails with LAYER_SOURCE_CHANGED', async () => {
  assertChanged(await writeAfter((root) => fs.rm(path.join(root, 'f')), { f: 10 }));
});

for (const size of [100, 3 << 20]) {
  test(`a ${size}-byte file swapped for a symlink after planning is not followed`, async () => {
    const outside = await tempDir();
    try {
      // Bigger than the planned size, so following it would yield a well-formed entry.
      await fs.writeFile(path.join(outside, 'secret'), Buffer.alloc(4 << 20, 2));
      assertChanged(await writeAfter(async (root) => {
        await fs.rm(path.join(root, 'f'));
        await fs.symlink(path.join(outside, 'secret'), path.join(root, 'f'));
      }, { f: size }));
    } finally {
      await fs.rm(outside, { recursive: true, force: true });
    }
  });
}

test('a file that grew after planning is written at its planned size', async () => {
  const root = await tempDir();
  try {
    await fs.writeFile(path.join(root, 'f'), 'abc');
    const { stream, result } = await createLayerStream({ type: 'tree', root }, { compression: 'none' });
    await fs.appendFile(path.join(root, 'f'), 'more');
    const parts: Buffer[] = [];
    for await (const c of stream) parts.push(c);
    const tar = Buffer.concat(parts);
    assert.equal(tar.subarray(512, 515).toString(), 'abc');
    assert.ok(tar.subarray(515, 1024).equals(Buffer.alloc(509)));
    assert.equal((await result).uncompressedSize, 512 + 512 + 1024);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
