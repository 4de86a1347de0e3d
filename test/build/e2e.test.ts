/**
 * The builder end to end: cache behaviour, errors, outputs, the CLI, reproducibility,
 * and built images run by podman.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SlipwayError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';
import { archiveConfig, cleanup, makeContext, podmanRun, run, runtimeConfig, slipway, storeRoot } from './harness.js';

after(cleanup);

const hello = readFileSync(path.join(repoRoot, 'examples', 'hello', 'Dockerfile'), 'utf8');
const stepsDone = (events: { type: string }[]) => events.filter((e): e is { type: 'step-done'; cached: boolean } & { type: string } => e.type === 'step-done');

test('examples/hello builds, runs in podman, and a rebuild is fully cached with the same image id', async () => {
  const ctx = makeContext({ Dockerfile: hello });
  const first = await slipway(ctx);
  assert.deepEqual(first.result.steps.map((s) => s.name), [
    '[base 1/1] COPY rootfs/ /',
    '[stage-1 1/2] COPY <<EOF /etc/motd',
    '[stage-1 2/2] RUN echo "hello from slipway" > /hello.txt  && busybox --list | wc -l > /applets.txt',
  ]);
  assert.equal(first.result.layers.length, 3);
  const config = runtimeConfig(await archiveConfig(first.archive));
  assert.deepEqual(config.Cmd, ['cat', '/hello.txt']);
  assert.deepEqual(config.ExposedPorts, { '8080/tcp': {} });
  assert.deepEqual(config.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'GREETING=hello']);
  const tag = `localhost/slipway-e2e-hello:${process.pid}`;
  await run('podman', ['load', '-q', '-i', first.archive]);
  await run('podman', ['tag', first.result.imageId.replace('sha256:', ''), tag]);
  try {
    assert.equal((await podmanRun(tag)).stdout, 'hello from slipway\n');
    assert.equal((await podmanRun(tag, ['cat', '/etc/motd'])).stdout, 'Welcome to slipway\n');
  } finally {
    await run('podman', ['rmi', '-f', tag]).catch(() => undefined);
  }
  const again = await slipway(ctx);
  assert.equal(again.result.imageId, first.result.imageId);
  assert.deepEqual(stepsDone(again.events).map((e) => e.cached), [true, true, true]);
});

test('a changed context file re-runs its COPY and every later step; --no-cache runs everything', async () => {
  const ctx = makeContext({ 'app.txt': 'v1', Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY app.txt /app.txt\nRUN cat /app.txt > /copy.txt\n' });
  await slipway(ctx);
  writeFileSync(path.join(ctx, 'app.txt'), 'v2');
  const changed = await slipway(ctx);
  assert.deepEqual(stepsDone(changed.events).map((e) => e.cached), [true, false, false]);
  const fresh = await slipway(ctx, { noCache: true });
  assert.deepEqual(stepsDone(fresh.events).map((e) => e.cached), [false, false, false]);
  assert.equal(fresh.result.layers[1]!.digest, changed.result.layers[1]!.digest, 'the same COPY gives the same layer');
});

test('a failing RUN stops the build with its exit code, location and last output lines', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nRUN echo first-line && echo second-line && echo to-stderr >&2 && exit 3\nRUN echo never\n' });
  const err = await slipway(ctx).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof SlipwayError);
  assert.equal(err.code, 'BUILD_RUN_FAILED');
  assert.match(err.message, /Dockerfile:3:1: /);
  assert.match(err.message, /exit code: 3/);
  // stdout and stderr are separate pipes: lines keep their order within a stream only.
  const lines = err.message.split('\n').slice(1);
  assert.deepEqual([...lines].sort(), ['  > first-line', '  > second-line', '  > to-stderr']);
  assert.ok(lines.indexOf('  > first-line') < lines.indexOf('  > second-line'));
});

test('a missing COPY source names the path and the line', async () => {
  const err = await slipway(makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nCOPY nope.txt /x\n' })).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof SlipwayError);
  assert.equal(err.code, 'CONTEXT_SOURCE_NOT_FOUND');
  assert.match(err.message, /Dockerfile:3:1: .*nope\.txt/);
});

test('FROM an image in the store, ONBUILD triggers of a base stage, SOURCE_DATE_EPOCH reproducibility', async () => {
  const base = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nRUN echo base > /base.txt\nONBUILD RUN echo from-image > /img-trigger\n' });
  await slipway(base, { outputs: [{ type: 'image', names: ['localhost/e2e-base:1'], push: false, compression: 'gzip' }] });
  const child = makeContext({ Dockerfile: 'FROM localhost/e2e-base:1 AS p\nONBUILD RUN cat /base.txt > /triggered\nFROM p\nRUN cat /triggered /img-trigger > /seen\n' }, false);
  const built = await slipway(child, { sourceDateEpoch: 1700000000, noCache: true });
  const names = built.result.steps.map((s) => s.name);
  assert.ok(names.some((n) => n.includes('ONBUILD RUN cat /base.txt')), names.join('\n'));
  assert.ok(names.some((n) => n.includes('ONBUILD RUN echo from-image')), names.join('\n'));
  const config = await archiveConfig(built.archive);
  assert.equal((config.config as { OnBuild?: string[] }).OnBuild, undefined, 'triggers do not carry over');
  const again = await slipway(child, { sourceDateEpoch: 1700000000, noCache: true });
  assert.equal(again.result.imageId, built.result.imageId, 'byte-identical image with the same SOURCE_DATE_EPOCH');
  assert.equal(config.created, '2023-11-14T22:13:20Z');
});

test('CLI: -q prints the image id; --iidfile, --metadata-file, -o type=oci; usage errors exit 2', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nLABEL a=b\n' });
  const out = mkdtempSync(path.join(ctx, 'out-'));
  const env = { SLIPWAY_ROOT: storeRoot };
  const r = await runCli(['build', '-q', '--label', 'from=cli', '--iidfile', `${out}/iid`, '--metadata-file', `${out}/meta.json`, '-o', `type=oci,dest=${out}/img.tar`, '-t', 'cli:test', ctx], { env });
  assert.equal(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  assert.match(id, /^sha256:[a-f0-9]{64}$/);
  assert.equal(readFileSync(`${out}/iid`, 'utf8'), id);
  const meta = JSON.parse(readFileSync(`${out}/meta.json`, 'utf8')) as Record<string, string>;
  assert.equal(meta['containerimage.config.digest'], id);
  assert.match(meta['containerimage.digest']!, /^sha256:/);
  const inspected = JSON.parse((await run('skopeo', ['inspect', '--config', `oci-archive:${out}/img.tar`])).stdout) as { config: { Labels: Record<string, string> } };
  assert.deepEqual(inspected.config.Labels, { a: 'b', from: 'cli' });
  const u = await runCli(['build', '-q', '-o', `type=oci,dest=${out}/unc.tar,compression=uncompressed`, ctx], { env });
  assert.equal(u.code, 0, u.stderr);
  const raw = JSON.parse((await run('skopeo', ['inspect', '--raw', `oci-archive:${out}/unc.tar`])).stdout) as { layers: { mediaType: string }[] };
  assert.deepEqual(raw.layers.map((l) => l.mediaType), ['application/vnd.oci.image.layer.v1.tar']);
  assert.equal((await runCli(['build'], { env })).code, 2);
  assert.equal((await runCli(['build', '-o', 'type=nope', ctx], { env })).code, 2);
  assert.equal((await runCli(['build', '--secret', 'src=x', ctx], { env })).code, 2);
  assert.equal((await runCli(['build', '--target', 'missing', ctx], { env })).code, 1);
});

test('CLI: a context tar on stdin', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/bin/busybox /bin/busybox\nCMD ["/bin/busybox", "true"]\n' });
  const tar = (await run('tar', ['-C', ctx, '-cf', '-', '.'], { encoding: 'buffer', maxBuffer: 1 << 26 })).stdout;
  const r = await runCli(['build', '-q', '-'], { env: { SLIPWAY_ROOT: storeRoot }, stdin: tar });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^sha256:[a-f0-9]{64}\n$/);
});

test('ADD of a URL (127.0.0.1) with --checksum: 0600 file named after the URL; a wrong checksum fails', async () => {
  const { createServer } = await import('node:http');
  const { createHash } = await import('node:crypto');
  const body = 'downloaded body\n';
  const server = createServer((_req, res) => { res.writeHead(200, { 'last-modified': 'Tue, 14 Nov 2023 22:13:20 GMT' }); res.end(body); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const sum = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const ok = makeContext({ Dockerfile: `FROM scratch\nCOPY rootfs/ /\nADD --checksum=${sum} http://127.0.0.1:${port}/files/data.txt /dl/\n` });
    const built = await slipway(ok);
    const { unpack, tree } = await import('./harness.js');
    const root = await unpack(built.archive);
    assert.equal(readFileSync(path.join(root, 'dl', 'data.txt'), 'utf8'), body);
    assert.ok(tree(root).some((e) => e.startsWith('f dl/data.txt 600 0:0 ')));
    const bad = makeContext({ Dockerfile: `FROM scratch\nCOPY rootfs/ /\nADD --checksum=sha256:${'0'.repeat(64)} http://127.0.0.1:${port}/files/data.txt /dl/\n` });
    const err = await slipway(bad).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SlipwayError);
    assert.equal(err.code, 'BUILD_CHECKSUM_MISMATCH');
  } finally {
    server.close();
  }
});

test('independent stages run at the same time; the target waits for both', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch AS base\nCOPY rootfs/ /\nFROM base AS a\nRUN sleep 1 && echo a > /a\nFROM base AS b\nRUN sleep 1 && echo b > /b\nFROM base\nCOPY --from=a /a /a\nCOPY --from=b /b /b\n' });
  const built = await slipway(ctx, { noCache: true });
  const order = built.events.flatMap((e) => (e.type === 'step-start' || e.type === 'step-done' ? [`${e.type} ${built.result.steps.find((s) => s.id === e.id)?.name ?? e.id}`] : []));
  const startA = order.indexOf('step-start [a 1/1] RUN sleep 1 && echo a > /a');
  const startB = order.indexOf('step-start [b 1/1] RUN sleep 1 && echo b > /b');
  const firstDone = order.findIndex((x) => x.startsWith('step-done [a 1/1]') || x.startsWith('step-done [b 1/1]'));
  assert.ok(startA >= 0 && startB >= 0 && startA < firstDone && startB < firstDone, order.join('\n'));
  assert.ok(order.indexOf('step-start [stage-3 1/2] COPY --from=a /a /a') > firstDone);
});

test('build cache pruning: entries whose blob is gone and their kept dirs go; --all empties the cache', async () => {
  const { Store } = await import('../../src/store/index.js');
  const { pruneBuildCache } = await import('../../src/build/prune.js');
  const root = mkdtempSync(path.join(storeRoot, '..', 'prune-'));
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nRUN --mount=type=cache,target=/c echo x > /c/x && echo y > /y\n' });
  const { build } = await import('../../src/build/index.js');
  const built = await build({ context: ctx, root });
  const store = await Store.open({ root });
  assert.deepEqual(await pruneBuildCache(store), { entries: 0, diffDirs: 0, cacheMounts: 0 });
  await store.deleteBlob(built.layers[1]!.digest as never);
  assert.deepEqual(await pruneBuildCache(store), { entries: 1, diffDirs: 1, cacheMounts: 0 });
  const again = await build({ context: ctx, root, onProgress: () => undefined });
  assert.deepEqual(again.steps.map((s) => s.cached), [true, false]);
  assert.deepEqual(await pruneBuildCache(store, { all: true }), { entries: 2, diffDirs: 2, cacheMounts: 1 });
});

test('slipway prune -a empties the build cache: the next build runs every step again', async () => {
  const root = mkdtempSync(path.join(storeRoot, '..', 'prune-cli-'));
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nRUN --mount=type=cache,target=/c echo x > /c/x && echo y > /y\n' });
  const env = { SLIPWAY_ROOT: root };
  const { build } = await import('../../src/build/index.js');
  await build({ context: ctx, root });
  const cached = await build({ context: ctx, root, onProgress: () => undefined });
  assert.deepEqual(cached.steps.map((s) => s.cached), [true, true]);
  const r = await runCli(['prune', '-a'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^deleted build cache entries: 2$/m);
  assert.match(r.stdout, /^deleted RUN cache mounts: 1$/m);
  const again = await build({ context: ctx, root, onProgress: () => undefined });
  assert.deepEqual(again.steps.map((s) => s.cached), [false, false]);
});
