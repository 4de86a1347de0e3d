import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Store, verifyStore } from '../../src/store/index.js';
import { storeBusyboxImage, tempDir } from '../image/fixtures.js';

const storeUrl = new URL('../../src/store/index.js', import.meta.url).href;
const fixturesUrl = new URL('../image/fixtures.js', import.meta.url).href;
const pruneUrl = new URL('../../src/store/prune.js', import.meta.url).href;

/** A child process running `body` (an ES module snippet) with `store` open at argv[2]. */
async function child(dir: string, name: string, body: string): Promise<string> {
  const file = path.join(dir, `${name}.mjs`);
  await fs.writeFile(file, `import { Store } from ${JSON.stringify(storeUrl)};
import { storeBusyboxImage } from ${JSON.stringify(fixturesUrl)};
import { pruneStore } from ${JSON.stringify(pruneUrl)};
import { randomBytes } from 'node:crypto';
const store = await Store.open({ root: process.argv[2] });
const id = Number(process.argv[3] ?? 0);
${body}
`);
  return file;
}

function run(file: string, args: string[]) {
  // Its temp dirs go in the test's work dir: a killed child cannot remove them itself.
  const c = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: path.dirname(file) } });
  let out = '';
  c.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  c.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const done = new Promise<{ code: number | null; signal: string | null; out: string }>((r) => c.on('close', (code, signal) => r({ code, signal, out })));
  return { child: c, done };
}

test('SIGKILL at several moments of writing leaves a consistent store; the next write succeeds', async () => {
  const work = await tempDir();
  try {
    const root = path.join(work, 'store');
    const writer = await child(work, 'writer', `
process.stdout.write('ready\\n');
for (let i = 0; ; i++) {
  async function* big() { for (let k = 0; k < 160; k++) yield randomBytes(64 * 1024); }
  await store.putBlob(big());
  await storeBusyboxImage(store, ['crash/img:' + id + '-' + i], 'run ' + i);
  await store.tag('crash/img:' + id + '-' + i, 'crash/latest:latest');
}`);
    let partials = 0;
    for (const [n, delay] of [40, 120, 260, 450, 700, 1000].entries()) {
      const p = run(writer, [root, String(n)]);
      // Count from the moment the writer has its store open, so a slow start under
      // load does not turn every kill into a kill before the first write.
      await new Promise<void>((r) => p.child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('ready')) r(); }));
      await new Promise((r) => setTimeout(r, delay));
      p.child.kill('SIGKILL');
      const r = await p.done;
      assert.equal(r.signal, 'SIGKILL', r.out);
      partials += (await fs.readdir(path.join(root, 'tmp')).catch(() => [])).length;
      const store = await Store.open({ root });
      assert.deepEqual(await fs.readdir(path.join(root, 'tmp')), [], 'temp files of the killed writer are cleaned on open');
      const report = await verifyStore(store);
      assert.deepEqual(report.problems, [], `after kill at ${delay} ms`);
      assert.ok(report.ok);
    }
    assert.ok(partials > 0, 'at least one kill interrupted a write mid-way');
    const store = await Store.open({ root });
    const img = await storeBusyboxImage(store, ['after/crash:1']);
    assert.equal((await store.resolveImage('after/crash:1')).digest, img.digest);
    assert.ok((await verifyStore(store)).ok);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});

test('concurrent processes: no lost tag updates, prune never breaks images being written', async () => {
  const work = await tempDir();
  try {
    const root = path.join(work, 'store');
    const base = await storeBusyboxImage(await Store.open({ root }), ['conc/base:1']);
    const tagger = await child(work, 'tagger', `
for (let i = 0; i < 8; i++) {
  await store.tag('conc/base:1', 'conc/p' + id + ':' + i);
  await store.lease(async () => storeBusyboxImage(store, ['conc/img' + id + ':' + i], 'process ' + id + ' image ' + i));
}
console.log('done');`);
    const pruner = await child(work, 'pruner', `
for (let i = 0; i < 12; i++) { await pruneStore(store); await new Promise((r) => setTimeout(r, 20)); }
console.log('done');`);
    const procs = [0, 1, 2].map((k) => run(tagger, [root, String(k)]));
    procs.push(run(pruner, [root]));
    for (const p of procs) {
      const r = await p.done;
      assert.equal(r.code, 0, r.out);
    }
    const store = await Store.open({ root });
    for (let k = 0; k < 3; k++) {
      for (let i = 0; i < 8; i++) {
        assert.equal((await store.resolveImage(`conc/p${k}:${i}`)).digest, base.digest);
        await store.resolveImage(`conc/img${k}:${i}`);
      }
    }
    const report = await verifyStore(store);
    assert.deepEqual(report.problems, []);
    assert.equal(report.images, 1 + 24);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});
