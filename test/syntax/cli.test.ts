import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDirSync } from '../helpers/tmp.js';

const dir = tempDirSync('slipway-parse-');
const good = path.join(dir, 'Dockerfile');
writeFileSync(good, 'FROM alpine\nRUN --mount=type=cache,target=/x \\\n\n  make\n');

test('parse prints the dump by default, warnings on stderr', async () => {
  const r = await runCli(['parse', good]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '(from "alpine")\n(run ["--mount=type=cache,target=/x"] "make")\n');
  assert.ok(r.stderr.startsWith(`${good}:4:1: warning: Empty continuation line found in: `), r.stderr);
});

test('parse --format=json prints the AST with ranges', async () => {
  const r = await runCli(['parse', '--format=json', good]);
  assert.equal(r.code, 0);
  const out = JSON.parse(r.stdout) as { ast: { instructions: Array<{ name: string; range: unknown; flags: Array<{ name: string }> }> }; escapeToken: string; warnings: Array<{ code: string }> };
  assert.deepEqual(out.ast.instructions.map((i) => i.name), ['from', 'run']);
  assert.deepEqual(out.ast.instructions[1]!.range, { start: { line: 2, column: 1, offset: 12 }, end: { line: 4, column: 7, offset: 54 } });
  assert.deepEqual(out.ast.instructions[1]!.flags.map((f) => f.name), ['mount']);
  assert.equal(out.escapeToken, '\\');
  assert.deepEqual(out.warnings.map((w) => w.code), ['PARSE_EMPTY_CONTINUATION']);
});

test('parse - reads stdin and names it <stdin> in messages', async () => {
  const ok = await runCli(['parse', '-'], { stdin: 'FROM scratch\n' });
  assert.equal(ok.code, 0);
  assert.equal(ok.stdout, '(from "scratch")\n');
  const bad = await runCli(['parse', '-'], { stdin: 'FROM a\nRUN <<EOF\nnever closed\n' });
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, '');
  assert.equal(bad.stderr, '<stdin>:2:1: unterminated heredoc EOF\n 2 | RUN <<EOF\n   | ^^^^^^^^^\n');
});

test('parse errors exit 1 with file:line:col and a caret under the problem', async () => {
  const file = path.join(dir, 'bad.Dockerfile');
  writeFileSync(file, 'FROM a\nLABEL a=1 b\n');
  const r = await runCli(['parse', '--format=json', file]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `${file}:2:11: Syntax error - can't find = in "b". Must be of the form: name=value\n 2 | LABEL a=1 b\n   |           ^\n`);
});

test('parse of a missing file exits 1 with a message, no stack', async () => {
  const r = await runCli(['parse', path.join(dir, 'nope')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^slipway parse: cannot read .*nope: no such file\n$/);
});

test('parse usage errors exit 2', async () => {
  assert.equal((await runCli(['parse'])).code, 2);
  assert.equal((await runCli(['parse', '--format=yaml', good])).code, 2);
  assert.equal((await runCli(['parse', good, good])).code, 2);
  assert.equal((await runCli(['parse', '--bogus', good])).code, 2);
});
