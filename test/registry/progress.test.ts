import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Digest } from '../../src/oci/index.js';
import { plainRenderer, progressRenderer, ttyRenderer, type ProgressEvent } from '../../src/registry/index.js';

const A = `sha256:${'a'.repeat(64)}` as Digest;
const B = `sha256:${'b'.repeat(64)}` as Digest;
const blob = (digest: Digest, phase: 'waiting' | 'exists' | 'transfer' | 'retry' | 'done', current: number, size = 2 * 1024 * 1024): ProgressEvent =>
  ({ type: 'blob', action: 'pull', digest, size, phase, current });

function sink(isTTY: boolean) {
  let text = '';
  return { out: { isTTY, write: (c: string) => { text += c; } }, text: () => text };
}

test('plain lines: one per phase change, never one per byte', () => {
  const s = sink(false);
  const render = plainRenderer(s.out);
  for (const e of [blob(A, 'transfer', 0), blob(A, 'transfer', 1024), blob(B, 'exists', 10, 10), blob(A, 'retry', 2048),
    blob(A, 'retry', 4096), blob(A, 'transfer', 4096), blob(A, 'done', 2 * 1024 * 1024)]) render(e);
  render({ type: 'status', message: 'Digest: sha256:x' });
  assert.equal(s.text(), [
    'aaaaaaaaaaaa: Downloading (2.0MB)', 'bbbbbbbbbbbb: Already exists', 'aaaaaaaaaaaa: Retrying', 'aaaaaaaaaaaa: Retrying',
    'aaaaaaaaaaaa: Downloading (2.0MB)', 'aaaaaaaaaaaa: Pull complete (2.0MB)', 'Digest: sha256:x', '',
  ].join('\n'));
});

test('tty bars redraw in place, one row per blob', () => {
  const s = sink(true);
  const render = ttyRenderer(s.out, 10);
  render(blob(A, 'transfer', 1024 * 1024));
  render(blob(B, 'exists', 10, 10));
  render.finish();
  const frames = s.text().split(/\x1b\[\d+A/);
  const last = frames.at(-1)!.split('\n').filter(Boolean).map((l) => l.replace('\x1b[2K', ''));
  assert.deepEqual(last, ['aaaaaaaaaaaa: Downloading [====>     ] 1.0MB/2.0MB', 'bbbbbbbbbbbb: Already exists']);
  assert.equal(s.text().startsWith('\x1b[2Kaaaaaaaaaaaa: Downloading ['), true);
});

test('progressRenderer picks bars for a TTY and lines otherwise', () => {
  const tty = sink(true);
  progressRenderer(tty.out)(blob(A, 'done', 5, 5));
  assert.match(tty.text(), /\x1b\[2K/);
  const plain = sink(false);
  progressRenderer(plain.out)(blob(A, 'done', 5, 5));
  assert.equal(plain.text(), 'aaaaaaaaaaaa: Pull complete (5B)\n');
});
