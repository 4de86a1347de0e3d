import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ALL_RULES } from '../../src/lint/index.js';
import { repoRoot } from '../helpers/paths.js';
import { renderIndex, renderRuleDoc } from './docs.js';
import { loadFixtures } from './fixtures.js';

const dir = path.join(repoRoot, 'docs', 'rules');

test('docs/rules pages match their rules and fixtures (regenerate with test/lint/write-docs.ts)', () => {
  for (const f of loadFixtures()) assert.equal(readFileSync(path.join(dir, `${f.name}.md`), 'utf8'), renderRuleDoc(f), `docs/rules/${f.name}.md is stale`);
  assert.equal(readFileSync(path.join(dir, 'README.md'), 'utf8'), renderIndex(ALL_RULES));
});
