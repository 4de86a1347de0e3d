/**
 * Ctrl-C or SIGTERM during a RUN: the container is killed and every mount and scratch dir
 * the build made is removed before the CLI exits with 128+N (the bundled CLI, as users run it).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanup, makeContext, storeRoot } from './harness.js';

after(cleanup);
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'slipway');

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} during a RUN stops the build and leaves no container, mount or scratch dir`, async () => {
    const marker = signal === 'SIGTERM' ? '41.25' : '41.5';
    const ctx = makeContext({ Dockerfile: `FROM scratch\nCOPY rootfs/ /\nRUN sleep ${marker}\n` });
    const child = spawn(bin, ['build', '--progress=plain', '--no-cache', ctx], { env: { ...process.env, SLIPWAY_ROOT: storeRoot }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const started = new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/\] RUN sleep/.test(stderr)) resolve();
    }));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await started;
    // Until the container's process is there.
    for (let i = 0; i < 100 && spawnSync('pgrep', ['-f', `sleep ${marker}`]).status !== 0; i++) await new Promise((r) => setTimeout(r, 50));
    child.kill(signal);
    const code = await exited;
    assert.equal(code, signal === 'SIGINT' ? 130 : 143, stderr);
    assert.match(stderr, new RegExp(`build interrupted by ${signal}`));
    assert.notEqual(spawnSync('pgrep', ['-f', `sleep ${marker}`]).status, 0, 'the RUN process is gone');
    const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.includes(storeRoot));
    assert.deepEqual(mounts, [], 'no mount is left under the store');
    const tmp = path.join(storeRoot, 'build-tmp');
    const left = existsSync(tmp) ? readdirSync(tmp).filter((n) => /^(step|run|view)-/.test(n)) : [];
    assert.deepEqual(left, [], 'no scratch dir is left');
  });
}

test('after a SIGKILLed build, the next build removes its container, mounts and scratch dirs', async () => {
  const marker = '41.75';
  const ctx = makeContext({ Dockerfile: `FROM scratch\nCOPY rootfs/ /\nRUN sleep ${marker}\n` });
  const child = spawn(bin, ['build', '--progress=plain', '--no-cache', ctx], { env: { ...process.env, SLIPWAY_ROOT: storeRoot }, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  for (let i = 0; i < 200 && spawnSync('pgrep', ['-f', `sleep ${marker}`]).status !== 0; i++) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGKILL');
  await exited;
  const ours = () => readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.includes(storeRoot));
  assert.equal(spawnSync('pgrep', ['-f', `sleep ${marker}`]).status, 0, 'the orphaned RUN still runs (nothing could stop it)');
  assert.notDeepEqual(ours(), [], 'and its rootfs is still mounted');

  const next = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\n' });
  const r = spawnSync(bin, ['build', '-q', next], { env: { ...process.env, SLIPWAY_ROOT: storeRoot } });
  assert.equal(r.status, 0, r.stderr.toString());
  assert.notEqual(spawnSync('pgrep', ['-f', `sleep ${marker}`]).status, 0, 'the orphaned RUN is gone');
  assert.deepEqual(ours(), [], 'no mount is left under the store');
  const tmp = path.join(storeRoot, 'build-tmp');
  assert.deepEqual(readdirSync(tmp).filter((n) => /^(step|run|view)-/.test(n)), [], 'no scratch dir is left');
  assert.deepEqual(readdirSync(path.join(tmp, 'sandbox')), [], 'no container bundle is left');
  const kept = path.join(storeRoot, 'build-diffs');
  assert.ok(readdirSync(kept).some((d) => existsSync(path.join(kept, d, 'bin', 'busybox'))), 'the lower dirs the dead RUN had mounted are intact');
});

test('Ctrl-C while the last layer is still being written: exit 130, and no image is tagged', async () => {
  const { randomBytes } = await import('node:crypto');
  // Incompressible, so that writing its layer takes long after the COPY itself (a link) is done.
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY big.bin /big.bin\n' }, false);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(path.join(ctx, 'big.bin'), randomBytes(96 << 20));
  const tag = `localhost/interrupted:${process.pid}`;
  const child = spawn(bin, ['build', '--progress=plain', '--no-cache', '-t', tag, ctx], { env: { ...process.env, SLIPWAY_ROOT: storeRoot }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const started = new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (/\] COPY big\.bin/.test(stderr)) resolve();
  }));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await started;
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  assert.doesNotMatch(stderr, /tagged /);
  const images = spawnSync(bin, ['images'], { env: { ...process.env, SLIPWAY_ROOT: storeRoot } }).stdout.toString();
  assert.ok(!images.includes('interrupted'), images);
});
