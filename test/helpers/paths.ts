import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { existsSync } from 'node:fs';

function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the test files');
    dir = parent;
  }
  return dir;
}

/** The repository root (where package.json is), whether tests run from src or dist. */
export const repoRoot = findRoot();
/** `../shared` beside the checkout: the read-only conformance corpora. */
export const sharedDir = path.resolve(repoRoot, '..', 'shared');
export const conformanceDir = path.join(sharedDir, 'conformance');
export const fixturesDir = path.join(repoRoot, 'fixtures');
