/**
 * Layer writing throughput and memory on a real tree, against GNU tar piped into the
 * same work on the same tree in the same run: `tar -c | gzip -N` at slipway's default
 * deflate level N (GZIP_LEVEL), and uncompressed `tar -c | sha256sum` (an uncompressed
 * layer is hashed once, for its diff_id). For reference, when ISA-L's `igzip` is there,
 * `tar -c | igzip -N` too: the deflater slipway uses at that level (src/image/isal.ts). Prints time, throughput (uncompressed tar bytes
 * per second), CPU seconds, peak RSS and blob size for each, and the ratios.
 * Targets (gzip): >= 1.5x the peer's throughput on 2 cores; peak RSS < 200 MB for a 1 GB tree.
 *
 *     npm run build && node dist/bench/layer.js [--runs N] [DIR...]
 *
 * With one DIR the tree is used in place; with several (default: /usr/share and
 * /usr/lib/x86_64-linux-gnu, ~1.3 GB of real files) they are copied into one temp
 * tree first (so the page cache is warm for both sides). Each side runs N times
 * (default 1), peer and slipway alternating; the median run by wall time is shown,
 * and the highest peak RSS.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLayerStream, GZIP_LEVEL } from '../src/image/index.js';
import { gzipDeflater } from '../src/image/pgzip.js';

const TARGET_SPEEDUP = 1.5;
const TARGET_RSS_MB = 200;

interface Run { seconds: number; cpuSeconds: number; compressed: number; peakRssMb: number; uncompressed?: number }

type Compression = 'gzip' | 'none';

/** Child mode: write the layer, count bytes, report peak RSS of this process only. */
async function child(root: string, compression: Compression): Promise<void> {
  const start = process.hrtime.bigint();
  const { stream, result } = await createLayerStream({ type: 'tree', root }, { compression });
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

/** A peer: GNU tar into `gzip` (the target's peer) or ISA-L's `igzip` (slipway's own deflater, for reference), or sha256sum. */
async function peer(root: string, compression: Compression, gzip = 'gzip'): Promise<Run> {
  // /usr/bin/time reports each side's max RSS; the pipeline's peak is at most their sum.
  const filter = compression === 'gzip' ? `/usr/bin/time -f 'filter %M %U %S' ${gzip} -${GZIP_LEVEL} 2>>"$2" | wc -c` : `/usr/bin/time -f 'filter %M %U %S' sha256sum 2>>"$2" >/dev/null; echo 0`;
  const script = `/usr/bin/time -f 'tar %M %U %S' tar -cf - -C "$1" . 2>>"$2" | ${filter}`;
  const log = path.join(os.tmpdir(), `bench-layer-${process.pid}.rss`);
  const start = process.hrtime.bigint();
  const r = await run('sh', ['-c', script, 'sh', root, log]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rows = (await fs.readFile(log, 'utf8')).split('\n').filter((l) => /^(tar|filter) /.test(l)).map((l) => l.split(' ').map(Number));
  await fs.rm(log, { force: true });
  if (r.code !== 0) throw new Error(`peer failed: ${r.err}`);
  const sum = (i: number) => rows.reduce((a, row) => a + (row[i] || 0), 0);
  return { seconds, cpuSeconds: sum(2) + sum(3), compressed: Number(r.out.trim()), peakRssMb: sum(1) / 1024 };
}

async function ours(root: string, compression: Compression): Promise<Run> {
  const r = await run(process.execPath, [fileURLToPath(import.meta.url), '--child', root, compression]);
  if (r.code !== 0) throw new Error(`slipway child failed: ${r.err}`);
  return JSON.parse(r.out) as Run;
}

const mb = (n: number) => n / 1e6;
const fmt = (n: number, d = 1) => n.toFixed(d);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1]!, args[2] as Compression);
  let runs = 1;
  if (args[0] === '--runs') {
    runs = Number(args[1]);
    args.splice(0, 2);
  }
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
    const all = { gzip: { peer: [] as Run[], ours: [] as Run[] }, none: { peer: [] as Run[], ours: [] as Run[] } };
    const igzip = (await run('sh', ['-c', 'command -v igzip'])).code === 0;
    const isal: Run[] = [];
    for (let i = 0; i < runs; i++) {
      for (const c of ['gzip', 'none'] as const) {
        all[c].peer.push(await peer(root, c));
        all[c].ours.push(await ours(root, c));
      }
      if (igzip) isal.push(await peer(root, 'gzip', 'igzip'));
    }
    const median = (rs: Run[]): Run => ({ ...[...rs].sort((a, b) => a.seconds - b.seconds)[rs.length >> 1]!, peakRssMb: Math.max(...rs.map((r) => r.peakRssMb)) });
    const gz = { peer: median(all.gzip.peer), ours: median(all.gzip.ours) };
    const raw = { peer: median(all.none.peer), ours: median(all.none.ours) };
    const bytes = gz.ours.uncompressed!;
    const tp = (r: Run) => mb(bytes) / r.seconds;
    console.log(`tree: ${dirs.join(' + ')} (${files} entries), ${fmt(mb(bytes))} MB as tar, ${os.availableParallelism()} CPUs, median of ${runs} run(s)`);
    console.log(`load average before: ${os.loadavg()[0]!.toFixed(1)} (other processes share these cores; CPU seconds do not depend on it)`);
    console.log(`${''.padEnd(30)}${'wall s'.padStart(9)}${'MB/s'.padStart(9)}${'CPU s'.padStart(9)}${'peak RSS MB'.padStart(13)}${'blob MB'.padStart(10)}`);
    const rows: [string, Run][] = [
      [`tar -c | gzip -${GZIP_LEVEL}`, gz.peer], [`slipway, gzip level ${GZIP_LEVEL}`, gz.ours],
      ...(isal.length > 0 ? [[`tar -c | igzip -${GZIP_LEVEL} (reference)`, median(isal)] as [string, Run]] : []),
      ['tar -c | sha256sum', raw.peer], ['slipway, uncompressed', raw.ours],
    ];
    for (const [name, r] of rows) {
      const blob = r.compressed > 0 ? fmt(mb(r.compressed)) : '-';
      console.log(`${name.padEnd(30)}${fmt(r.seconds, 2).padStart(9)}${fmt(tp(r)).padStart(9)}${fmt(r.cpuSeconds, 2).padStart(9)}${fmt(r.peakRssMb).padStart(13)}${blob.padStart(10)}`);
    }
    for (const [label, pair] of [['gzip', gz], ['uncompressed', raw]] as const) {
      console.log(`${label}: throughput ratio slipway/peer ${fmt(pair.peer.seconds / pair.ours.seconds, 2)}x, CPU time ratio peer/slipway ${fmt(pair.peer.cpuSeconds / pair.ours.cpuSeconds, 2)}x`);
    }
    const speedup = gz.peer.seconds / gz.ours.seconds;
    console.log(`gzip throughput target >= ${TARGET_SPEEDUP}x: ${speedup >= TARGET_SPEEDUP ? 'met' : 'MISSED'} (the wall-time ratio adds slipway's second core when it is free)`);
    const rss = Math.max(gz.ours.peakRssMb, raw.ours.peakRssMb);
    console.log(`peak RSS: ${fmt(rss)} MB for a ${fmt(mb(bytes) / 1000, 2)} GB tree (target < ${TARGET_RSS_MB} MB for 1 GB: ${rss < TARGET_RSS_MB ? 'met' : 'MISSED'})`);
    console.log(`compressed size ratio slipway/peer: ${fmt(gz.ours.compressed / gz.peer.compressed, 3)} (both at level ${GZIP_LEVEL}: ${gzipDeflater().startsWith('isal-') ? 'ISA-L\'s' : 'zlib\'s'} and GNU gzip's matchers differ; slipway restarts members every MiB)`);
  } finally {
    if (temp) await fs.rm(temp, { recursive: true, force: true });
  }
}

await main();
