import { test } from 'node:test';
import assert from 'node:assert/strict';
import { neededStages, stageLabel } from '../../src/build/ids.js';
import { planGraph } from '../../src/build/plantext.js';
import { stepName } from '../../src/build/stage.js';

const platform = { os: 'linux', architecture: 'amd64' };
const plan = (text: string, target?: string) => planGraph(text, { file: 'Dockerfile', buildArgs: {}, platform, ...(target ? { target } : {}) });
const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as { code: string }).code; } return undefined; };

test('the plan becomes executor steps: config changes, RUN forms and heredocs, COPY flags, mounts', () => {
  const g = plan(`FROM scratch AS base
ENV A=1
RUN echo "$A"
RUN ["/bin/echo", "exec"]
RUN <<EOF
echo plain heredoc
EOF
RUN <<EOF
#!/bin/sh
echo script
EOF
RUN --mount=type=cache,target=/c --mount=type=secret,id=s,env=S --network=none true
COPY --chown=1:2 --chmod=644 --exclude=*.md a b /d/
FROM base
COPY --from=base --parents x/./y /z/
`);
  const [base, final] = g.stages;
  assert.deepEqual(base!.steps.map((s) => s.kind), ['config', 'run', 'run', 'run', 'run', 'run', 'copy']);
  const runs = base!.steps.filter((s) => s.kind === 'run');
  assert.deepEqual(runs.map((r) => [r.shellForm, r.args, r.script ?? null]), [
    [true, ['echo "$A"'], null],
    [false, ['/bin/echo', 'exec'], null],
    [true, ['echo plain heredoc\n'], null],
    [false, ['<<EOF'], { name: 'EOF', data: '#!/bin/sh\necho script\n' }],
    [true, ['true'], null],
  ]);
  const mounts = runs[4]!.mounts;
  assert.deepEqual(mounts.map((m) => m.type), ['cache', 'secret']);
  assert.equal(runs[4]!.network, 'none');
  const copy = base!.steps[6]!;
  assert.ok(copy.kind === 'copy');
  assert.deepEqual([copy.sources, copy.dest, copy.chown, copy.chmod, copy.exclude], [['a', 'b'], '/d/', '1:2', '644', ['*.md']]);
  const last = final!.steps[0]!;
  assert.ok(last.kind === 'copy' && last.parents && last.from.type === 'stage' && last.from.index === 0);
  assert.deepEqual(final!.deps, [0]);
});

test('stage labels, progress names, needed stages, and plan errors as located codes', () => {
  const g = plan('FROM scratch AS a\nFROM scratch AS unused\nFROM a\nRUN true\n');
  assert.deepEqual(neededStages(g), [0, 2]);
  assert.deepEqual([stageLabel(g, 0), stageLabel(g, 2)], ['a', 'stage-2']);
  assert.equal(stageLabel(plan('FROM scratch\n'), 0), '');
  assert.equal(stepName('a', 2, 12, 'RUN x'), '[a  2/12] RUN x');
  assert.equal(stepName('', 1, 3, 'COPY . /'), '[1/3] COPY . /');
  assert.equal(code(() => plan('FROM scratch\nCOPY\n')), 'BUILD_DOCKERFILE_ERROR');
  assert.equal(code(() => plan('FROM scratch AS a\n', 'nope')), 'BUILD_UNKNOWN_TARGET');
});
