/**
 * Layer writing throughput and memory on a real tree, against `tar -c | gzip -6` on
 * the same tree in the same run. Prints time, throughput (uncompressed tar bytes per
 * second), peak RSS and compressed size for both, and the ratios.
 * Targets: >= 1.5x the peer's throughput on 2 cores; peak RSS < 200 MB for a 1 GB tree.
 *
 *     npx tsc -p tsconfig.json --outDir dist-store --tsBuildInfoFile dist-store/.tsbuildinfo
 *     node dist-store/bench/layer.js [DIR...]
 *
 * With one DIR the tree is used in place; with several (default: /usr/share and
 * /usr/lib/x86_64-linux-gnu, ~1.3 GB of real files) they are copied into one temp
 * tree first. Both sides run once warm-up-free after the copy (page cache is warm for both).
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLayerStream } from '../src/image/index.js';

const TARGET_SPEEDUP = 1.5;
const TARGET_RSS_MB = 200;

interface Run { seconds: number; cpuSeconds: number; compressed: number; peakRssMb: number; uncompressed?: number }

/** Child mode: write the layer, count bytes, report peak RSS of this process only. */
async function child(root: string): Promise<void> {
  const start = process.hrtime.bigint();
  const { stream, result } = await createLayerStream({ type: 'tree', root });
  let compressed = 0;
  for await (const c of stream) compressed += c.length;
  const r = await result;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const ru = process.resourceUsage();
  process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (ru.userCPUTime + ru.systemCPUTime) / 1e6, compressed, uncompressed: r.uncompressedSize, peakRssMb: ru.maxRSS / 1024 }));
}

function run(cmd: string, args: string[]): Promise<{ out: string; err: string; code: number }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    c.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    c.on('close', (code) => resolve({ out, err, code: code ?? 1 }));
  });
}

async function peer(root: string): Promise<Run> {
  // /usr/bin/time reports each side's max RSS; the pipeline's peak is at most their sum.
  const script = `/usr/bin/time -f 'tar %M %U %S' tar -cf - -C "$1" . 2>>"$2" | /usr/bin/time -f 'gzip %M %U %S' gzip -6 2>>"$2" | wc -c`;
  const log = path.join(os.tmpdir(), `bench-layer-${process.pid}.rss`);
  const start = process.hrtime.bigint();
  const r = await run('sh', ['-c', script, 'sh', root, log]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rows = (await fs.readFile(log, 'utf8')).split('\n').filter((l) => /^(tar|gzip) /.test(l)).map((l) => l.split(' ').map(Number));
  await fs.rm(log, { force: true });
  if (r.code !== 0) throw new Error(`peer failed: ${r.err}`);
  const sum = (i: number) => rows.reduce((a, row) => a + (row[i] || 0), 0);
  return { seconds, cpuSeconds: sum(2) + sum(3), compressed: Number(r.out.trim()), peakRssMb: sum(1) / 1024 };
}

async function ours(root: string): Promise<Run> {
  const r = await run(process.execPath, [fileURLToPath(import.meta.url), '--child', root]);
  if (r.code !== 0) throw new Error(`slipway child failed: ${r.err}`);
  return JSON.parse(r.out) as Run;
}

const mb = (n: number) => n / 1e6;
const fmt = (n: number, d = 1) => n.toFixed(d);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1]!);
  const dirs = args.length > 0 ? args : ['/usr/share', '/usr/lib/x86_64-linux-gnu'];
  let root = dirs[0]!;
  let temp: string | undefined;
  if (dirs.length > 1) {
    temp = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-layer-'));
    for (const d of dirs) {
      const r = await run('cp', ['-a', d, path.join(temp, path.basename(d))]);
      if (r.code !== 0) throw new Error(`cp ${d}: ${r.err}`);
    }
    root = temp;
  }
  try {
    const files = (await run('sh', ['-c', `find "$1" | wc -l`, 'sh', root])).out.trim();
    const p = await peer(root);
    const o = await ours(root);
    const bytes = o.uncompressed!;
    const tp = (r: Run) => mb(bytes) / r.seconds;
    console.log(`tree: ${dirs.join(' + ')} (${files} entries), ${fmt(mb(bytes))} MB as tar, ${os.availableParallelism()} CPUs`);
    console.log(`load average before: ${os.loadavg()[0]!.toFixed(1)} (other processes share these cores; CPU seconds do not depend on it)`);
    console.log(`${''.padEnd(22)}${'wall s'.padStart(9)}${'MB/s'.padStart(9)}${'CPU s'.padStart(9)}${'peak RSS MB'.padStart(13)}${'compressed MB'.padStart(15)}`);
    for (const [name, r] of [['tar -c | gzip -6', p], ['slipway layer writer', o]] as const) {
      console.log(`${name.padEnd(22)}${fmt(r.seconds, 2).padStart(9)}${fmt(tp(r)).padStart(9)}${fmt(r.cpuSeconds, 2).padStart(9)}${fmt(r.peakRssMb).padStart(13)}${fmt(mb(r.compressed)).padStart(15)}`);
    }
    console.log(`CPU time ratio peer/slipway: ${fmt(p.cpuSeconds / o.cpuSeconds, 2)}x (work per byte; the wall-time ratio adds slipway's second core when it is free)`);
    const speedup = p.seconds / o.seconds;
    console.log(`throughput ratio slipway/peer: ${fmt(speedup, 2)}x (target >= ${TARGET_SPEEDUP}x: ${speedup >= TARGET_SPEEDUP ? 'met' : 'MISSED'})`);
    console.log(`peak RSS: ${fmt(o.peakRssMb)} MB for a ${fmt(mb(bytes) / 1000, 2)} GB tree (target < ${TARGET_RSS_MB} MB for 1 GB: ${o.peakRssMb < TARGET_RSS_MB ? 'met' : 'MISSED'})`);
    console.log(`compressed size ratio slipway/peer: ${fmt(o.compressed / p.compressed, 3)}`);
  } finally {
    if (temp) await fs.rm(temp, { recursive: true, force: true });
  }
}

await main();
