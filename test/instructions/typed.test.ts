import { test } from 'node:test';
import assert from 'node:assert/strict';
import { typed, where } from './helpers.js';
import { formatGoDuration, parseGoDuration, type TypedInstruction } from '../../src/instructions/index.js';

function only<T extends TypedInstruction['type']>(lines: string[], type: T): Extract<TypedInstruction, { type: T }> {
  const r = typed(...lines);
  assert.deepEqual(r.errors, []);
  const found = r.instructions.filter((i) => i.type === type);
  assert.equal(found.length, 1);
  return found[0] as Extract<TypedInstruction, { type: T }>;
}

test('FROM: image, lowercased stage name with its range, platform flag', () => {
  const f = only(['FROM --platform=$BUILDPLATFORM golang:1.22 As Builder'], 'from');
  assert.equal(f.image.value, 'golang:1.22');
  assert.equal(f.stageName?.value, 'builder');
  assert.equal(where(f.stageName!.range), '1:47-1:54');
  assert.equal(f.platform?.value, '$BUILDPLATFORM');
});

test('RUN mounts get BuildKit defaults per type', () => {
  const run = only(['FROM a', 'RUN --mount=type=cache,target=/c --mount=target=/b,from=s,source=/x --mount=type=tmpfs,target=/t,size=64m --mount=type=secret,id=tok --mount=type=secret,id=k,env=K --mount=type=ssh,required ls'], 'run');
  assert.deepEqual(run.mounts.map((m) => m.mount), [
    { type: 'cache', target: '/c', id: '/c', sharing: 'shared', from: null, source: '', readOnly: false, mode: 0o755, uid: 0, gid: 0 },
    { type: 'bind', target: '/b', source: '/x', from: 's', readOnly: true },
    { type: 'tmpfs', target: '/t', size: 64 * 1024 * 1024 },
    { type: 'secret', id: 'tok', target: '/run/secrets/tok', env: null, required: false, mode: 0o400, uid: 0, gid: 0 },
    { type: 'secret', id: 'k', target: null, env: 'K', required: false, mode: 0o400, uid: 0, gid: 0 },
    { type: 'ssh', id: 'default', target: null, required: true, mode: 0o600, uid: 0, gid: 0 },
  ]);
  assert.equal(where(run.mounts[0]!.raw.range), '2:13-2:33');
});

test('RUN mounts: rw/ro words, secret id from target, values with $ are left for the plan', () => {
  const run = only(['FROM a', 'RUN --mount=target=/b,rw --mount=type=cache,target=/c,ro,sharing=LOCKED,mode=0700,uid=1000,gid=1000 --mount=type=secret,target=/etc/key --mount=type=cache,target=$HOME/.cache ls'], 'run');
  const [bind, cache, secret, deferred] = run.mounts.map((m) => m.mount);
  assert.equal(bind?.type === 'bind' && bind.readOnly, false);
  assert.deepEqual(cache, { type: 'cache', target: '/c', id: '/c', sharing: 'locked', from: null, source: '', readOnly: true, mode: 0o700, uid: 1000, gid: 1000 });
  assert.deepEqual(secret, { type: 'secret', id: 'key', target: '/etc/key', env: null, required: false, mode: 0o400, uid: 0, gid: 0 });
  assert.equal(deferred, null);
  assert.equal(run.mounts[3]!.raw.value, 'type=cache,target=$HOME/.cache');
});

test('RUN: network, security, exec and shell forms, heredoc files', () => {
  const run = only(['FROM a', 'RUN --network=none --security=insecure ["echo", "hi"]'], 'run');
  assert.equal(run.network, 'none');
  assert.equal(run.security, 'insecure');
  assert.deepEqual(run.command.form === 'exec' && run.command.args.map((a) => a.value), ['echo', 'hi']);
  const hd = only(['FROM a', 'RUN <<-EOT bash', '\techo $HOME', 'EOT'], 'run');
  assert.equal(hd.network, null);
  assert.deepEqual(hd.command.form === 'shell' && hd.command.command.value, '<<-EOT bash');
  assert.deepEqual(hd.files.map((f) => [f.name, f.data, f.chomp, f.quoted]), [['EOT', '\techo $HOME\n', true, false]]);
});

