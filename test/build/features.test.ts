/**
 * What this buildah lacks (heredocs, RUN --mount, COPY --parents/--exclude), checked
 * against expected trees written by hand, in images read back with skopeo + umoci.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { archiveConfig, cleanup, makeContext, slipway, tree, unpack } from './harness.js';

after(cleanup);

const ROOTFS = 'FROM scratch\nCOPY rootfs/ /\n';
const under = (entries: string[], ...prefixes: string[]) => entries.filter((e) => prefixes.some((p) => e.split(' ')[1]!.startsWith(p)));
const read = (root: string, p: string) => readFileSync(path.join(root, p), 'utf8');

test('heredocs: RUN scripts (plain, <<-, #! as a file), COPY of several heredocs, expansion unless quoted', async () => {
  const dockerfile = `${ROOTFS}RUN <<EOF
echo one > /h1
echo two >> /h1
EOF
RUN <<-EOT
\techo "tabbed" > /h2
\tEOT
RUN <<'EOF'
#!/bin/sh
echo "script $0" > /h3
EOF
COPY <<A <<B /docs/
alpha
A
beta
B
ARG NAME=world
COPY <<EOF /greet
hello $NAME
EOF
COPY <<'EOF' /raw
hello $NAME
EOF
`;
  const built = await slipway(makeContext({ Dockerfile: dockerfile }));
  const root = await unpack(built.archive);
  assert.equal(read(root, 'h1'), 'one\ntwo\n');
  assert.equal(read(root, 'h2'), 'tabbed\n');
  assert.equal(read(root, 'h3'), 'script /dev/pipes/EOF\n');
  assert.equal(read(root, 'greet'), 'hello world\n');
  assert.equal(read(root, 'raw'), 'hello $NAME\n');
  const t = tree(root);
  assert.deepEqual(under(t, 'docs', 'greet', 'raw', 'h1', 'h2', 'h3').map((e) => e.replace(/ [0-9a-f]{16}$/, '')), [
    'd docs 755 0:0',
    'f docs/A 644 0:0',
    'f docs/B 644 0:0',
    'f greet 644 0:0',
    'f h1 644 0:0',
    'f h2 644 0:0',
    'f h3 644 0:0',
    'f raw 644 0:0',
  ]);
  assert.equal(read(root, 'docs/A'), 'alpha\n');
  assert.equal(read(root, 'docs/B'), 'beta\n');
  const history = (await archiveConfig(built.archive)).history as { created_by: string }[];
  assert.ok(history.some((h) => h.created_by === 'COPY <<A <<B /docs/ # buildkit'));
});

test('RUN --mount: cache kept between builds, bind from a stage and the context, tmpfs, secrets never stored', async () => {
  const dockerfile = `FROM scratch AS base
COPY rootfs/ /
FROM base AS data
RUN mkdir /data && echo from-stage > /data/file
FROM base
RUN --mount=type=cache,target=/cache,id=features-c1 sh -c 'echo x >> /cache/log; wc -l < /cache/log > /cache-count'
RUN --mount=type=bind,from=data,source=/data,target=/mnt cat /mnt/file > /from-stage
RUN --mount=type=bind,source=ctxdir,target=/ctx cat /ctx/f > /from-context
RUN --mount=type=tmpfs,target=/scratch sh -c 'echo t > /scratch/t && ls /scratch > /tmpfs-list'
RUN --mount=type=secret,id=tok wc -c < /run/secrets/tok > /secret-len
RUN --mount=type=secret,id=tok,env=TOKEN sh -c 'echo \${#TOKEN} > /secret-env-len'
`;
  const ctx = makeContext({ Dockerfile: dockerfile, 'ctxdir/f': 'from-context\n', 'tok.txt': 's3cr3t-value' });
  const secrets = [{ type: 'file' as const, id: 'tok', src: path.join(ctx, 'tok.txt') }];
  const first = await slipway(ctx, { secrets, noCache: true });
  const root = await unpack(first.archive);
  assert.equal(read(root, 'cache-count'), '1\n');
  assert.equal(read(root, 'from-stage'), 'from-stage\n');
  assert.equal(read(root, 'from-context'), 'from-context\n');
  assert.equal(read(root, 'tmpfs-list'), 't\n');
  assert.equal(read(root, 'secret-len'), '12\n');
  assert.equal(read(root, 'secret-env-len'), '12\n');
  for (const gone of ['cache', 'mnt', 'ctx', 'scratch', 'run/secrets']) assert.equal(existsSync(path.join(root, gone)), false, gone);
  assert.equal(readFileSync(first.archive).includes('s3cr3t-value'), false, 'the secret is in no layer and no history');
  const second = await slipway(ctx, { secrets, noCache: true });
  assert.equal(read(await unpack(second.archive), 'cache-count'), '2\n');
});

test('RUN --mount=type=bind,rw: writes are seen by the step and discarded, never reach the context or a cached stage', async () => {
  const dockerfile = `FROM scratch AS base
COPY rootfs/ /
FROM base AS data
RUN mkdir /data && echo kept > /data/file
FROM base
RUN --mount=type=bind,source=ctxdir,target=/ctx,rw sh -c 'echo new > /ctx/added; rm /ctx/f; echo changed > /ctx/g; ls /ctx > /ctx-list'
RUN --mount=type=bind,from=data,source=/data,target=/mnt,rw sh -c 'rm /mnt/file; echo x > /mnt/y; ls /mnt > /stage-list'
RUN --mount=type=bind,from=data,source=/data,target=/again cat /again/file > /stage-after
RUN --mount=type=bind,source=ctxdir/g,target=/one,rw sh -c 'echo over > /one; cat /one > /one-seen'
`;
  const ctx = makeContext({ Dockerfile: dockerfile, 'ctxdir/f': 'f\n', 'ctxdir/g': 'g\n' });
  const built = await slipway(ctx, { noCache: true });
  const root = await unpack(built.archive);
  assert.equal(read(root, 'ctx-list'), 'added\ng\n');
  assert.equal(read(root, 'stage-list'), 'y\n');
  assert.equal(read(root, 'stage-after'), 'kept\n', 'the stage a rw mount wrote to is unchanged');
  assert.equal(read(root, 'one-seen'), 'over\n');
  for (const gone of ['ctx', 'mnt', 'one']) assert.equal(existsSync(path.join(root, gone)), false, gone);
  assert.equal(readFileSync(path.join(ctx, 'ctxdir/f'), 'utf8'), 'f\n');
  assert.equal(readFileSync(path.join(ctx, 'ctxdir/g'), 'utf8'), 'g\n');
  assert.equal(existsSync(path.join(ctx, 'ctxdir/added')), false);
});

test('RUN --mount=type=cache: sharing=private gives concurrent writers their own instance; readonly refuses writes', async () => {
  const id = `private-${process.pid}`;
  const dockerfile = `FROM scratch AS base
COPY rootfs/ /
FROM base AS a
RUN --mount=type=cache,id=${id},sharing=private,target=/c sh -c 'echo a > /c/a; sleep 2; ls /c > /seen'
FROM base AS b
RUN --mount=type=cache,id=${id},sharing=private,target=/c sh -c 'echo b > /c/b; sleep 2; ls /c > /seen'
FROM base
COPY --from=a /seen /a-seen
COPY --from=b /seen /b-seen
RUN --mount=type=cache,id=${id},target=/c,readonly sh -c 'touch /c/x 2>/dev/null && echo rw > /ro || echo ro > /ro'
`;
  const ctx = makeContext({ Dockerfile: dockerfile });
  const root = await unpack((await slipway(ctx, { noCache: true })).archive);
  assert.equal(read(root, 'a-seen'), 'a\n', 'stage a saw only its own write');
  assert.equal(read(root, 'b-seen'), 'b\n', 'stage b saw only its own write');
  assert.equal(read(root, 'ro'), 'ro\n');
});

test('RUN --mount=type=cache,from=: a new cache starts with the stage\'s files, an existing one keeps its own', async () => {
  const id = `seeded-${process.pid}`;
  const dockerfile = `FROM scratch AS base
COPY rootfs/ /
FROM base AS data
RUN mkdir -p /data/sub && echo a > /data/a && echo b > /data/sub/b && chown 1000:1000 /data/a
FROM base
RUN --mount=type=cache,id=${id},from=data,source=/data,target=/c sh -c 'stat -c "%n %u:%g %a" /c/a /c/sub > /seeded; cat /c/sub/b >> /seeded; echo more > /c/more; rm /c/a'
RUN --mount=type=cache,id=${id},from=data,source=/data,target=/c ls /c > /after
`;
  const ctx = makeContext({ Dockerfile: dockerfile });
  const root = await unpack((await slipway(ctx, { noCache: true })).archive);
  assert.equal(read(root, 'seeded'), '/c/a 1000:1000 644\n/c/sub 0:0 755\nb\n');
  assert.equal(read(root, 'after'), 'more\nsub\n', 'not seeded again: a stays deleted');
});

test('RUN --mount=type=ssh forwards an agent socket (--ssh ID=SOCKET) through a proxy with the mount\'s mode and owner', async () => {
  const { parseSsh, sshProxy } = await import('../../src/build/ssh.js');
  const net = await import('node:net');
  const ctx = makeContext({ Dockerfile: `FROM scratch
COPY rootfs/ /
RUN --mount=type=ssh sh -c 'test -S "$SSH_AUTH_SOCK" && echo "$SSH_AUTH_SOCK" > /sock && stat -c "%a %u" "$SSH_AUTH_SOCK" >> /sock'
RUN --mount=type=ssh,id=deploy,target=/keys.sock,mode=0660,uid=1000 sh -c 'stat -c "%a %u" /keys.sock > /deploy; echo "$SSH_AUTH_SOCK" >> /deploy'
RUN --mount=type=ssh,id=absent true
` });
  // An "agent" that answers every connection; the proxy must reach it.
  const agentPath = path.join(ctx, '..', `agent-${process.pid}.sock`);
  const agent = net.createServer((c) => c.end('agent says hi'));
  await new Promise<void>((r) => agent.listen(agentPath, () => r()));
  try {
    const ssh = [parseSsh('default', { SSH_AUTH_SOCK: agentPath }), parseSsh(`deploy=${agentPath}`, {})];
    const root = await unpack((await slipway(ctx, { ssh, noCache: true })).archive);
    assert.equal(read(root, 'sock'), '/run/buildkit/ssh_agent.0\n600 0\n');
    assert.equal(read(root, 'deploy'), '660 1000\n/keys.sock\n');
    assert.equal(existsSync(path.join(root, 'run/buildkit')), false, 'nothing of the mount stays in the layer');
    const proxyPath = path.join(ctx, '..', `proxy-${process.pid}.sock`);
    const proxy = await sshProxy(agentPath, proxyPath);
    const reply = await new Promise<string>((res, rej) => {
      let got = '';
      net.connect(proxyPath).on('data', (d) => { got += d; }).on('end', () => res(got)).on('error', rej);
    });
    proxy.close();
    assert.equal(reply, 'agent says hi');
    const err = await slipway(makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nRUN --mount=type=ssh,required=true true\n' })).then(() => undefined, (e: unknown) => e);
    assert.equal((err as { code?: string }).code, 'BUILD_SSH_MISSING');
    assert.throws(() => parseSsh(`k=${path.join(ctx, 'Dockerfile')}`, {}), (e: { code?: string }) => e.code === 'BUILD_BAD_SSH');
  } finally {
    agent.close();
  }
});

test('COPY --link: a layer made apart from the layers below, cached apart from them', async () => {
  const dockerfile = `FROM scratch
COPY rootfs/ /
ARG BASE=one
RUN mkdir -m 700 /app && echo $BASE > /app/base
COPY --link f /app/new
RUN ls -ld /app | cut -c1-10 > /app-mode
`;
  const ctx = makeContext({ Dockerfile: dockerfile, f: 'linked\n' });
  const first = await slipway(ctx, { noCache: true });
  const second = await slipway(ctx, { buildArgs: { BASE: 'two' } });
  const root = await unpack(second.archive);
  assert.equal(read(root, 'app/base'), 'two\n');
  assert.equal(read(root, 'app/new'), 'linked\n');
  assert.equal(read(root, 'app-mode'), 'drwxr-xr-x\n', 'the linked layer brings /app as 0755, as BuildKit');
  const linked = (b: typeof first) => b.result.layers[2]!.digest;
  assert.equal(linked(second), linked(first), 'the --link layer does not depend on the base');
  const copyStep = second.result.steps.find((s) => s.name.includes('COPY --link'));
  assert.ok(copyStep?.cached, 'and is a cache hit after the base changed');
  assert.equal(second.result.steps.find((s) => s.name.includes('ls -ld'))?.cached, false, 'later steps still run on the new base');
});

test('COPY --parents keeps paths (from the root or a /./ pivot); --exclude leaves files out', async () => {
  const dockerfile = `${ROOTFS}COPY --parents a/*/f.txt /out/\nCOPY --parents x/./y/z.txt /pivot/\nCOPY --exclude=*.md --exclude=sub/skip docs/ /docs/\n`;
  const files = { 'a/1/f.txt': '1', 'a/2/f.txt': '2', 'a/2/g.txt': 'g', 'x/y/z.txt': 'z', 'docs/readme.md': 'r', 'docs/keep.txt': 'k', 'docs/sub/skip/s': 's', 'docs/sub/ok': 'o', Dockerfile: dockerfile };
  const root = await unpack((await slipway(makeContext(files))).archive);
  assert.deepEqual(under(tree(root), 'out', 'pivot', 'docs').map((e) => e.replace(/ [0-9a-f]{16}$/, '')), [
    'd docs 755 0:0',
    'f docs/keep.txt 644 0:0',
    'd docs/sub 755 0:0',
    'f docs/sub/ok 644 0:0',
    'd out 755 0:0',
    'd out/a 755 0:0',
    'd out/a/1 755 0:0',
    'f out/a/1/f.txt 644 0:0',
    'd out/a/2 755 0:0',
    'f out/a/2/f.txt 644 0:0',
    'd pivot 755 0:0',
    'd pivot/y 755 0:0',
    'f pivot/y/z.txt 644 0:0',
  ]);
});

test('proxy build args reach RUN without an ARG and are not part of its cache key (BuildKit\'s ProxyEnv); a declared one is', async () => {
  const ctx = makeContext({ Dockerfile: `${ROOTFS}RUN echo "proxy=$http_proxy" > /proxy.txt\n` });
  const first = await slipway(ctx, { buildArgs: { http_proxy: 'http://proxy-a:3128' } });
  assert.equal(read(await unpack(first.archive), 'proxy.txt'), 'proxy=http://proxy-a:3128\n');
  const second = await slipway(ctx, { buildArgs: { http_proxy: 'http://proxy-b:3128' } });
  assert.deepEqual(second.result.steps.map((s) => s.cached), [true, true], 'another proxy: same result, cached');
  const config = await archiveConfig(second.archive);
  assert.doesNotMatch(JSON.stringify(config.history), /proxy-[ab]/, 'nor in history');

  const declared = makeContext({ Dockerfile: `${ROOTFS}ARG http_proxy\nRUN echo "proxy=$http_proxy" > /proxy.txt\n` });
  await slipway(declared, { buildArgs: { http_proxy: 'http://proxy-a:3128' } });
  const changed = await slipway(declared, { buildArgs: { http_proxy: 'http://proxy-b:3128' } });
  assert.deepEqual(changed.result.steps.map((s) => s.cached), [true, false], 'declared with ARG, it is a build arg like any other');
  assert.equal(read(await unpack(changed.archive), 'proxy.txt'), 'proxy=http://proxy-b:3128\n');
});
