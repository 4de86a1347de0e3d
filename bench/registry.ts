/**
 * Registry push and pull of a >= 100 MB image to a loopback `docker-registry`, slipway
 * against `skopeo copy` in the same run. Prints medians of wall and CPU time and the
 * ratios skopeo/slipway (above 1 means slipway is faster / cheaper). slipway runs
 * in-process (library calls), skopeo as its CLI; its process start is in its figures.
 *
 *   npx tsc -p tsconfig.json --outDir dist-registry && node dist-registry/bench/registry.js
 *   BENCH_MB=200 BENCH_RUNS=5 node dist-registry/bench/registry.js
 *
 * Both sides move the same bytes: pushes send two images of identical shape (distinct
 * random content, so neither finds the other's blobs in the registry), pulls fetch the
 * same image into a fresh destination (slipway's store vs skopeo's OCI layout) each run.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { closeIdleConnections, pull, push } from '../src/registry/index.js';
import { Store } from '../src/store/index.js';
import { startRegistry } from '../test/registry/harness.js';
import { importIntoStore, randomImage, writeOciLayout } from '../test/registry/image-fixture.js';

const run = promisify(execFile);
const totalMb = Number(process.env.BENCH_MB ?? 120);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const layers = 4;
const layerBytes = Math.ceil((totalMb * 1024 * 1024) / layers);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Sample { wall: number; cpu: number }

/** Wall time and this process's CPU time (user + system, thread pool included), in ms. */
async function time(fn: () => Promise<unknown>): Promise<Sample> {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(cpu);
  return { wall: Number(process.hrtime.bigint() - start) / 1e6, cpu: (used.user + used.system) / 1000 };
}

/** Runs skopeo under bash's `time`, which reports the child's own CPU time. */
async function skopeo(args: string[]): Promise<Sample> {
  const start = process.hrtime.bigint();
  const { stderr } = await run('bash', ['-c', 'TIMEFORMAT="%U %S"; time skopeo "$@" >/dev/null', 'skopeo', ...args]);
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  const [user, sys] = stderr.trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number];
  return { wall, cpu: (user + sys) * 1000 };
}

async function main(): Promise<void> {
  const reg = await startRegistry('plain');
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'slipway-bench-registry-'));
  try {
    const results = { slipwayPush: [] as Sample[], skopeoPush: [] as Sample[], slipwayPull: [] as Sample[], skopeoPull: [] as Sample[] };
    let imageBytes = 0;
    for (let i = 0; i < runs; i++) {
      // Fresh content each run: a push must never find its blobs already there.
      const mine = await randomImage(layers, layerBytes);
      const theirs = await randomImage(layers, layerBytes);
      imageBytes = mine.layers.reduce((n, l) => n + l.size, 0) + mine.config.size;
      const store = await Store.open({ root: path.join(scratch, `store-${i}`) });
      await importIntoStore(store, mine, 'bench.local/image:src');
      const layout = path.join(scratch, `layout-${i}`);
      await writeOciLayout(layout, theirs, 'latest');
      const slipwayRef = `${reg.host}/bench/slipway-${i}:1`;
      const skopeoRef = `${reg.host}/bench/skopeo-${i}:1`;
      // Alternate who goes first so caches and background load do not favour one side.
      const pushSlipway = async () => results.slipwayPush.push(await time(() => push('bench.local/image:src', slipwayRef, { store, env: reg.env })));
      const pushSkopeo = async () => results.skopeoPush.push(await skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${skopeoRef}`]));
      if (i % 2 === 0) { await pushSlipway(); await pushSkopeo(); } else { await pushSkopeo(); await pushSlipway(); }
      closeIdleConnections();
      const pullSlipway = async () => {
        const dest = await Store.open({ root: path.join(scratch, `pull-store-${i}`) });
        results.slipwayPull.push(await time(() => pull(slipwayRef, { store: dest, env: reg.env })));
      };
      const pullSkopeo = async () => results.skopeoPull.push(await skopeo(['copy', '-q', '--src-tls-verify=false',
        `docker://${slipwayRef}`, `oci:${path.join(scratch, `pull-layout-${i}`)}:latest`]));
      if (i % 2 === 0) { await pullSlipway(); await pullSkopeo(); } else { await pullSkopeo(); await pullSlipway(); }
      closeIdleConnections();
      await rm(path.join(scratch, `store-${i}`), { recursive: true, force: true });
      await rm(path.join(scratch, `pull-store-${i}`), { recursive: true, force: true });
      await rm(path.join(scratch, `pull-layout-${i}`), { recursive: true, force: true });
      await rm(layout, { recursive: true, force: true });
    }
    const mb = imageBytes / 1024 / 1024;
    const row = (name: string, ours: Sample[], peer: Sample[]) => {
      const a = median(ours.map((x) => x.wall));
      const b = median(peer.map((x) => x.wall));
      const ca = median(ours.map((x) => x.cpu));
      const cb = median(peer.map((x) => x.cpu));
      return `${name.padEnd(5)} slipway ${a.toFixed(0).padStart(6)} ms (${(mb / (a / 1000)).toFixed(0).padStart(4)} MB/s, cpu ${ca.toFixed(0)} ms)`
        + `   skopeo ${b.toFixed(0).padStart(6)} ms (${(mb / (b / 1000)).toFixed(0).padStart(4)} MB/s, cpu ${cb.toFixed(0)} ms)`
        + `   ratio skopeo/slipway ${(b / a).toFixed(2)}x wall, ${(cb / ca).toFixed(2)}x cpu`;
    };
    console.log(`registry bench: ${mb.toFixed(1)} MB image (${layers} layers), ${runs} runs, medians, loopback docker-registry`);
    console.log(row('push', results.slipwayPush, results.skopeoPush));
    console.log(row('pull', results.slipwayPull, results.skopeoPull));
  } finally {
    closeIdleConnections();
    await reg.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
