// The stage graph: bases, COPY --from / RUN --mount=from references, pruning, and the
// errors (cycles, order, bad index, unknown target, blank base) with their locations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plan } from './helpers.js';
import { where } from '../instructions/helpers.js';
import type { PlanOptions } from '../../src/plan/index.js';

const errorRows: [string, string[], PlanOptions, string, string][] = [
  ['two stages copying from each other', ['FROM scratch AS a', 'COPY --from=b / /', 'FROM scratch AS b', 'COPY --from=a / /'], {}, 'PLAN_CIRCULAR_DEPENDENCY', '4:13-4:14'],
  ['a stage copying from itself', ['FROM scratch AS a', 'COPY --from=a / /'], {}, 'PLAN_CIRCULAR_DEPENDENCY', '2:13-2:14'],
  ['a mount from a later stage that uses this one', ['FROM scratch AS a', 'RUN --mount=from=b,target=/b ls', 'FROM a AS b'], {}, 'PLAN_CIRCULAR_DEPENDENCY', '3:6-3:7'],
  ['copying from a later stage', ['FROM scratch AS a', 'COPY --from=b / /', 'FROM scratch AS b'], { target: 'a' }, 'PLAN_STAGE_ORDER', '2:13-2:14'],
  ['copying from a stage index that does not exist', ['FROM scratch', 'COPY --from=3 / /'], {}, 'PLAN_INVALID_STAGE_INDEX', '2:13-2:14'],
  ['an unknown --target', ['FROM scratch AS builder'], { target: 'buidler' }, 'PLAN_UNKNOWN_TARGET', '1:1-1:1'],
  ['a FROM that expands to nothing', ['ARG B', 'FROM $B'], {}, 'PLAN_BLANK_BASE', '2:6-2:8'],
  ['a file with only global ARGs', ['ARG A=1'], {}, 'PLAN_NO_STAGES', '1:1-1:1'],
  ['a bad substitution in FROM', ['FROM ${B:?nobase}'], {}, 'SHELL_REQUIRED_VARIABLE', '1:6-1:18'],
  ['a bad substitution in a step, located in the word', ['FROM scratch', 'WORKDIR /a/${X:?set X}'], {}, 'SHELL_REQUIRED_VARIABLE', '2:12-2:23'],
  ['an EXPOSE that expands to a bad port', ['FROM scratch', 'ARG P=http', 'EXPOSE $P'], {}, 'INSTR_INVALID_PORT', '3:8-3:10'],
  ['a mount that expands to a bad value', ['FROM scratch', 'ARG U=root', 'RUN --mount=type=cache,target=/c,uid=$U ls'], {}, 'INSTR_MOUNT_INVALID_VALUE', '3:34-3:40'],
  ['a --platform that is no platform', ['ARG P=linux/arm64/v8/x', 'FROM --platform=$P scratch'], {}, 'PLAN_INVALID_PLATFORM', '2:17-2:19'],
  ['a --platform that expands to nothing', ['FROM --platform=$NOPE scratch'], {}, 'PLAN_INVALID_PLATFORM', '1:17-1:22'],
  ['a bad substitution in a stage ARG default', ['FROM scratch', 'ARG A B=${A:?need_A}'], {}, 'SHELL_REQUIRED_VARIABLE', '2:9-2:21'],
  ['a bad substitution in a global ARG default', ['ARG B=x${', 'FROM scratch'], {}, 'SHELL_MISSING_BRACE', '1:8-1:10'],
  ['a STOPSIGNAL that is no signal', ['FROM scratch', 'STOPSIGNAL SIGFOO'], {}, 'PLAN_INVALID_SIGNAL', '2:12-2:18'],
  ['a VOLUME that expands to nothing', ['FROM scratch', 'VOLUME $NOPE'], {}, 'INSTR_EMPTY_VOLUME', '2:8-2:13'],
];

for (const [name, lines, options, code, range] of errorRows) {
  test(`${code}: ${name}`, () => {
    const p = plan(lines, options);
    assert.equal(p.errors.length, 1, JSON.stringify(p.errors.map((e) => e.code)));
    assert.equal(p.errors[0]!.code, code);
    assert.equal(where(p.errors[0]!.range), range);
    assert.equal(p.errors[0]!.severity, 'error');
  });
}

