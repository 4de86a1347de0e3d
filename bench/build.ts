/**
 * bench/build: slipway vs buildah (and BuildKit through Debian's docker.io daemon with its
 * 20.10 client and DOCKER_BUILDKIT=1, when available), same Dockerfiles and contexts, in
 * one run. Prints medians and ratios for: a tiny image; a cold build of a real
 * node_modules context (>= 100 MB, installed here from a fixed package list), with an OCI
 * archive written; the same rebuilt with no change; with one file changed; a two-stage build.
 *
 *   npm run build && node dist/bench/build.js [--runs N]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
// What users run: the bundled CLI (npm run build makes it).
const slipwayBin = path.join(repo, 'bin', 'slipway');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
// A fixed list: aws-sdk v2 alone unpacks to about 90 MB of many small files, as real contexts do.
const PACKAGES = ['aws-sdk@2.1692.0', 'typescript@5.6.3', 'lodash@4.17.21'];
const MODULES_DIR = path.join(os.tmpdir(), 'slipway-bench-node-modules');

const work = mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-'));
const started: ChildProcess[] = [];

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr?.toString().slice(-2000)}`);
}

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const t0 = process.hrtime.bigint();
  sh(cmd, args, env);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function duSize(dir: string): number {
  const r = spawnSync('du', ['-sb', dir]);
  return Number(r.stdout.toString().split('\t')[0]);
}

function nodeModules(): string {
  if (!existsSync(path.join(MODULES_DIR, 'node_modules', 'aws-sdk', 'package.json'))) {
    mkdirSync(MODULES_DIR, { recursive: true });
    writeFileSync(path.join(MODULES_DIR, 'package.json'), '{"name":"bench-context","private":true}\n');
    sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', MODULES_DIR, ...PACKAGES]);
  }
  return path.join(MODULES_DIR, 'node_modules');
}

function context(name: string, dockerfile: string, extra?: (dir: string) => void): string {
  const dir = path.join(work, name);
  mkdirSync(dir);
  sh(path.join(repo, 'scripts', 'busybox-rootfs'), [path.join(dir, 'rootfs')]);
  writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
  extra?.(dir);
  return dir;
}

/** A docker daemon for BuildKit: the one at DOCKER_HOST / the default socket, else a private one. */
function dockerHost(): string | undefined {
  if (!existsSync('/usr/bin/docker') || !existsSync('/usr/sbin/dockerd')) return undefined;
  const ok = (host: string) => spawnSync('/usr/bin/docker', ['version'], { env: { ...process.env, DOCKER_HOST: host }, stdio: 'ignore' }).status === 0;
  const given = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  if (ok(given)) return given;
  const root = path.join(work, 'docker');
  mkdirSync(root);
  const host = `unix://${root}/docker.sock`;
  const d = spawn('/usr/sbin/dockerd', ['--data-root', `${root}/data`, '--exec-root', `${root}/exec`, '-H', host, '--pidfile', `${root}/docker.pid`, '--bridge=none', '--iptables=false'], { stdio: 'ignore' });
  started.push(d);
  for (let i = 0; i < 60; i++) {
    if (ok(host)) return host;
    spawnSync('sleep', ['0.5']);
  }
  return undefined;
}

interface Tool { name: string; build(ctx: string, mode: 'cold' | 'cached', archive?: string): number }
const saveTimes: number[] = [];

function tools(docker: string | undefined): Tool[] {
  const store = path.join(work, 'store');
  const list: Tool[] = [
    {
      name: 'slipway',
      build: (ctx, mode, archive) => timed(slipwayBin, [
        'build', '-q', ...(mode === 'cold' ? ['--no-cache'] : []), ...(archive ? ['-o', `type=oci,dest=${archive}`] : ['-t', 'bench:latest']), ctx], { SLIPWAY_ROOT: store }),
    },
    {
      name: 'buildah',
      build: (ctx, mode, archive) => {
        let t = timed('buildah', ['bud', '--layers', '-q', ...(mode === 'cold' ? ['--no-cache'] : []), '-t', 'localhost/slipway-bench', ctx]);
        if (archive) t += timed('buildah', ['push', 'localhost/slipway-bench', `oci-archive:${archive}`]);
        return t;
      },
    },
  ];
  if (docker) {
    list.push({
      name: 'buildkit',
      // The 20.10 client exports only local/tar from BuildKit, so its image stays in the daemon (no archive);
      // --network=host because the private daemon runs without a bridge (slipway's default network is the host's too).
      build: (ctx, mode, archive) => {
        const t = timed('/usr/bin/docker', ['build', '-q', '--network=host', ...(mode === 'cold' ? ['--no-cache'] : []), '-t', 'slipway-bench', ctx], { DOCKER_BUILDKIT: '1', DOCKER_HOST: docker });
        // For reference only (not in BuildKit's time): what writing an archive costs it
        // (docker save: a docker archive with uncompressed layers).
        if (archive) saveTimes.push(timed('/usr/bin/docker', ['save', '-o', archive, 'slipway-bench'], { DOCKER_HOST: docker }));
        return t;
      },
    });
  }
  return list;
}

