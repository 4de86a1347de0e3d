// Where the plan expands words (as BuildKit) and where it leaves them to the shell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plan } from './helpers.js';

const steps = (lines: string[]) => {
  const p = plan(['FROM scratch', 'ARG V=val', 'ENV E=env', ...lines]);
  assert.deepEqual(p.errors, []);
  return p.stages[0]!.steps.slice(2).map((s) => s.instruction);
};

test('expanded: ENV, LABEL, WORKDIR, USER, VOLUME, STOPSIGNAL, EXPOSE', () => {
  assert.deepEqual(steps([
    'ENV K_$V=$E', 'LABEL "$V"="$E x"', 'WORKDIR /w/$V', 'USER $V:$E', 'VOLUME ["/$V", "/b"]', 'STOPSIGNAL SIG${V:+TERM}',
    'ARG PORTS="80 443/udp"', 'EXPOSE $PORTS 8080',
  ]), [
    { type: 'env', pairs: [{ key: 'K_val', value: 'env' }] },
    { type: 'label', pairs: [{ key: 'val', value: 'env x' }] },
    { type: 'workdir', path: '/w/val' },
    { type: 'user', user: 'val:env' },
    { type: 'volume', volumes: ['/val', '/b'] },
    { type: 'stopsignal', signal: 'SIGTERM' },
    { type: 'arg', args: [{ name: 'PORTS', value: '80 443/udp' }] },
    { type: 'expose', ports: [{ start: 80, end: 80, protocol: 'tcp' }, { start: 443, end: 443, protocol: 'udp' }, { start: 8080, end: 8080, protocol: 'tcp' }] },
  ]);
});

test('expanded: COPY/ADD sources, dest, --chown, --chmod, --checksum, --exclude; --from never', () => {
  const [copy, add] = steps(['COPY --chown=$V --chmod=${V:+0755} --exclude=*.$V src/$V "/dst/$E/"', 'ADD --checksum=sha256:$V https://x/$V.tgz /opt/']);
  assert.ok(copy?.type === 'copy' && add?.type === 'add');
  assert.deepEqual([copy.sources, copy.dest, copy.chown, copy.chmod, copy.exclude], [['src/val'], '/dst/env/', 'val', '0755', ['*.val']]);
  assert.deepEqual([add.sources, add.dest, add.checksum], [['https://x/val.tgz'], '/opt/', 'sha256:val']);
});

test('expanded: unquoted heredoc sources of COPY (quotes kept as data); quoted ones are literal', () => {
  const [a, b] = steps(['COPY <<EOF /a', 'say "$V" and \'$E\' \\$V', 'EOF', 'COPY <<"EOF" /b', 'say $V', 'EOF']);
  assert.ok(a?.type === 'copy' && b?.type === 'copy');
  assert.deepEqual(a.inline, [{ path: 'EOF', data: 'say "val" and \'env\' $V\n' }]);
  assert.deepEqual(b.inline, [{ path: 'EOF', data: 'say $V\n' }]);
});

test('expanded: RUN --mount values; not the RUN command or its heredoc', () => {
  const [run, hd] = steps(['RUN --mount=type=cache,target=/c/$V,id=$E echo $V "$E"', 'RUN <<EOT', 'echo $V', 'EOT']);
  assert.ok(run?.type === 'run' && hd?.type === 'run');
  assert.deepEqual(run.command.form === 'shell' && run.command.command.value, 'echo $V "$E"');
  assert.deepEqual(run.mounts.map((m) => m.type === 'cache' && [m.target, m.id]), [['/c/val', 'env']]);
  assert.equal(hd.files[0]!.data, 'echo $V\n');
});

test('not expanded: CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD, MAINTAINER', () => {
  const out = steps(['CMD echo $V', 'ENTRYPOINT ["run", "$V"]', 'SHELL ["/bin/$V", "-c"]', 'HEALTHCHECK CMD test $V', 'ONBUILD RUN echo $V', 'MAINTAINER $V']);
  assert.deepEqual(out.map((i) => i.type), ['cmd', 'entrypoint', 'shell', 'healthcheck', 'onbuild', 'maintainer']);
  const [cmd, ep, shell, hc, ob, mt] = out;
  assert.equal(cmd?.type === 'cmd' && cmd.command.form === 'shell' && cmd.command.command.value, 'echo $V');
  assert.deepEqual(ep?.type === 'entrypoint' && ep.command.form === 'exec' && ep.command.args.map((a) => a.value), ['run', '$V']);
  assert.deepEqual(shell?.type === 'shell' && shell.shell, ['/bin/$V', '-c']);
  assert.deepEqual(hc?.type === 'healthcheck' && hc.instruction.check.type === 'cmd' && hc.instruction.check.test, ['CMD-SHELL', 'test $V']);
  assert.equal(ob?.type === 'onbuild' && ob.expression, 'RUN echo $V');
  assert.equal(mt?.type === 'maintainer' && mt.maintainer, '$V');
});

test('WORKDIR is normalised against the previous one; steps record it', () => {
  const p = plan(['FROM scratch', 'WORKDIR app', 'WORKDIR ../srv/./x', 'WORKDIR /abs//y/', 'RUN pwd']);
  assert.deepEqual(p.stages[0]!.steps.map((s) => s.workdir), ['/', '/app', '/srv/x', '/abs/y/']);
});

test('the escape directive applies to expansion', () => {
  const p = plan(['# escape=`', 'FROM scratch', 'ENV A=x B=`$A C=\\$A']);
  const env = p.stages[0]!.steps[0]!.instruction;
  assert.deepEqual(env.type === 'env' && env.pairs.map((x) => x.value), ['x', '$A', '\\']);
});

test('steps report the unset variables they referenced (for UndefinedVar)', () => {
  const p = plan(['FROM scratch', 'ARG A', 'LABEL x=$A$B y=${C:-d}']);
  assert.deepEqual(p.stages[0]!.steps[1]!.unset, ['A', 'B', 'C']);
});
