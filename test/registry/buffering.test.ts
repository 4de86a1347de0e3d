import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coalesce, readAhead } from '../../src/registry/buffering.js';

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const b of source) out.push(b);
  return out;
}

async function* pieces(n: number, size: number, fail?: Error, closed?: { value: boolean }): AsyncGenerator<Buffer> {
  try {
    for (let i = 0; i < n; i++) yield Buffer.alloc(size, i);
    if (fail) throw fail;
  } finally {
    if (closed) closed.value = true;
  }
}

test('coalesce joins small reads into target-sized pieces and keeps every byte', async () => {
  const out = await collect(coalesce(pieces(10, 300), 1000));
  assert.deepEqual(out.map((b) => b.length), [1200, 1200, 600]);
  assert.deepEqual(Buffer.concat(out), Buffer.concat(await collect(pieces(10, 300))));
});

test('readAhead delivers everything in order, then the source error', async () => {
  const boom = new Error('connection reset');
  const seen: number[] = [];
  await assert.rejects((async () => {
    for await (const b of readAhead(pieces(5, 10, boom), 25)) seen.push(b[0]!);
  })(), boom);
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
});

test('readAhead stays within its limit and closes the source when the consumer stops', async () => {
  const closed = { value: false };
  let produced = 0;
  async function* counting(): AsyncGenerator<Buffer> {
    for await (const b of pieces(100, 10, undefined, closed)) {
      produced++;
      yield b;
    }
  }
  for await (const b of readAhead(counting(), 30)) {
    await new Promise((r) => setTimeout(r, 20));
    // Read ahead at most `limit` bytes (3 pieces) beyond what was consumed.
    assert.ok(produced <= b[0]! + 1 + 3, `produced ${produced} while consuming piece ${b[0]}`);
    if (b[0] === 3) break;
  }
  assert.equal(closed.value, true);
  assert.ok(produced < 100);
});