const GRAPH = [
  'FROM alpine AS deps',          // 0
  'FROM scratch AS unused',       // 1
  'FROM deps AS build',           // 2: base is stage 0
  'RUN --mount=type=cache,target=/c --mount=from=tools,target=/t ls',
  'COPY --from=0 /a /a',
  'FROM busybox AS tools',        // 3: mounted from in 2? no: defined later -> order error if reached
  'FROM build AS final',          // 4
  'COPY --from=golang:1.22 /usr/local/go /go',
];

test('the target reaches its bases and what it copies or mounts from; the rest is pruned', () => {
  const p = plan(GRAPH.filter((l) => !l.includes('--mount=from=tools')).concat([]), {});
  assert.deepEqual(p.errors, []);
  assert.equal(p.target, 4);
  assert.equal(p.stageCount, 5);
  assert.deepEqual(p.stages.map((s) => [s.index, s.name]), [[0, 'deps'], [2, 'build'], [4, 'final']]);
  assert.deepEqual(p.stages[1]!.base, { type: 'stage', index: 0 });
  assert.deepEqual(p.stages[1]!.dependencies.map((d) => [d.index, d.via]), [[0, 'from'], [0, 'copy']]);
  const copy = p.stages[2]!.steps[0]!.instruction;
  assert.equal(copy.type === 'copy' && JSON.stringify(copy.from), JSON.stringify({ type: 'image', ref: 'golang:1.22' }));
});

test('a mount from a stage defined later is an order error; targeting that stage alone is fine', () => {
  const p = plan(GRAPH);
  assert.deepEqual(p.errors.map((e) => [e.code, where(e.range)]), [['PLAN_STAGE_ORDER', '4:42-4:62']]);
  const tools = plan(GRAPH, { target: 'tools' });
  assert.deepEqual(tools.errors, []);
  assert.deepEqual(tools.stages.map((s) => s.index), [3]);
});

test('mount sources resolve by name only (no indices), like BuildKit', () => {
  const p = plan(['FROM alpine AS a', 'FROM scratch', 'RUN --mount=from=a,target=/a --mount=from=0,target=/z --mount=type=tmpfs,target=/t ls']);
  const run = p.stages[1]!.steps[0]!.instruction;
  assert.ok(run.type === 'run');
  assert.deepEqual(run.mountSources, [{ type: 'stage', index: 0 }, { type: 'image', ref: '0' }, null]);
  assert.deepEqual(p.stages.map((s) => s.index), [0, 1]);
});

test('stage names are case-insensitive for --target and COPY --from', () => {
  const p = plan(['FROM alpine AS Base', 'FROM scratch AS out', 'COPY --from=BASE / /'], { target: 'OUT' });
  assert.deepEqual(p.errors, []);
  assert.deepEqual(p.stages.map((s) => [s.index, s.name]), [[0, 'base'], [1, 'out']]);
});

test('a FROM naming a later or the same stage means an image, not a stage', () => {
  const p = plan(['FROM later AS first', 'FROM scratch AS later']);
  assert.deepEqual(p.errors, []);
  assert.deepEqual(p.stages.map((s) => s.index), [1]);
  const q = plan(['FROM node AS node']);
  assert.deepEqual(q.stages[0]!.base, { type: 'image', ref: 'node' });
});

test('ONBUILD triggers of a base stage run first in the child, and count as its dependencies', () => {
  const p = plan(['FROM alpine AS assets', 'FROM scratch AS base', 'ONBUILD COPY --from=assets /x /x', 'ONBUILD RUN echo $V', 'FROM base', 'ENV V=1', 'RUN true']);
  const child = p.stages[p.stages.length - 1]!;
  assert.deepEqual(child.steps.map((s) => [s.instruction.type, s.onbuild]), [['copy', true], ['run', true], ['env', false], ['run', false]]);
  assert.deepEqual(child.dependencies.map((d) => [d.index, d.via]), [[1, 'from'], [0, 'copy']]);
  assert.deepEqual(p.stages.map((s) => s.index), [0, 1, 2]);
});

test('the stage description is BuildKit\'s doc comment (# name ...) above FROM', () => {
  const p = plan(['# base the runtime image', 'FROM alpine AS base', '# not a description', 'FROM base AS final']);
  assert.deepEqual(p.stages.map((s) => s.description), ['the runtime image', '']);
});
