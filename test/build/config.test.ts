import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyConfig, copyCreatedBy, emptyImage, exposedPorts, resolveWorkdir, runCreatedBy, startStage, type ConfigInstruction, type ImageState } from '../../src/build/config.js';
import { goDuration, goQuote } from '../../src/build/gofmt.js';

const plat = { os: 'linux', architecture: 'amd64' };
function run(ins: ConfigInstruction[], from: ImageState = startStage(emptyImage(plat))): ImageState {
  return ins.reduce((s, i) => applyConfig(s, i), from);
}

test('a stage from scratch gets PATH; ONBUILD and created are not inherited', () => {
  const base = emptyImage(plat);
  base.created = '2020-01-01T00:00:00Z';
  base.config = { OnBuild: ['RUN x'], Env: ['A=1'] };
  const s = startStage(base);
  assert.deepEqual(s.image.config, { Env: ['A=1', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] });
  assert.equal(s.image.created, undefined);
  assert.deepEqual(base.config.OnBuild, ['RUN x'], 'the base is not modified');
});

test('CMD/ENTRYPOINT: shell form through SHELL, ENTRYPOINT resets an inherited CMD only', () => {
  const base = run([{ type: 'CMD', args: ['echo base'], shell: true }]);
  assert.deepEqual(base.image.config?.Cmd, ['/bin/sh', '-c', 'echo base']);
  const child = run([{ type: 'ENTRYPOINT', args: ['/bin/app'], shell: false }], { image: base.image, cmdSet: false });
  assert.equal(child.image.config?.Cmd, null);
  const same = run([{ type: 'CMD', args: ['a'], shell: false }, { type: 'ENTRYPOINT', args: ['e'], shell: false }]);
  assert.deepEqual(same.image.config?.Cmd, ['a']);
  assert.deepEqual(same.image.config?.Entrypoint, ['e']);
  const sh = run([{ type: 'SHELL', shell: ['/bin/bash', '-eu', '-c'] }, { type: 'ENTRYPOINT', args: ['run', '"$X"'], shell: true }]);
  assert.deepEqual(sh.image.config?.Entrypoint, ['/bin/bash', '-eu', '-c', 'run "$X"']);
  assert.deepEqual(sh.image.history?.map((h) => h.created_by), ['SHELL [/bin/bash -eu -c]', 'ENTRYPOINT ["/bin/bash" "-eu" "-c" "run \\"$X\\""]']);
});

test('ENV replaces in place, LABEL/EXPOSE/VOLUME/USER/STOPSIGNAL land in config with BuildKit history text', () => {
  const s = run([
    { type: 'ENV', pairs: [['A', '1'], ['PATH', '/x']] },
    { type: 'LABEL', pairs: [['l', 'v w']] },
    { type: 'EXPOSE', ports: ['80', '53/UDP', '8000-8001'] },
    { type: 'VOLUME', volumes: ['/data', '/logs'] },
    { type: 'USER', user: 'app:app' },
    { type: 'STOPSIGNAL', signal: 'SIGINT' },
    { type: 'ARG', args: [{ key: 'V', value: '2' }, { key: 'W' }] },
    { type: 'MAINTAINER', name: 'me' },
    { type: 'ONBUILD', expression: 'RUN echo hi' },
  ]);
  const c = s.image.config!;
  assert.deepEqual(c.Env, ['PATH=/x', 'A=1']);
  assert.deepEqual(c.Labels, { l: 'v w' });
  assert.deepEqual(Object.keys(c.ExposedPorts!), ['80/tcp', '53/udp', '8000/tcp', '8001/tcp']);
  assert.deepEqual(Object.keys(c.Volumes!), ['/data', '/logs']);
  assert.equal(c.User, 'app:app');
  assert.equal(c.StopSignal, 'SIGINT');
  assert.deepEqual(c.OnBuild, ['RUN echo hi']);
  assert.equal(s.image.author, 'me');
  assert.deepEqual(s.image.history?.map((h) => [h.created_by, h.empty_layer, h.comment]), [
    ['ENV A=1 PATH=/x', true, 'buildkit.dockerfile.v0'],
    ['LABEL l=v w', true, 'buildkit.dockerfile.v0'],
    ['EXPOSE [80/tcp 53/udp 8000/tcp 8001/tcp]', true, 'buildkit.dockerfile.v0'],
    ['VOLUME [/data /logs]', true, 'buildkit.dockerfile.v0'],
    ['USER app:app', true, 'buildkit.dockerfile.v0'],
    ['STOPSIGNAL SIGINT', true, 'buildkit.dockerfile.v0'],
    ['ARG V=2 W', true, 'buildkit.dockerfile.v0'],
    ['MAINTAINER me', true, 'buildkit.dockerfile.v0'],
  ]);
});

test('HEALTHCHECK stores nanoseconds, omits zero fields, and prints %+v history', () => {
  const s = run([{ type: 'HEALTHCHECK', health: { Test: ['CMD-SHELL', 'curl -f http://x/'], Interval: 30e9, Timeout: 5e9, Retries: 3 } }]);
  assert.deepEqual(s.image.config?.Healthcheck, { Test: ['CMD-SHELL', 'curl -f http://x/'], Interval: 30e9, Timeout: 5e9, Retries: 3 });
  assert.equal(s.image.history?.[0]?.created_by, 'HEALTHCHECK {Test:[CMD-SHELL curl -f http://x/] Interval:30s Timeout:5s StartPeriod:0s StartInterval:0s Retries:3}');
});

test('errors are values with codes', () => {
  const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as { code: string }).code; } return undefined; };
  assert.equal(code(() => exposedPorts(['80/xyz'])), 'BUILD_BAD_EXPOSE');
  assert.equal(code(() => exposedPorts(['70000'])), 'BUILD_BAD_EXPOSE');
  assert.equal(code(() => run([{ type: 'VOLUME', volumes: [''] }])), 'BUILD_EMPTY_VOLUME');
  assert.equal(code(() => run([{ type: 'STOPSIGNAL', signal: 'not a signal' }])), 'BUILD_BAD_SIGNAL');
});

test('history texts for RUN/COPY, workdir resolution, Go formatting', () => {
  assert.equal(runCreatedBy(['/bin/sh', '-c', 'echo hi'], [['A', '1'], ['B', '2'], ['A', '3']]), 'RUN |2 A=3 B=2 /bin/sh -c echo hi # buildkit');
  assert.equal(runCreatedBy(['ls'], []), 'RUN ls # buildkit');
  assert.equal(copyCreatedBy({ add: false, chown: 'a:b', chmod: '755', sources: ['x', 'y'], heredocs: ['EOF'], dest: '/d/' }), 'COPY --chown=a:b --chmod=755 x y <<EOF /d/ # buildkit');
  assert.equal(resolveWorkdir('/a', 'b/../c'), '/a/c');
  assert.equal(resolveWorkdir(undefined, 'x'), '/x');
  assert.equal(resolveWorkdir('/a', '/z/'), '/z');
  assert.deepEqual([goDuration(0), goDuration(1500), goDuration(2.5e6), goDuration(90e9), goDuration(3600e9), goDuration(1.5e9)], ['0s', '1.5µs', '2.5ms', '1m30s', '1h0m0s', '1.5s']);
  assert.equal(goQuote('a"b\\c\n\x01é'), '"a\\"b\\\\c\\n\\x01é"');
});
