import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ALL_RULES, FORMATS, fix, formatReports, lint } from '../../src/lint/index.js';
import { parse } from '../../src/syntax/index.js';
import { lintFixturesDir } from './fixtures.js';

// Pieces of Dockerfile syntax, glued at random (a fixed seed keeps the run reproducible).
const PIECES = ['FROM ', 'RUN ', 'ENV ', 'ARG ', 'COPY ', 'ONBUILD ', 'LABEL ', 'EXPOSE ', 'CMD ', 'SHELL ', 'MAINTAINER ', 'WORKDIR ', 'from ', ' ', '\n', '\\\n', '"', "'", '$', '${', '}', '(', ')', '|', '&&', ';', '<<EOF\n', 'EOF\n', '#', '=', ':', '/', 'a', 'apt-get install', '-y', '[', ']', ',', '`', '\r\n', '\t', 'é', '--from=x ', '--platform=$X ', '80/TCP ', ' as ', 'node app.js'];

test('random edits of real Dockerfiles: no exception, valid ranges, fixes keep the file parseable and reach a fixed point', () => {
  const corpus = readdirSync(path.join(lintFixturesDir, '_corpus')).map((f) => readFileSync(path.join(lintFixturesDir, '_corpus', f), 'utf8'));
  const options = { config: { enable: ALL_RULES.filter((r) => r.optIn).map((r) => r.name), labelSchema: { version: 'semver' as const }, strictLabels: true, trustedRegistries: ['docker.io'] } };
  let seed = 42;
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  for (let k = 0; k < 400; k++) {
    let text = '';
    if (k % 2 === 0) {
      const base = corpus[rnd(corpus.length)]!;
      const at = rnd(base.length);
      text = base.slice(0, at) + PIECES[rnd(PIECES.length)] + base.slice(at + rnd(5));
    } else {
      for (let i = 1 + rnd(40); i > 0; i--) text += PIECES[rnd(PIECES.length)];
    }
    const found = lint(text, options);
    for (const d of found) assert.ok(d.range.start.offset <= d.range.end.offset && d.range.end.offset <= text.length, `${d.code} range in ${JSON.stringify(text)}`);
    for (const format of FORMATS) formatReports(format, [{ file: 'Dockerfile', text, diagnostics: found }]);
    const fixed = fix(text, options).text;
    assert.equal(fix(fixed, options).text, fixed, `not a fixed point: ${JSON.stringify(text)}`);
    const before = parse(text);
    const after = parse(fixed);
    if (before.errors.length === 0) {
      assert.deepEqual(after.errors, [], `fix broke ${JSON.stringify(text)}`);
      assert.equal(after.ast.instructions.length, before.ast.instructions.length);
    }
  }
});
