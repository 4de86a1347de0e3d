import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from '../build/index.js';
import { parseBuildArgs, parseEpoch, parseLabels, parseNetworkMode, parseOutput, parseProgressMode, parseSecret } from '../build/options.js';
import { createRenderer, formatSize } from '../build/progress/index.js';
import { parseSsh } from '../build/ssh.js';
import type { BuildOptions, BuildResult } from '../build/types.js';
import { SlipwayError } from '../errors.js';
import { EXIT_USAGE, type Command, type Io } from './types.js';

const USAGE = 'build [-f FILE] [-t REF]... [--build-arg K[=V]]... [--target STAGE] [--no-cache] [--pull] [--label K=V]... '
  + '[-o type=oci|docker|image|registry[,dest=PATH|name=REF][,compression=gzip|uncompressed][,compression-level=N]] [--progress=auto|tty|plain|quiet] '
  + '[--network=default|none|host] [--secret id=ID[,src=PATH|env=VAR]]... [--ssh default|ID=SOCKET]... [--iidfile FILE] [--metadata-file FILE] '
  + '[--source-date-epoch N] [-q] CONTEXT|-';

/**
 * Once a build executes a step, this process has work for about a second: V8 would spend
 * a fifth of it optimizing ~170 functions on background threads, competing with deflate for
 * the cores, for code that mostly ends before it pays back. A budget before a function is
 * optimized 15x V8's default (1 MiB of bytecode run, against 66 KiB) leaves the hot loops
 * optimized and the rest not (a cold build: ~30 functions, 100 ms less CPU). A fully cached
 * build never gets here: its short hot loop (the stat walk of the context) keeps V8's
 * default and is optimized as early as before (8 ms sooner done). The flag is the process's:
 * it stays for whatever else runs in it (a CLI is one command).
 */
let tuned = false;
function lessOptimizing(): void {
  if (tuned) return;
  tuned = true;
  // node:v8 is not loaded otherwise (a few ms a fully cached build does not pay).
  void import('node:v8').then((v8) => v8.setFlagsFromString(`--interrupt-budget=${1 << 20}`));
}

