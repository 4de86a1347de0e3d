// Regenerates docs/rules/*.md from the rules and their fixtures:
//   npx tsc ... && node dist-lint/test/lint/write-docs.js
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ALL_RULES } from '../../src/lint/index.js';
import { repoRoot } from '../helpers/paths.js';
import { renderIndex, renderRuleDoc } from './docs.js';
import { loadFixtures } from './fixtures.js';

const dir = path.join(repoRoot, 'docs', 'rules');
for (const f of loadFixtures()) writeFileSync(path.join(dir, `${f.name}.md`), renderRuleDoc(f));
writeFileSync(path.join(dir, 'README.md'), renderIndex(ALL_RULES));
