import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';

test('the shipped example Dockerfile lints clean with every default rule', async () => {
  const r = await runCli(['lint', '--format=json', path.join(repoRoot, 'examples', 'hello', 'Dockerfile')]);
  assert.equal(r.stdout.trim(), '[]');
  assert.equal(r.code, 0);
});
