import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../helpers/paths.js';
import { dump, parse } from '../../src/syntax/index.js';

/**
 * Every folder under fixtures/parser/ is a case: `Dockerfile` plus `result` (the exact
 * BuildKit dump) and/or `ast.json` (a partial ParseResult: every key given must match;
 * arrays must match in length, element by element). See fixtures/parser/README.md.
 */
const root = path.join(fixturesDir, 'parser');
const cases = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

/** Asserts that `actual` contains everything in `expected`, reporting the path of a mismatch. */
function assertSubset(actual: unknown, expected: unknown, where: string): void {
  if (expected === null || typeof expected !== 'object') {
    assert.deepEqual(actual, expected, `${where}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${where}: expected an array, got ${JSON.stringify(actual)}`);
    assert.equal(actual.length, expected.length, `${where}: expected ${expected.length} items, got ${JSON.stringify(actual)}`);
    expected.forEach((e, i) => assertSubset(actual[i], e, `${where}[${i}]`));
    return;
  }
  assert.ok(actual !== null && typeof actual === 'object', `${where}: expected an object, got ${JSON.stringify(actual)}`);
  for (const [k, v] of Object.entries(expected)) assertSubset((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
}

test('fixtures/parser has the cases the issue asks for', () => {
  const count = (prefix: string) => cases.filter((c) => c.startsWith(prefix)).length;
  assert.ok(count('heredoc-') >= 20, `heredoc cases: ${count('heredoc-')}`);
  const lines = count('continuation-') + count('escape-') + count('directive-');
  assert.ok(lines >= 20, `continuation/escape/directive cases: ${lines}`);
});

for (const name of cases) {
  test(`fixtures/parser/${name}`, () => {
    const dir = path.join(root, name);
    const text = readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
    const result = parse(text);
    const hasResult = existsSync(path.join(dir, 'result'));
    const hasAst = existsSync(path.join(dir, 'ast.json'));
    assert.ok(hasResult || hasAst, 'a case needs result and/or ast.json');
    if (hasResult) {
      assert.deepEqual(result.errors, [], 'a case with a dump must parse');
      assert.equal(dump(result.ast), readFileSync(path.join(dir, 'result'), 'utf8'));
    }
    if (hasAst) {
      const expected = JSON.parse(readFileSync(path.join(dir, 'ast.json'), 'utf8')) as unknown;
      if (!hasResult && !(expected as { errors?: unknown }).errors) assert.deepEqual(result.errors, []);
      assertSubset(result, expected, 'result');
    }
  });
}
