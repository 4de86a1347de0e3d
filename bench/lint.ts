/**
 * Linter throughput on a corpus of real Dockerfiles (bench/corpus/ and
 * fixtures/lint/_corpus/), against parsing the same files in the same run. Prints files/s
 * and MB/s for both and the ratio lint/parse time (target: at most 3).
 *
 *     npx tsc -p tsconfig.json --outDir dist-lint --tsBuildInfoFile dist-lint/.tsbuildinfo
 *     node dist-lint/bench/lint.js [--seconds=N] [--defaults]
 *
 * `lint` includes its own parse, so the ratio is the whole cost of linting relative to
 * the parse it starts from. All rules run, opt-in ones included (`--defaults`: only the
 * rules on by default).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ALL_RULES, lint, type LintOptions } from '../src/lint/index.js';
import { parse } from '../src/syntax/index.js';

const TARGET_RATIO = 3;

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

function corpus(root: string): string[] {
  const texts: string[] = [];
  for (const dir of [path.join(root, 'bench', 'corpus'), path.join(root, 'fixtures', 'lint', '_corpus')]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (f.includes('Dockerfile')) texts.push(readFileSync(path.join(dir, f), 'utf8'));
  }
  return texts;
}

/** CPU microseconds (user + system) spent in one pass of `fn` over the corpus. */
function pass(texts: readonly string[], fn: (t: string) => unknown): number {
  const start = process.cpuUsage();
  for (const t of texts) fn(t);
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

/**
 * Alternates one parse pass and one lint pass for about `seconds` and adds up the CPU time
 * of each side. CPU time, not wall time, so other processes on a shared machine count
 * less; alternating single passes spreads what they still disturb over both sides alike.
 */
function measure(texts: readonly string[], seconds: number, parseFn: (t: string) => unknown, lintFn: (t: string) => unknown): { parse: number; lint: number; rounds: number } {
  for (let i = 0; i < 20; i++) { pass(texts, parseFn); pass(texts, lintFn); }
  let parse = 0;
  let lint = 0;
  let rounds = 0;
  const start = Date.now();
  while (Date.now() - start < seconds * 1000 || rounds < 50) {
    parse += pass(texts, parseFn);
    lint += pass(texts, lintFn);
    rounds++;
  }
  // Seconds per pass.
  return { parse: parse / rounds / 1e6, lint: lint / rounds / 1e6, rounds };
}

function main(): void {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, defaults: { type: 'boolean' } } });
  const seconds = Number(values.seconds);
  const texts = corpus(repoRoot());
  if (texts.length === 0) throw new Error('no corpus found (bench/corpus/ or fixtures/lint/_corpus/)');
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  // All rules by default; `--defaults` runs what `slipway lint` runs with no config (opt-in rules off).
  const options: LintOptions = values.defaults ? {} : { config: { enable: ALL_RULES.filter((r) => r.optIn).map((r) => r.name) } };
  const m = measure(texts, seconds, (t) => parse(t), (t) => lint(t, options));
  const row = (name: string, secondsPerPass: number): string =>
    `${name.padEnd(6)} ${(texts.length / secondsPerPass).toFixed(0).padStart(8)} files/s ${(bytes / secondsPerPass / 1e6).toFixed(2).padStart(8)} MB/s`;
  console.log(`corpus: ${texts.length} files, ${(bytes / 1024).toFixed(1)} KiB, ${ALL_RULES.length} rules${values.defaults ? ' (default set)' : ''}, ${m.rounds} rounds`);
  console.log(row('parse', m.parse));
  console.log(row('lint', m.lint));
  const ratio = m.lint / m.parse;
  console.log(`lint/parse time ratio: ${ratio.toFixed(2)} (target <= ${TARGET_RATIO}) ${ratio <= TARGET_RATIO ? 'OK' : 'OVER TARGET'}`);
}

main();
