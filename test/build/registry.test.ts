/**
 * The builder with a real registry on loopback: `-o type=registry` pushes what was
 * built (skopeo sees the same manifest digest), and FROM an image that is not in the
 * local store pulls it through the registry client.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from '../../src/build/index.js';
import { startRegistry, type RegistryHandle } from '../registry/harness.js';
import { cleanup, makeContext, run, storeRoot } from './harness.js';

let reg: RegistryHandle;
before(async () => { reg = await startRegistry('plain'); });
after(async () => { await reg.stop(); cleanup(); });

test('-o type=registry pushes the image; FROM a registry image pulls it into an empty store', async () => {
  const ref = `${reg.host}/build/hello:1`;
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nRUN echo pushed > /pushed.txt\nCMD ["cat", "/pushed.txt"]\n' });
  const pushed = await build({ context: ctx, root: storeRoot, env: { ...process.env, ...reg.env }, outputs: [{ type: 'registry', names: [ref], compression: 'gzip' }] });
  const inspected = JSON.parse((await run('skopeo', ['inspect', '--tls-verify=false', `docker://${ref}`])).stdout) as { Digest: string };
  assert.equal(inspected.Digest, pushed.manifestDigest);

  const emptyStore = mkdtempSync(path.join(os.tmpdir(), 'slipway-build-pull-'));
  const child = makeContext({ Dockerfile: `FROM ${ref}\nRUN cat /pushed.txt > /seen.txt\n` }, false);
  try {
    const built = await build({ context: child, root: emptyStore, env: { ...process.env, ...reg.env } });
    assert.deepEqual(built.steps.map((s) => s.name), [`[1/2] FROM ${ref}`, '[2/2] RUN cat /pushed.txt > /seen.txt']);
    assert.deepEqual(built.layers.slice(0, 2).map((l) => l.digest), pushed.layers.map((l) => l.digest));
    assert.equal(built.layers.length, 3);
  } finally {
    await run('rm', ['-rf', emptyStore]);
  }
});
