import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { conformanceDir } from '../helpers/paths.js';
import { runCli } from '../helpers/cli.js';
import { dump, parse } from '../../src/syntax/index.js';

const parserDir = path.join(conformanceDir, 'buildkit', 'parser');
const cases = readdirSync(path.join(parserDir, 'testfiles')).sort();
const negatives = readdirSync(path.join(parserDir, 'testfiles-negative')).sort();

test('the BuildKit corpus is where the tests expect it', () => {
  assert.equal(cases.length, 33);
  assert.equal(negatives.length, 4);
});

for (const name of cases) {
  test(`testfiles/${name}: dump is byte-identical to BuildKit's`, () => {
    const dir = path.join(parserDir, 'testfiles', name);
    const text = readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
    const expected = readFileSync(path.join(dir, 'result'), 'utf8');
    const result = parse(text);
    assert.deepEqual(result.errors, []);
    assert.equal(dump(result.ast), expected);
  });

  test(`testfiles/${name}: the CLI prints the same dump`, async () => {
    const file = path.join(parserDir, 'testfiles', name, 'Dockerfile');
    const r = await runCli(['parse', '--format=dump', file]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, readFileSync(path.join(parserDir, 'testfiles', name, 'result'), 'utf8'));
  });
}

const negativeExpect: Record<string, { code: string; line: number; column: number }> = {
  empty_dockerfile: { code: 'PARSE_NO_INSTRUCTIONS', line: 1, column: 1 },
  env_no_value: { code: 'PARSE_MISSING_VALUE', line: 3, column: 5 },
  only_comments: { code: 'PARSE_NO_INSTRUCTIONS', line: 4, column: 1 },
  'shykes-nested-json': { code: 'PARSE_JSON_NOT_STRINGS', line: 1, column: 5 },
};

for (const name of negatives) {
  test(`testfiles-negative/${name}: fails with exit 1 and a located message`, async () => {
    const file = path.join(parserDir, 'testfiles-negative', name, 'Dockerfile');
    const want = negativeExpect[name];
    assert.ok(want, `no expectation for ${name}`);
    const result = parse(readFileSync(file, 'utf8'));
    assert.equal(result.errors.length, 1);
    assert.equal(result.errors[0]!.code, want.code);
    assert.equal(result.errors[0]!.severity, 'error');
    assert.deepEqual([result.errors[0]!.range.start.line, result.errors[0]!.range.start.column], [want.line, want.column]);
    const r = await runCli(['parse', file]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.ok(r.stderr.startsWith(`${file}:${want.line}:${want.column}: `), r.stderr);
    assert.match(r.stderr, /\n {1,}\d+ \| .*\n {1,}\| *\^+\n$/);
  });
}

test('testfile-line: instructions span the lines BuildKit reports', () => {
  const text = readFileSync(path.join(parserDir, 'testfile-line', 'Dockerfile'), 'utf8');
  const result = parse(text);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.ast.instructions.map((i) => [i.range.start.line, i.range.end.line]), [[5, 5], [11, 12], [17, 31]]);
  // The RUN has empty lines inside its continuation: a warning, not an error.
  assert.deepEqual(result.warnings.map((w) => [w.code, w.range.start.line]), [['PARSE_EMPTY_CONTINUATION', 31]]);
});