function main(): void {
  const docker = dockerHost();
  const all = tools(docker);
  const modules = nodeModules();
  const tiny = context('tiny', 'FROM scratch\nCOPY rootfs/ /\nRUN echo hi > /hello.txt\nCMD ["cat", "/hello.txt"]\n');
  const large = context('large', 'FROM scratch\nCOPY rootfs/ /\nCOPY node_modules /app/node_modules\nRUN ls /app/node_modules | wc -l > /app/count\n', (dir) => cpSync(modules, path.join(dir, 'node_modules'), { recursive: true }));
  const twoStage = context('two-stage', 'FROM scratch AS base\nCOPY rootfs/ /\nFROM base AS build\nRUN mkdir /out && for i in $(seq 1 500); do echo $i > /out/f$i; done\nFROM base\nCOPY --from=build /out /out\nCMD ["ls", "/out"]\n');
  const size = duSize(path.join(large, 'node_modules'));
  console.log(`bench/build: ${RUNS} runs each, medians in seconds; large context ${(size / 1e6).toFixed(0)} MB (${PACKAGES.join(' ')})`);
  if (!docker) console.log('BuildKit: no docker daemon available, skipped');
  const changed = path.join(large, 'node_modules', 'lodash', 'lodash.js');
  const scenarios: { name: string; run: (t: Tool, i: number) => number; prepare?: (t: Tool) => void }[] = [
    { name: 'tiny image (cold)', run: (t) => t.build(tiny, 'cold') },
    { name: 'large context, cold, OCI archive', run: (t, i) => t.build(large, 'cold', path.join(work, `${t.name}-${i}.tar`)) },
    { name: 'large context, no-op rebuild', prepare: (t) => { t.build(large, 'cached'); }, run: (t) => t.build(large, 'cached') },
    { name: 'large context, one file changed', prepare: (t) => { t.build(large, 'cached'); }, run: (t, i) => { appendFileSync(changed, `\n// bench ${t.name} ${i} ${Date.now()}\n`); return t.build(large, 'cached'); } },
    { name: 'two-stage build (cold)', run: (t) => t.build(twoStage, 'cold') },
  ];
  // One untimed build per tool first: a daemon just started (and buildah's storage on its
  // first use) is still setting itself up, which is not what any scenario measures.
  for (const t of all) t.build(tiny, 'cold');
  const results = new Map<string, Map<string, number>>();
  for (const s of scenarios) {
    const row = new Map<string, number>();
    for (const t of all) {
      s.prepare?.(t);
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        // Each timed build starts with nothing left to write back: not the bench's copy of the
        // context, nor an earlier build's output (any tool's), whose flush would land in this one.
        sh('sync', []);
        times.push(s.run(t, i));
      }
      row.set(t.name, median(times));
      for (let i = 0; i < RUNS; i++) rmSync(path.join(work, `${t.name}-${i}.tar`), { force: true });
    }
    results.set(s.name, row);
    const cells = all.map((t) => `${t.name} ${row.get(t.name)!.toFixed(2)}s`).join('  ');
    const ratios = all.filter((t) => t.name !== 'slipway').map((t) => `slipway/${t.name} ${(row.get('slipway')! / row.get(t.name)!).toFixed(2)}x`).join('  ');
    console.log(`${s.name.padEnd(36)} ${cells}  |  ${ratios}`);
  }
  const ratio = (scenario: string, peer: string) => {
    const r = results.get(scenario);
    return r?.has(peer) ? r.get('slipway')! / r.get(peer)! : undefined;
  };
  const targets: [string, number | undefined, number][] = [
    ['cold large vs BuildKit <= 0.5x', ratio('large context, cold, OCI archive', 'buildkit'), 0.5],
    ['no-op rebuild vs BuildKit <= 1x', ratio('large context, no-op rebuild', 'buildkit'), 1],
    ['one-file change vs BuildKit <= 0.5x', ratio('large context, one file changed', 'buildkit'), 0.5],
    ['tiny vs buildah <= 0.5x', ratio('tiny image (cold)', 'buildah'), 0.5],
  ];
  if (saveTimes.length > 0) console.log(`(BuildKit's cold large time above has no archive; docker save of its image took ${median(saveTimes).toFixed(2)}s more, median)`);
  for (const [name, value, limit] of targets) {
    console.log(`target ${name}: ${value === undefined ? 'n/a' : `${value.toFixed(2)}x ${value <= limit ? 'met' : 'NOT met'}`}`);
  }
}

try {
  main();
} finally {
  spawnSync('buildah', ['rmi', '-f', 'localhost/slipway-bench'], { stdio: 'ignore' });
  for (const p of started) {
    p.kill('SIGTERM');
    // Wait for dockerd to unmount and exit before its data root is removed.
    if (p.pid !== undefined) spawnSync('timeout', ['30', 'tail', '--pid', String(p.pid), '-f', '/dev/null']);
  }
  rmSync(work, { recursive: true, force: true });
}
