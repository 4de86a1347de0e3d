// BuildKit's ARG/ENV scoping, one rule per table row: the labels a stage ends up with
// show what each expansion saw. (The ARG-after-ENV row was checked against BuildKit.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labels, last, plan } from './helpers.js';
import type { PlanOptions } from '../../src/plan/index.js';

const rows: [string, string[], PlanOptions, Record<string, string>][] = [
  ['a stage ARG takes effect from its line', ['FROM scratch', 'LABEL a=$V', 'ARG V=1', 'LABEL b=$V'], {}, { a: '', b: '1' }],
  ['global ARGs are not visible in a stage without ARG', ['ARG V=g', 'FROM scratch', 'LABEL a=$V'], {}, { a: '' }],
  ['ARG without a value re-imports the global value', ['ARG V=g', 'FROM scratch', 'ARG V', 'LABEL b=$V'], {}, { b: 'g' }],
  ['re-import takes the --build-arg value of a global', ['ARG V=g', 'FROM scratch', 'ARG V', 'LABEL b=$V'], { buildArgs: { V: 'cli' } }, { b: 'cli' }],
  ['--build-arg beats a stage default', ['FROM scratch', 'ARG V=d', 'LABEL v=$V'], { buildArgs: { V: 'cli' } }, { v: 'cli' }],
  ['a stage default beats a global of the same name', ['ARG V=g', 'FROM scratch', 'ARG V=s', 'LABEL v=$V'], {}, { v: 's' }],
  ['ARG without value or global stays unset', ['FROM scratch', 'ARG V', 'LABEL v=${V-unset}'], {}, { v: 'unset' }],
  ['ENV after ARG of the same name beats it', ['FROM scratch', 'ARG V=a', 'ENV V=b', 'LABEL v=$V'], { buildArgs: { V: 'cli' } }, { v: 'b' }],
  ['ARG after ENV: last writer wins in the build env', ['FROM scratch', 'ENV V=b', 'ARG V=a', 'LABEL v=$V'], {}, { v: 'a' }],
  ['ARG without value after ENV keeps the ENV value', ['FROM scratch', 'ENV V=b', 'ARG V', 'LABEL v=$V'], {}, { v: 'b' }],
  ['values in one ENV see the environment from before it', ['FROM scratch', 'ENV X=old', 'ENV X=new Y=$X', 'LABEL x=$X y=$Y'], {}, { x: 'new', y: 'old' }],
  ['values in one LABEL see the environment from before it', ['FROM scratch', 'ENV X=1', 'LABEL X=2 y=$X'], {}, { X: '2', y: '1' }],
  ['an ARG default sees earlier ARGs on its line', ['FROM scratch', 'ARG A=1 B=${A}2', 'LABEL b=$B'], {}, { b: '12' }],
  ['a global default sees earlier globals', ['ARG A=1', 'ARG B=${A}2', 'FROM scratch', 'ARG B', 'LABEL b=$B'], {}, { b: '12' }],
  ['a global default sees the automatic platform ARGs', ['ARG P=$TARGETARCH', 'FROM scratch', 'ARG P', 'LABEL p=$P'], {}, { p: 'amd64' }],
  ['ARG and ENV are inherited by stages built FROM another', ['FROM scratch AS a', 'ARG V=1', 'ENV E=2', 'FROM a', 'LABEL v=$V e=$E'], {}, { v: '1', e: '2' }],
  ['automatic platform ARGs need an ARG in the stage', ['FROM scratch', 'LABEL before=${TARGETARCH-unset}', 'ARG TARGETARCH', 'LABEL after=$TARGETARCH'], {}, { before: 'unset', after: 'amd64' }],
  ['PATH has BuildKit\'s default when the base sets none', ['FROM scratch', 'LABEL p=$PATH'], {}, { p: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' }],
  ['proxy build args need no ARG but are not expansion variables', ['FROM scratch', 'LABEL p=${HTTP_PROXY-none}'], { buildArgs: { HTTP_PROXY: 'http://p:3128' } }, { p: 'none' }],
];

for (const [name, lines, options, want] of rows) {
  test(name, () => {
    const p = plan(lines, options);
    assert.deepEqual(p.errors, []);
    assert.deepEqual(labels(last(p.stages)), want);
  });
}

test('platform ARGs come from the injected build and target platforms', () => {
  const p = plan([
    'FROM --platform=$BUILDPLATFORM scratch AS build',
    'ARG BUILDPLATFORM BUILDOS BUILDARCH BUILDVARIANT TARGETPLATFORM TARGETOS TARGETARCH TARGETVARIANT',
    'LABEL bp=$BUILDPLATFORM bo=$BUILDOS ba=$BUILDARCH bv=$BUILDVARIANT tp=$TARGETPLATFORM to=$TARGETOS ta=$TARGETARCH tv=$TARGETVARIANT',
  ], { buildPlatform: { os: 'linux', architecture: 'arm64' }, targetPlatform: { os: 'linux', architecture: 'arm', variant: 'v7' } });
  assert.deepEqual(labels(p.stages[0]!), { bp: 'linux/arm64', bo: 'linux', ba: 'arm64', bv: '', tp: 'linux/arm/v7', to: 'linux', ta: 'arm', tv: 'v7' });
  assert.equal(p.stages[0]!.platform, 'linux/arm64');
});

test('the build env and the image config env differ where ARG and ENV share a name', () => {
  const p = plan(['FROM scratch', 'ENV V=env', 'ARG V=arg', 'ARG W=w', 'RUN true']);
  const run = last(p.stages[0]!.steps);
  assert.equal(run.instruction.type, 'run');
  assert.equal(run.env.V, 'arg');
  assert.equal(run.env.W, 'w');
  assert.equal(run.configEnv.V, 'env');
  assert.equal(run.configEnv.W, undefined);
  assert.deepEqual(run.args, { V: 'arg', W: 'w' });
});

test('base image env from the injected config is seen by expansion', () => {
  const p = plan(['FROM golang:1.22', 'WORKDIR $GOPATH/src', 'LABEL path=$PATH'], {
    imageConfig: (ref) => (ref === 'golang:1.22' ? { env: ['GOPATH=/go', 'PATH=/go/bin:/usr/bin'], workingDir: '/go' } : undefined),
  });
  const st = p.stages[0]!;
  assert.equal(st.baseConfigKnown, true);
  assert.deepEqual(st.steps[0]!.instruction, { type: 'workdir', path: '/go/src' });
  assert.equal(st.steps[0]!.workdir, '/go');
  assert.equal(st.steps[1]!.workdir, '/go/src');
  assert.deepEqual(labels(st), { path: '/go/bin:/usr/bin' });
  assert.equal(plan(['FROM golang:1.22']).stages[0]!.baseConfigKnown, false);
});

test('global ARGs expand FROM; --build-arg overrides them', () => {
  const lines = ['ARG BASE=alpine', 'ARG TAG', 'FROM ${BASE}:${TAG:-3}'];
  assert.deepEqual(plan(lines).stages[0]!.base, { type: 'image', ref: 'alpine:3' });
  const p = plan(lines, { buildArgs: { BASE: 'debian', TAG: '12' } });
  assert.deepEqual(p.stages[0]!.base, { type: 'image', ref: 'debian:12' });
  assert.deepEqual(p.globalArgs.map((a) => [a.name, a.value, a.default]), [['BASE', 'debian', 'alpine'], ['TAG', '12', null]]);
});

test('an unused --build-arg is a warning; declared, proxy and platform ones are not', () => {
  const p = plan(['ARG G', 'FROM scratch AS a', 'ARG ONLY_IN_A', 'FROM scratch AS b', 'ARG S'], {
    target: 'b', buildArgs: { G: '1', S: '2', ONLY_IN_A: '3', FOO: '4', https_proxy: 'p', TARGETARCH: 'arm64' },
  });
  assert.deepEqual(p.warnings.map((w) => [w.code, w.severity, w.message.includes('FOO') || w.message.includes('ONLY_IN_A')]), [
    ['PLAN_UNUSED_BUILD_ARG', 'warning', true], ['PLAN_UNUSED_BUILD_ARG', 'warning', true],
  ]);
  assert.deepEqual(p.buildArgs.filter((b) => !b.used).map((b) => b.name), ['FOO', 'ONLY_IN_A']);
  assert.deepEqual(p.proxyEnv, { https_proxy: 'p' });
});
