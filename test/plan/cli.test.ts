import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';

const DOCKERFILE = [
  '# syntax=docker/dockerfile:1',
  '# GO_VERSION the Go toolchain',
  'ARG GO_VERSION=1.22',
  'ARG UNUSED_GLOBAL=x',
  '# build compiles the app',
  'FROM golang:${GO_VERSION} AS build',
  '# GOFLAGS extra flags for go build',
  'ARG GOFLAGS=-trimpath',
  'ARG NOVALUE',
  'RUN --mount=type=secret,id=netrc --mount=type=ssh,required --mount=type=cache,target=/root/.cache go build',
  'FROM scratch AS test',
  'FROM alpine',
  'COPY --from=build /app /app',
].join('\n') + '\n';

test('outline: text like buildx --call=outline', async () => {
  const r = await runCli(['outline', '-'], { stdin: DOCKERFILE });
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, [
    'BUILD ARG    VALUE       DESCRIPTION',
    'GO_VERSION   1.22        the Go toolchain',
    'GOFLAGS      -trimpath   extra flags for go build',
    'NOVALUE                  ',
    '',
    'SECRET   REQUIRED   DESCRIPTION',
    'netrc               ',
    '',
    'SSH       REQUIRED   DESCRIPTION',
    'default   true       ',
    '',
    '',
  ].join('\n'));
});

test('outline: --target, --build-arg and JSON with locations', async () => {
  const r = await runCli(['outline', '--target=build', '--build-arg', 'GO_VERSION=1.23', '--build-arg', 'GOFLAGS', '--format=json', '-'], { stdin: DOCKERFILE, env: { GOFLAGS: '-v' } });
  assert.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.equal(o.name, 'build');
  assert.equal(o.description, 'compiles the app');
  assert.deepEqual(o.args.map((a: { name: string; value: string | null; location: { start: { line: number } } }) => [a.name, a.value, a.location.start.line]), [['GO_VERSION', '1.23', 3], ['GOFLAGS', '-v', 8], ['NOVALUE', null, 9]]);
  assert.deepEqual(o.secrets.map((s: { name: string; required: boolean }) => [s.name, s.required]), [['netrc', false]]);
  assert.deepEqual(o.cache.map((c: { id: string }) => c.id), ['/root/.cache']);
});

test('targets: text like buildx --call=targets, and JSON', async () => {
  const r = await runCli(['targets', '-'], { stdin: DOCKERFILE });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'TARGET      DESCRIPTION\nbuild       compiles the app\ntest        \n(default)   \n');
  const j = await runCli(['targets', '--format=json', '-'], { stdin: DOCKERFILE });
  const t = JSON.parse(j.stdout).targets;
  assert.deepEqual(t.map((x: { name: string | null; default: boolean; base: string }) => [x.name, x.default, x.base]), [['build', false, 'golang:${GO_VERSION}'], ['test', false, 'scratch'], [null, true, 'alpine']]);
  assert.deepEqual(t[0].location, { start: { line: 6, column: 1 }, end: { line: 6, column: 35 } });
});

test('FILE defaults to ./Dockerfile; a missing file is a clear error', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'slipway-targets-'));
  try {
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM alpine AS only\n');
    const r = await runCli(['targets'], { cwd: dir });
    assert.equal(r.stdout, 'TARGET           DESCRIPTION\nonly (default)   \n');
    const missing = await runCli(['outline', 'nope.Dockerfile'], { cwd: dir });
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'slipway outline: cannot read nope.Dockerfile: no such file\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('problems: located errors exit 1; unknown target and unused build-arg are unlocated', async () => {
  const bad = await runCli(['targets', '-'], { stdin: 'FROM alpine\nCOPY --from a b\n' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^<stdin>:2:6: /);
  const target = await runCli(['outline', '--target=biuld', '-'], { stdin: DOCKERFILE });
  assert.equal(target.code, 1);
  assert.equal(target.stderr, '<stdin>: target stage "biuld" could not be found (did you mean build?)\n');
  const unused = await runCli(['outline', '--build-arg=FOO=1', '-'], { stdin: DOCKERFILE });
  assert.equal(unused.code, 0);
  assert.equal(unused.stderr, '<stdin>: warning: build-arg FOO was not consumed by any ARG\n');
  const usage = await runCli(['outline', '--format=xml', '-'], { stdin: DOCKERFILE });
  assert.equal(usage.code, 2);
});
