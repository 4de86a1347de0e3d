/**
 * Big layers' tars are built on a worker thread (tar-offload.ts): the bytes must be the
 * ones the main-thread writer gives, member for member, and its failures must arrive as
 * the same errors.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SlipwayError } from '../../src/errors.js';
import { layerMembers, OFFLOAD_BYTES, recycleMember } from '../../src/image/tar-offload.js';
import { tarMembers } from '../../src/image/tar-writer.js';
import { planEntries } from '../../src/image/walk.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'slipway-offload-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A tree of `files` files of pseudo-random content, `size` bytes each. */
function tree(name: string, files: number, size: number): string {
  const root = path.join(work, name);
  for (let i = 0; i < files; i++) {
    const dir = path.join(root, `d${i % 7}`);
    mkdirSync(dir, { recursive: true });
    const seed = createHash('sha256').update(`${name}${i}`).digest();
    const data = Buffer.alloc(size + i);
    for (let o = 0; o < data.length; o += seed.length) seed.copy(data, o);
    writeFileSync(path.join(dir, `f${i}.bin`), data);
  }
  return root;
}

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const m of it) out.push(m);
  return out;
}

test('a layer over the threshold is built on the worker: same members as the main thread, with their sha256', async () => {
  const root = tree('big', 40, 600_000);
  const entries = await planEntries({ type: 'tree', root });
  assert.ok(entries.reduce((n, e) => n + (e.kind === 'file' ? e.size : 0), 0) >= OFFLOAD_BYTES);
  const shas = new WeakMap<Buffer, string>();
  const offloaded = await collect(layerMembers(entries, shas));
  const here = await collect(tarMembers(entries));
  assert.equal(offloaded.length, here.length);
  for (let i = 0; i < here.length; i++) {
    assert.ok(offloaded[i]!.equals(here[i]!), `member ${i} differs`);
    assert.equal(shas.get(offloaded[i]!), createHash('sha256').update(here[i]!).digest('hex'), `sha of member ${i}`);
  }
  // The same worker takes the next job.
  const again = await collect(layerMembers(entries));
  assert.equal(createHash('sha256').update(Buffer.concat(again)).digest('hex'), createHash('sha256').update(Buffer.concat(here)).digest('hex'));
});

test('member buffers given back are filled again by the worker: the tar stays the same', async () => {
  const root = tree('recycled', 60, 600_000);
  const entries = await planEntries({ type: 'tree', root });
  const here = Buffer.concat(await collect(tarMembers(entries)));
  for (let round = 0; round < 2; round++) {
    const copies: Buffer[] = [];
    let given = 0;
    for await (const m of layerMembers(entries)) {
      copies.push(Buffer.from(m));
      recycleMember(m);
      // Given back, it is detached here: nothing can read it while the worker refills it.
      if (m.length === 0) given++;
    }
    assert.ok(given >= copies.length - 1, `${given} of ${copies.length} members went back`);
    assert.ok(Buffer.concat(copies).equals(here), `round ${round}: the same tar`);
  }
  // A buffer the worker did not make stays as it is.
  const own = Buffer.alloc(16, 1);
  recycleMember(own);
  assert.equal(own.length, 16);
});

test('a tree of more entries than one batch reaches the worker in batches, in order', async () => {
  // 9,000 files of 2 KiB: over the offload threshold, and three batches of entries.
  const root = path.join(work, 'many');
  for (let d = 0; d < 30; d++) {
    mkdirSync(path.join(root, `d${d}`), { recursive: true });
    for (let i = 0; i < 300; i++) writeFileSync(path.join(root, `d${d}`, `f${i}`), Buffer.alloc(2048 + i, d + i));
  }
  const entries = await planEntries({ type: 'tree', root });
  assert.ok(entries.length > 2 * 4096 && entries.reduce((n, e) => n + (e.kind === 'file' ? e.size : 0), 0) >= OFFLOAD_BYTES);
  const offloaded = Buffer.concat(await collect(layerMembers(entries)));
  assert.ok(offloaded.equals(Buffer.concat(await collect(tarMembers(entries)))));
});

test('a consumer that stops early leaves no worker in the way of the next layer', async () => {
  const root = tree('early', 40, 600_000);
  const entries = await planEntries({ type: 'tree', root });
  for await (const m of layerMembers(entries)) {
    assert.ok(m.length > 0);
    break;
  }
  const whole = await collect(layerMembers(entries));
  const here = await collect(tarMembers(entries));
  assert.ok(Buffer.concat(whole).equals(Buffer.concat(here)));
});

test('a file that shrinks after planning fails the worker\'s tar with LAYER_SOURCE_CHANGED, naming it', async () => {
  const root = tree('shrink', 40, 600_000);
  const entries = await planEntries({ type: 'tree', root });
  const victim = entries.filter((e) => e.kind === 'file').at(-1)!;
  truncateSync(victim.source!, 10);
  const err = await collect(layerMembers(entries)).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof SlipwayError, String(err));
  assert.equal(err.code, 'LAYER_SOURCE_CHANGED');
  assert.match(err.message, new RegExp(`${victim.path.replace(/[.]/g, '\\.')} changed while the layer was written`));
  // And the worker is still usable (or replaced) for the next layer.
  const fine = await planEntries({ type: 'tree', root: tree('after', 40, 600_000) });
  assert.equal(Buffer.concat(await collect(layerMembers(fine))).length, Buffer.concat(await collect(tarMembers(fine))).length);
});