/** Prints what the image is made of: id, manifest digest, tags, each layer with its size. */
export function summary(result: BuildResult): string {
  const lines = [`image ${result.imageId}`, `manifest ${result.manifestDigest} (${result.manifestSize} bytes)`];
  for (const t of result.tags) lines.push(`tagged ${t}`);
  let total = 0;
  result.layers.forEach((l, i) => {
    total += l.size;
    const step = result.steps.find((s) => s.layer?.digest === l.digest);
    lines.push(`layer ${i + 1} ${l.digest} ${formatSize(l.size).padStart(8)}${step ? `  ${step.name.replace(/^\[[^\]]*\] /, '')}` : ''}`);
  });
  lines.push(`${result.layers.length} layers, ${formatSize(total)} compressed`);
  return `${lines.join('\n')}\n`;
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      file: { type: 'string', short: 'f' },
      tag: { type: 'string', short: 't', multiple: true },
      'build-arg': { type: 'string', multiple: true },
      target: { type: 'string' },
      'no-cache': { type: 'boolean' },
      pull: { type: 'boolean' },
      label: { type: 'string', multiple: true },
      output: { type: 'string', short: 'o', multiple: true },
      progress: { type: 'string' },
      network: { type: 'string' },
      secret: { type: 'string', multiple: true },
      ssh: { type: 'string', multiple: true },
      iidfile: { type: 'string' },
      'metadata-file': { type: 'string' },
      'source-date-epoch': { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
    },
  });
  if (positionals.length !== 1) {
    io.stderr.write(`slipway build: expected exactly one CONTEXT argument (a directory, or - for a tar on stdin)\nUsage: slipway ${USAGE}\n`);
    return EXIT_USAGE;
  }
  const tags = values.tag ?? [];
  const mode = values.quiet ? 'quiet' : parseProgressMode(values.progress ?? 'auto');
  const epochText = values['source-date-epoch'] ?? io.env.SOURCE_DATE_EPOCH;
  const resolve = (p: string | undefined) => (p === undefined || p === '-' ? p : path.resolve(io.cwd, p));
  const contextArg = positionals[0]!;
  const renderer = createRenderer(mode, io.stderr as Parameters<typeof createRenderer>[1], io.env);
  // Ctrl-C or SIGTERM stops the build the way a failure does: the running RUN's container is
  // killed and its mounts and scratch dirs removed before the process exits with 128+N. A
  // second signal exits at once.
  const abort = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stoppedBy !== undefined) process.exit(sig === 'SIGINT' ? 130 : 143);
    stoppedBy = sig;
    abort.abort();
  };

  const dockerfile = values.file;
  let dockerfileText: string | undefined;
  if (dockerfile === '-') {
    if (contextArg === '-') throw new SlipwayError('BUILD_BAD_FLAG', 'cannot read both the Dockerfile and the context from stdin', { exitCode: EXIT_USAGE });
    dockerfileText = await readAll(io);
  }
  const options: BuildOptions = {
    context: contextArg === '-' ? { type: 'tar', stream: io.stdin } : { type: 'dir', path: path.resolve(io.cwd, contextArg) },
    ...(dockerfile !== undefined && dockerfile !== '-' ? { dockerfile: contextArg === '-' ? dockerfile : path.resolve(io.cwd, dockerfile) } : {}),
    ...(dockerfileText !== undefined ? { dockerfileText } : {}),
    tags,
    buildArgs: parseBuildArgs(values['build-arg'] ?? [], io.env),
    ...(values.target !== undefined ? { target: values.target } : {}),
    noCache: values['no-cache'] ?? false,
    pull: values.pull ?? false,
    labels: parseLabels(values.label ?? []),
    ...(values.output ? { outputs: values.output.map((o) => parseOutput(o, tags)) } : {}),
    network: parseNetworkMode(values.network ?? 'default'),
    secrets: (values.secret ?? []).map(parseSecret),
    ssh: (values.ssh ?? []).map((v) => parseSsh(v, io.env)),
    env: io.env,
    ...(values.iidfile !== undefined ? { iidfile: resolve(values.iidfile)! } : {}),
    ...(values['metadata-file'] !== undefined ? { metadataFile: resolve(values['metadata-file'])! } : {}),
    ...(epochText !== undefined && epochText !== '' ? { sourceDateEpoch: parseEpoch(epochText) } : {}),
    ...(io.env.SLIPWAY_ROOT ? { root: io.env.SLIPWAY_ROOT } : {}),
    onProgress: (e) => {
      if (e.type === 'step-done' && !e.cached) lessOptimizing();
      renderer.event(e);
    },
    // `-o ...,dest=-` streams the archive to stdout (then nothing else is printed there).
    stdout: io.stdout as unknown as NodeJS.WritableStream,
    signal: abort.signal,
  };
  // --no-cache runs every step: as much work as a step executed.
  if (options.noCache) lessOptimizing();
  let result: BuildResult;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    result = await build(options);
  } catch (err) {
    if (stoppedBy !== undefined) throw new SlipwayError('BUILD_INTERRUPTED', `build interrupted by ${stoppedBy}`, { exitCode: stoppedBy === 'SIGINT' ? 130 : 143 });
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    renderer.close();
  }
  const toStdout = options.outputs?.some((o) => (o.type === 'oci' || o.type === 'docker') && o.dest === '-');
  if (toStdout) return 0;
  io.stdout.write(mode === 'quiet' ? `${result.imageId}\n` : summary(result));
  return 0;
}

async function readAll(io: Io): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of io.stdin) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

export const buildCommand: Command = {
  name: 'build',
  summary: 'Build an image from a Dockerfile (docker build flags)',
  usage: USAGE,
  run,
};
