/**
 * Stages that run at the same time: one failing stops the others before anything under them
 * is settled (review s4), and image IDs of cached rebuilds do not depend on which stage wrote
 * a shared step's record last, nor on COPY --link keeping its record under its own key.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { build } from '../../src/build/index.js';
import type { ProgressEvent } from '../../src/build/types.js';
import { SlipwayError } from '../../src/errors.js';
import { cleanup, makeContext, storeRoot } from './harness.js';

after(cleanup);
const scratchDirs = () => (existsSync(path.join(storeRoot, 'build-tmp')) ? readdirSync(path.join(storeRoot, 'build-tmp')).filter((n) => n.startsWith(`step-${process.pid}-`)) : []);

test('a failing stage stops the stages running beside it; the build fails with its error once all have stopped', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch AS a\nCOPY rootfs/ /\nRUN sleep 5 && echo a > /a\nRUN echo a2 > /a2\n\nFROM scratch AS b\nCOPY rootfs/ /\nRUN exit 7\n\nFROM scratch\nCOPY --from=a /a /a\nCOPY --from=b /bin/sh /sh\n' });
  const events: ProgressEvent[] = [];
  const late: ProgressEvent[] = [];
  let done = false;
  const err = await build({ context: ctx, root: storeRoot, noCache: true, onProgress: (e) => (done ? late : events).push(e) })
    .then(() => undefined, (e: unknown) => e);
  done = true;
  assert.ok(err instanceof SlipwayError, String(err));
  assert.equal(err.code, 'BUILD_RUN_FAILED');
  assert.match(err.message, /RUN exit 7: .*exit code: 7/);
  const started = events.filter((e): e is Extract<ProgressEvent, { type: 'step-start' }> => e.type === 'step-start').map((e) => e.name);
  assert.ok(!started.some((n) => n.includes('echo a2')), `stage a went on: ${started.join(', ')}`);
  const errors = events.filter((e): e is Extract<ProgressEvent, { type: 'step-error' }> => e.type === 'step-error').map((e) => e.message);
  assert.deepEqual(errors.filter((m) => /overlay|ENOENT/.test(m)), [], 'no step lost a lower dir');
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(late, [], 'nothing ran after build() returned');
  assert.deepEqual(scratchDirs(), [], 'no scratch dir is left');
});

test('no scratch dir is left when a stage fails after another stage\'s layer was made', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch AS r\nCOPY rootfs/ /\n\nFROM r AS slow\nRUN sleep 1 && echo s > /s\nRUN exit 3\n\nFROM r AS b\nRUN exit 7\n\nFROM scratch\nCOPY --from=slow /s /s\nCOPY --from=b /bin/sh /sh\n' });
  await assert.rejects(build({ context: ctx, root: storeRoot, noCache: true }), (e: unknown) => e instanceof SlipwayError && e.code === 'BUILD_RUN_FAILED');
  assert.deepEqual(scratchDirs(), []);
});

test('a cached rebuild with COPY --link gives the same image ID', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY --link f.txt /f.txt\n', 'f.txt': 'hi\n' });
  const first = await build({ context: ctx, root: storeRoot });
  await new Promise((r) => setTimeout(r, 20));
  const second = await build({ context: ctx, root: storeRoot });
  assert.deepEqual(second.steps.map((s) => s.cached), [true, true]);
  assert.equal(second.imageId, first.imageId);
});

test('two stages making the same step at once: a cached rebuild gives the same image ID, every time', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch AS x\nCOPY rootfs/ /\n\nFROM scratch AS y\nCOPY rootfs/ /\nRUN echo y > /y\n\nFROM x\nCOPY --from=y /y /y\n' });
  for (let i = 0; i < 4; i++) {
    const fresh = await build({ context: ctx, root: storeRoot, noCache: true });
    const cached = await build({ context: ctx, root: storeRoot });
    assert.equal(cached.imageId, fresh.imageId, `round ${i}`);
  }
});

test('a failing stage does not wait for a sibling stuck pulling its base image: the build fails at once with the real error', { timeout: 60_000 }, async () => {
  const { createServer } = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
  // A registry that accepts connections and never answers.
  const server = createServer((s) => { sockets.add(s); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const ctx = makeContext({ Dockerfile: `FROM scratch AS a\nCOPY rootfs/ /\nRUN exit 7\n\nFROM 127.0.0.1:${port}/never/answers:1 AS b\nRUN true\n\nFROM scratch\nCOPY --from=a /bin/sh /a\nCOPY --from=b /etc /b\n` });
    const err = await build({ context: ctx, root: storeRoot, noCache: true }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SlipwayError, String(err));
    assert.equal(err.code, 'BUILD_RUN_FAILED');
    assert.match(err.message, /Dockerfile:3:1: RUN exit 7/);
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
});

test('a COPY whose tree could not be finished fails as itself, at its own line, not as the step after it', async () => {
  const { Borrower } = await import('../../src/build/borrow.js');
  const settle = Borrower.prototype.settle;
  // The settle's I/O failing (ENOSPC copying a file with xattrs, say), injected.
  Borrower.prototype.settle = async function () {
    await new Promise((r) => setTimeout(r, 100));
    throw new SlipwayError('BUILD_COPY_FAILED', 'injected settle failure');
  };
  try {
    const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY d/ /d/\nWORKDIR /w\n', 'd/a.txt': 'a\n' }, false);
    const events: ProgressEvent[] = [];
    const err = await build({ context: ctx, root: storeRoot, noCache: true, onProgress: (e) => events.push(e) }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SlipwayError, String(err));
    assert.match(err.message, /Dockerfile:2:1: COPY d\/ \/d\/: injected settle failure/);
    const errors = events.filter((e): e is Extract<ProgressEvent, { type: 'step-error' }> => e.type === 'step-error').map((e) => e.message);
    assert.ok(errors.includes('injected settle failure'), errors.join(' | '));
    assert.ok(!errors.some((m) => /WORKDIR/.test(m)), errors.join(' | '));
  } finally {
    Borrower.prototype.settle = settle;
  }
});
