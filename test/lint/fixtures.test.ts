import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ALL_RULES, fix, lint } from '../../src/lint/index.js';
import { repoRoot } from '../helpers/paths.js';
import { loadFixtures } from './fixtures.js';

const fixtures = loadFixtures();
const at = (d: { range: { start: { line: number; column: number } } }): string => `${d.range.start.line}:${d.range.start.column}`;

test('every rule has fixtures and a doc page', () => {
  const names = new Set(fixtures.map((f) => f.name));
  for (const rule of ALL_RULES) {
    assert.ok(names.has(rule.name), `fixtures/lint/${rule.name}/ missing`);
    assert.ok(existsSync(path.join(repoRoot, 'docs', 'rules', `${rule.name}.md`)), `docs/rules/${rule.name}.md missing`);
  }
});

for (const f of fixtures) {
  test(`${f.name}: fires on bad.Dockerfile where bad.expect says`, () => {
    assert.ok(f.expect && f.expect.length > 0, 'bad.expect must list at least one position');
    const found = lint(f.bad, f.options);
    assert.deepEqual(found.map((d) => d.code), found.map(() => f.name));
    assert.deepEqual(found.map(at), f.expect);
  });

  test(`${f.name}: stays quiet on good.Dockerfile`, () => {
    assert.deepEqual(lint(f.good, f.options).map((d) => `${d.code} ${at(d)}`), []);
  });

  if (!f.rule.fixable) continue;

  test(`${f.name}: fix gives bad.fixed.Dockerfile, is idempotent, keeps comments and layout, re-lints clean`, () => {
    assert.ok(f.fixed !== undefined, 'bad.fixed.Dockerfile missing');
    const before = lint(f.bad, f.options);
    assert.ok(before.some((d) => d.fix), 'the bad fixture must contain a fixable finding');
    const result = fix(f.bad, f.options);
    assert.equal(result.text, f.fixed);
    // Idempotent: fixing the fixed text changes nothing.
    assert.equal(fix(result.text, f.options).text, result.text);
    // Layout: same number of lines; every comment line kept verbatim and in place.
    const oldLines = f.bad.split('\n');
    const newLines = result.text.split('\n');
    assert.equal(newLines.length, oldLines.length);
    oldLines.forEach((line, i) => { if (line.trimStart().startsWith('#')) assert.equal(newLines[i], line); });
    // Re-lint: only the findings that had no mechanical fix remain.
    const after = lint(result.text, f.options);
    assert.equal(after.length, before.filter((d) => !d.fix).length);
    assert.ok(after.every((d) => !d.fix));
  });
}
