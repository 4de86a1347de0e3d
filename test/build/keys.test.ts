/**
 * Step keys cover everything that changes a step's result (each case was a wrong CACHED hit).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanup, makeContext, slipway, unpack } from './harness.js';

after(cleanup);

const ROOTFS = 'FROM scratch\nCOPY rootfs/ /\n';
const image = (name: string) => ({ outputs: [{ type: 'image' as const, names: [name], push: false, compression: 'gzip' as const }] });

test('RUN --mount=type=cache: its owner and mode are part of the key', async () => {
  const ctx = makeContext({ Dockerfile: `${ROOTFS}RUN --mount=type=cache,id=keys-owner,target=/c,uid=1000 stat -c %u /c > /owner\n` });
  const first = await slipway(ctx);
  assert.equal(readFileSync(path.join(await unpack(first.archive), 'owner'), 'utf8'), '1000\n');
  writeFileSync(path.join(ctx, 'Dockerfile'), `${ROOTFS}RUN --mount=type=cache,id=keys-owner,target=/c,uid=1001 stat -c %u /c > /owner\n`);
  const second = await slipway(ctx);
  assert.deepEqual(second.result.steps.map((s) => s.cached), [true, false]);
  assert.equal(readFileSync(path.join(await unpack(second.archive), 'owner'), 'utf8'), '1001\n');
});

test('RUN --mount=from=<image> is keyed by the image, not its name', async () => {
  const src = makeContext({ Dockerfile: `${ROOTFS}RUN echo one > /v\n` });
  await slipway(src, image('localhost/keys-src:1'));
  const user = makeContext({ Dockerfile: `${ROOTFS}RUN --mount=from=localhost/keys-src:1,target=/s cat /s/v > /seen\n` });
  await slipway(user);
  writeFileSync(path.join(src, 'Dockerfile'), `${ROOTFS}RUN echo two > /v\n`);
  await slipway(src, image('localhost/keys-src:1'));
  const again = await slipway(user);
  assert.deepEqual(again.result.steps.map((s) => s.cached), [true, false]);
  assert.equal(readFileSync(path.join(await unpack(again.archive), 'seen'), 'utf8'), 'two\n');
});

test('COPY --link --chown=<name> is keyed by what the name resolves to in the stage', async () => {
  const dockerfile = `${ROOTFS}ARG ID\nRUN echo "app:x:$ID:$ID::/:/bin/sh" >> /etc/passwd && echo "app:x:$ID:" >> /etc/group\nCOPY --link --chown=app:app f /f\n`;
  const ctx = makeContext({ Dockerfile: dockerfile, f: 'f\n' });
  await slipway(ctx, { buildArgs: { ID: '1000' } });
  const second = await slipway(ctx, { buildArgs: { ID: '2000' } });
  assert.deepEqual(second.result.steps.map((s) => s.cached), [true, false, false]);
  const st = lstatSync(path.join(await unpack(second.archive), 'f'));
  assert.deepEqual([st.uid, st.gid], [2000, 2000]);
});

test('--source-date-epoch is part of every key: a cached layer is the one a clean build makes', async () => {
  const ctx = makeContext({ Dockerfile: `${ROOTFS}COPY d /d\n`, 'd/x': 'x\n' });
  await slipway(ctx);
  const cachedBuild = await slipway(ctx, { sourceDateEpoch: 100 });
  const clean = await slipway(ctx, { sourceDateEpoch: 100, noCache: true });
  assert.deepEqual(cachedBuild.result.layers.map((l) => l.digest), clean.result.layers.map((l) => l.digest));
});

test('.dockerignore holds through a symlinked directory: COPY dlink/ leaves out what real/ excludes', async () => {
  const ctx = makeContext({
    Dockerfile: `${ROOTFS}COPY dlink/ /out/\n`, '.dockerignore': 'real/secret\n',
    'real/secret': 'do not ship\n', 'real/ok': 'ok\n', dlink: { symlink: 'real' },
  });
  const built = await slipway(ctx);
  const root = await unpack(built.archive);
  assert.equal(readFileSync(path.join(root, 'out/ok'), 'utf8'), 'ok\n');
  assert.throws(() => lstatSync(path.join(root, 'out/secret')), /ENOENT/, 'the excluded file is not in the image');
  writeFileSync(path.join(ctx, 'Dockerfile'), `${ROOTFS}COPY dlink/secret /s\n`);
  await assert.rejects(slipway(ctx), (err: Error & { code?: string }) => err.code === 'CONTEXT_SOURCE_NOT_FOUND', 'nor can it be named through the link');
});

test('RUN --mount=type=bind of the context shows it without what .dockerignore leaves out, as the key does', async () => {
  const ctx = makeContext({
    Dockerfile: `${ROOTFS}RUN --mount=type=bind,target=/src ls /src /src/sub > /listing\n`, '.dockerignore': 'secret.txt\n**/*.log\n',
    'secret.txt': 'do not show\n', 'ok.txt': 'ok\n', 'sub/a.log': 'log\n', 'sub/b.txt': 'b\n',
  });
  const first = await slipway(ctx);
  assert.equal(readFileSync(path.join(await unpack(first.archive), 'listing'), 'utf8'), '/src:\nDockerfile\nok.txt\nrootfs\nsub\n\n/src/sub:\nb.txt\n');
  writeFileSync(path.join(ctx, 'secret.txt'), 'changed, and still not shown\n');
  const second = await slipway(ctx);
  assert.deepEqual(second.result.steps.map((s) => s.cached), [true, true], 'an excluded file is neither seen nor keyed');
  writeFileSync(path.join(ctx, 'ok.txt'), 'ok, changed\n');
  const third = await slipway(ctx);
  assert.deepEqual(third.result.steps.map((s) => s.cached), [true, false]);
});

test('COPY --from=<stage> is keyed by the stage, not its position: a stage added above changes nothing', async () => {
  const rest = 'FROM scratch AS base\nCOPY rootfs/ /\nFROM base AS build\nRUN echo hi > /out\nFROM base\nCOPY --from=build /out /out\n';
  const ctx = makeContext({ Dockerfile: rest });
  await slipway(ctx);
  writeFileSync(path.join(ctx, 'Dockerfile'), `FROM scratch AS unrelated\nCOPY rootfs/ /\n${rest}`);
  const again = await slipway(ctx);
  assert.ok(again.result.steps.every((s) => s.cached), JSON.stringify(again.result.steps.map((s) => [s.name, s.cached])));
});

test('COPY --exclude: a change to an excluded file is no reason to run the COPY again', async () => {
  const ctx = makeContext({ Dockerfile: `${ROOTFS}COPY --exclude=*.log app /app\n`, 'app/a.txt': 'a\n', 'app/debug.log': 'one\n' });
  await slipway(ctx);
  writeFileSync(path.join(ctx, 'app/debug.log'), 'two\n');
  const second = await slipway(ctx);
  assert.deepEqual(second.result.steps.map((s) => s.cached), [true, true]);
  writeFileSync(path.join(ctx, 'app/a.txt'), 'a, changed\n');
  const third = await slipway(ctx);
  assert.deepEqual(third.result.steps.map((s) => s.cached), [true, false]);
  const root = await unpack(third.archive);
  assert.equal(readFileSync(path.join(root, 'app/a.txt'), 'utf8'), 'a, changed\n');
  assert.throws(() => lstatSync(path.join(root, 'app/debug.log')), /ENOENT/);
});