test('HEALTHCHECK: durations in nanoseconds, retries, test vector; NONE ignores flags', () => {
  const hc = only(['FROM a', 'HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=0 --start-interval=2s --retries=5 CMD curl -f http://localhost/'], 'healthcheck');
  assert.deepEqual(hc.check.type === 'cmd' && [hc.check.test, hc.check.interval, hc.check.timeout, hc.check.startPeriod, hc.check.startInterval, hc.check.retries],
    [['CMD-SHELL', 'curl -f http://localhost/'], 90e9, 500e6, 0, 2e9, 5]);
  const exec = only(['FROM a', 'HEALTHCHECK CMD ["/bin/check", "-q"]'], 'healthcheck');
  assert.deepEqual(exec.check.type === 'cmd' && [exec.check.test, exec.check.interval, exec.check.retries], [['CMD', '/bin/check', '-q'], 0, 0]);
  assert.deepEqual(only(['FROM a', 'HEALTHCHECK --bogus=1 NONE'], 'healthcheck').check, { type: 'none' });
});

test('COPY and ADD flags, heredoc sources (chomped, expand unless quoted), exec form', () => {
  const c = only(['FROM a', 'COPY --from=build --chown=app:app --chmod=0644 --link --parents --exclude=*.md --exclude=tmp <<EOF <<-"RAW" src/ /dst/', 'one $X', 'EOF', '\t\ttwo $X', 'RAW'], 'copy');
  assert.deepEqual([c.from?.value, c.chown?.value, c.chmod?.value, c.link, c.parents, c.exclude.map((w) => w.value)], ['build', 'app:app', '0644', true, true, ['*.md', 'tmp']]);
  assert.deepEqual(c.sources.map((w) => w.value), ['src/']);
  assert.equal(c.dest.value, '/dst/');
  assert.deepEqual(c.inline.map((s) => [s.path, s.data, s.expand]), [['EOF', 'one $X\n', true], ['RAW', 'two $X\n', false]]);
  const a = only(['FROM a', 'ADD --checksum=sha256:abc --keep-git-dir=false --unpack=true ["https://x/y.tar", "/opt/"]'], 'add');
  assert.deepEqual([a.checksum?.value, a.keepGitDir, a.unpack, a.link, a.json, a.sources.map((w) => w.value), a.dest.value], ['sha256:abc', false, true, false, true, ['https://x/y.tar'], '/opt/']);
  assert.equal(only(['FROM a', 'ADD x /y'], 'add').unpack, null);
});

test('EXPOSE specs; ports with $ are left for the plan', () => {
  const e = only(['FROM a', 'EXPOSE 80 443/UDP 8000-8002/sctp $PORT'], 'expose');
  assert.deepEqual(e.specs, [{ start: 80, end: 80, protocol: 'tcp' }, { start: 443, end: 443, protocol: 'udp' }, { start: 8000, end: 8002, protocol: 'sctp' }, null]);
});

test('ARG declarations and their descriptions; ENV/LABEL pairs keep quotes for expansion', () => {
  const arg = only(['FROM a', '# VERSION the release to build', 'ARG VERSION=1.0 "EMPTY"='], 'arg');
  assert.deepEqual(arg.args.map((a) => [a.name, a.value, a.description]), [['VERSION', '1.0', 'the release to build'], ['"EMPTY"', '', '']]);
  const env = only(['FROM a', 'ENV A="x y" B=$A'], 'env');
  assert.deepEqual(env.pairs.map((p) => [p.key.value, p.value.value]), [['A', '"x y"'], ['B', '$A']]);
});

test('ONBUILD keeps the trigger text (with heredocs) and types the trigger', () => {
  const ob = only(['FROM a', 'ONBUILD RUN echo hi'], 'onbuild');
  assert.equal(ob.expression, 'RUN echo hi');
  assert.equal(ob.trigger?.type, 'run');
  const hd = only(['FROM a', 'onbuild COPY <<EOF /x', 'data', 'EOF'], 'onbuild');
  assert.equal(hd.expression, 'COPY <<EOF /x\ndata\nEOF');
  assert.equal(hd.trigger?.type === 'copy' && hd.trigger.inline[0]?.data, 'data\n');
});

test('Go durations: accepted forms, rejected forms, formatting', () => {
  const ok: [string, number][] = [['0', 0], ['1h', 3600e9], ['1.5s', 1.5e9], ['1h2m3s', 3723e9], ['300ms', 3e8], ['2us', 2000], ['2µs', 2000], ['+5s', 5e9], ['-1m', -60e9], ['.5s', 5e8]];
  for (const [text, ns] of ok) assert.equal(parseGoDuration(text), ns, text);
  for (const bad of ['', '5', '1x', '1.s.', 's', '1h 2m', '--1s', '.s']) assert.equal(parseGoDuration(bad), undefined, bad);
  assert.deepEqual([90e9, 500e6, 0, 3723e9, 1500, 5].map(formatGoDuration), ['1m30s', '500ms', '0s', '1h2m3s', '1.5µs', '5ns']);
});
