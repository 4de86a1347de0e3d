import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDirSync } from '../helpers/tmp.js';

function tree(files: Record<string, string>): string {
  const root = tempDirSync('slipway-lint-cli-');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

const json = (stdout: string): { code: string; file: string; line: number }[] => JSON.parse(stdout) as never;

test('clean file exits 0 and prints nothing', async () => {
  const root = tree({ Dockerfile: 'FROM alpine:3.20\nUSER app\nCMD ["app"]\n' });
  const r = await runCli(['lint', 'Dockerfile'], { cwd: root });
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
});

test('findings at or above the threshold exit 1; --failure-threshold moves the bar', async () => {
  const root = tree({ Dockerfile: 'FROM alpine:3.20\nRUN echo a\nRUN echo b\n' });
  assert.equal((await runCli(['lint', 'Dockerfile'], { cwd: root })).code, 1);
  assert.equal((await runCli(['lint', '--failure-threshold=warning', 'Dockerfile'], { cwd: root })).code, 0);
  assert.equal((await runCli(['lint', '--failure-threshold', 'none', 'Dockerfile'], { cwd: root })).code, 0);
  assert.equal((await runCli(['lint', '--ignore', 'DL3059', 'Dockerfile'], { cwd: root })).code, 0);
});

test('a directory lints Dockerfile, *.Dockerfile and Dockerfile.* under it', async () => {
  const bad = 'FROM debian\n';
  const root = tree({ 'a/Dockerfile': bad, 'a/b/web.Dockerfile': bad, 'Dockerfile.dev': bad, 'notes.txt': bad, 'node_modules/x/Dockerfile': bad });
  const r = await runCli(['lint', '--format=json', '.'], { cwd: root });
  assert.equal(r.code, 1);
  assert.deepEqual(json(r.stdout).map((d) => `${d.code} ${d.file}`), ['DL3006 Dockerfile.dev', 'DL3006 a/Dockerfile', 'DL3006 a/b/web.Dockerfile']);
});

test('stdin with -', async () => {
  const r = await runCli(['lint', '--format=json', '-'], { stdin: 'FROM debian:latest\n' });
  assert.deepEqual(json(r.stdout).map((d) => `${d.code} ${d.file} ${d.line}`), ['DL3007 - 1']);
});

test('.slipway.toml is used, --config overrides it', async () => {
  const root = tree({ 'Dockerfile': 'FROM quay.io/x/y:1\n', '.slipway.toml': '[lint]\ntrusted-registries = ["docker.io"]\n', 'other.toml': '[lint]\nignored = ["DL3026"]\n' });
  const a = await runCli(['lint', '--format=json', 'Dockerfile'], { cwd: root });
  assert.deepEqual(json(a.stdout).map((d) => d.code), ['DL3026']);
  const b = await runCli(['lint', '--format=json', '--config', 'other.toml', 'Dockerfile'], { cwd: root });
  assert.deepEqual([b.code, json(b.stdout)], [0, []]);
});

test('usage errors and unreadable or unparseable input exit 2', async () => {
  const root = tree({ Dockerfile: 'FROM alpine:3.20\nRUN <<EOF\necho\n', '.slipway.toml': '[lint]\nbogus = 1\n' });
  assert.equal((await runCli(['lint', '--format=yaml', 'x'], { cwd: root })).code, 2);
  assert.equal((await runCli(['lint', '--bogus'], { cwd: root })).code, 2);
  assert.equal((await runCli(['lint', '--fix=sideways', 'Dockerfile'], { cwd: root })).code, 2);
  assert.equal((await runCli(['lint', 'missing/Dockerfile'], { cwd: root })).code, 2);
  const badConfig = await runCli(['lint', 'Dockerfile'], { cwd: root });
  assert.equal(badConfig.code, 2);
  assert.match(badConfig.stderr, /\.slipway\.toml: unknown key lint\.bogus/);
  writeFileSync(path.join(root, '.slipway.toml'), '');
  const r = await runCli(['lint', '--format=json', 'Dockerfile'], { cwd: root });
  assert.equal(r.code, 2);
  assert.deepEqual(json(r.stdout).map((d) => `${d.code} ${d.line}`), ['PARSE_UNTERMINATED_HEREDOC 2']);
  assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/);
});

const UNFIXED = '# syntax=docker/dockerfile:1\nfrom alpine:3.20 AS base\n# keep me\nENV APP_HOME /srv/app\nexpose 80/TCP\nMAINTAINER Jane <jane@example.com>\nCMD node server.js\n';
const FIXED = '# syntax=docker/dockerfile:1\nFROM alpine:3.20 AS base\n# keep me\nENV APP_HOME=/srv/app\nEXPOSE 80/tcp\nLABEL org.opencontainers.image.authors="Jane <jane@example.com>"\nCMD ["node", "server.js"]\n';

test('--fix rewrites in place, keeps comments, and a second run changes nothing', async () => {
  const root = tree({ Dockerfile: UNFIXED });
  const first = await runCli(['lint', '--fix', '--format=json', 'Dockerfile'], { cwd: root });
  assert.equal(readFileSync(path.join(root, 'Dockerfile'), 'utf8'), FIXED);
  // Everything in this file had a mechanical fix: nothing is left to report.
  assert.deepEqual([first.code, json(first.stdout)], [0, []]);
  await runCli(['lint', '--fix', 'Dockerfile'], { cwd: root });
  assert.equal(readFileSync(path.join(root, 'Dockerfile'), 'utf8'), FIXED);
});

test('--fix=diff prints a unified diff that git apply accepts, and leaves the file alone', async () => {
  const root = tree({ 'sub/Dockerfile': UNFIXED });
  const r = await runCli(['lint', '--fix=diff', 'sub/Dockerfile'], { cwd: root });
  assert.equal(readFileSync(path.join(root, 'sub/Dockerfile'), 'utf8'), UNFIXED);
  assert.match(r.stdout, /^--- a\/sub\/Dockerfile\n\+\+\+ b\/sub\/Dockerfile\n@@ -1,7 \+1,7 @@\n/);
  writeFileSync(path.join(root, 'fix.patch'), r.stdout);
  execFileSync('git', ['apply', 'fix.patch'], { cwd: root });
  assert.equal(readFileSync(path.join(root, 'sub/Dockerfile'), 'utf8'), FIXED);
  const again = await runCli(['lint', '--fix=diff', 'sub/Dockerfile'], { cwd: root });
  assert.equal(again.stdout, '');
});

test('--fix on stdin prints the fixed text', async () => {
  const r = await runCli(['lint', '--fix', '-'], { stdin: UNFIXED });
  assert.equal(r.stdout, FIXED);
});

test('--context enables CopyIgnoredFile', async () => {
  const root = tree({ 'Dockerfile': 'FROM alpine:3.20\nCOPY secret.env /etc/\n', 'ctx/.dockerignore': '*.env\n' });
  const without = await runCli(['lint', '--format=json', 'Dockerfile'], { cwd: root });
  assert.deepEqual(json(without.stdout), []);
  const withCtx = await runCli(['lint', '--format=json', '--context', 'ctx', 'Dockerfile'], { cwd: root });
  assert.deepEqual(json(withCtx.stdout).map((d) => `${d.code} ${d.line}`), ['CopyIgnoredFile 2']);
});

test('tty output honours NO_COLOR and non-TTY stdout', async () => {
  const r = await runCli(['lint', '-'], { stdin: 'FROM debian\n', env: { NO_COLOR: '1' } });
  assert.doesNotMatch(r.stdout, /\u001b\[/);
  assert.match(r.stdout, /^-\n  1:6  warning  .*DL3006\n/);
});
