import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';

test('no arguments prints usage and exits 2', async () => {
  const r = await runCli([]);
  assert.equal(r.code, 2);
  assert.match(r.stdout, /^Usage: slipway COMMAND/);
});

test('unknown command exits 2 with a message, no stack', async () => {
  const r = await runCli(['frobnicate']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.split('\n')[0], "slipway: unknown command 'frobnicate'");
  assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/);
});

test('--version prints the version', async () => {
  const r = await runCli(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'slipway 0.1.0\n');
});
