/**
 * Parser throughput: slipway against dockerfile-ast on the same corpus in the same run,
 * plus a linear-time check on 1 MB and 10 MB inputs. Run after a build:
 *
 *     npm run build && node dist/bench/parse.js [--seconds=N]
 *
 * Both parsers deliver what a linter needs, the information slipway's AST holds:
 * instructions with keywords and ranges, flags, arguments with ranges, JSON-form
 * elements, ENV/LABEL pairs, HEALTHCHECK types, ONBUILD triggers, heredocs, comments and
 * directives. dockerfile-ast computes most of these lazily, so its loop asks for each;
 * slipway's parse builds all of them up front. Throughput is source bytes per second of this process's CPU time,
 * with the two parsers' rounds interleaved, so that other load on a shared machine
 * weighs on both alike.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DockerfileParser } from 'dockerfile-ast';
import { parse } from '../src/syntax/index.js';

const TARGET_RATIO = 20;
/**
 * A 10x larger input may cost somewhat more per byte (a larger heap means costlier
 * garbage collection), but quadratic work would make the ratio about 10.
 */
const LINEAR_LIMIT = 3;

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

type Parser = (text: string) => number;

const slipway: Parser = (text) => parse(text).ast.instructions.length;

/** The parts of dockerfile-ast's instruction classes that only some instructions have. */
interface Optional {
  getFlags?: () => unknown[];
  getHeredocs?: () => unknown[];
  getJSONStrings?: () => unknown[];
  getProperties?: () => unknown[];
  getSubcommand?: () => unknown;
  getTriggerInstruction?: () => unknown;
}

const dockerfileAst: Parser = (text) => {
  const doc = DockerfileParser.parse(text);
  let n = doc.getComments().length + doc.getDirectives().length;
  for (const ins of doc.getInstructions()) {
    const more = ins as unknown as Optional;
    const range = ins.getRange();
    n += ins.getKeyword().length + ins.getArguments().length + (range.end.line - range.start.line);
    n += (more.getFlags?.().length ?? 0) + (more.getHeredocs?.().length ?? 0) + (more.getJSONStrings?.().length ?? 0);
    n += (more.getProperties?.().length ?? 0) + (more.getSubcommand?.() ? 1 : 0) + (more.getTriggerInstruction?.() ? 1 : 0);
  }
  return n;
};

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * MB/s (10^6 bytes of UTF-8 source per CPU second) of each parser, measured in
 * alternating rounds of about 0.2 s each until each has run for about `seconds`.
 */
function throughput(parsers: Parser[], texts: string[], bytes: number, seconds: number): number[] {
  for (const run of parsers) for (let i = 0; i < 20; i++) for (const t of texts) run(t);
  const passes = parsers.map(() => 0);
  const spent = parsers.map(() => 0);
  let sink = 0;
  while (spent.some((s) => s < seconds)) {
    for (const [k, run] of parsers.entries()) {
      const start = cpuSeconds();
      let elapsed = 0;
      while (elapsed < 0.2) {
        for (const t of texts) sink += run(t);
        passes[k]!++;
        elapsed = cpuSeconds() - start;
      }
      spent[k]! += elapsed;
    }
  }
  if (sink < 0) console.log(sink);
  return parsers.map((_, k) => (bytes * passes[k]!) / 1e6 / spent[k]!);
}

/** Best of `tries` CPU times in milliseconds. */
function best(run: () => void, tries = 3): number {
  let min = Infinity;
  for (let i = 0; i < tries; i++) {
    const start = cpuSeconds();
    run();
    min = Math.min(min, (cpuSeconds() - start) * 1e3);
  }
  return min;
}

/** Inputs of about `size` bytes in three shapes that stress different parts of the parser. */
function shapes(corpus: string[], size: number): Array<[string, string]> {
  const joined = corpus.filter((t) => !t.startsWith('# escape')).join('\n');
  let repeated = '';
  while (repeated.length < size) repeated += `${joined}\n`;
  const body = 'echo "a line of a long shell script" && true\n';
  const heredoc = `FROM scratch\nRUN <<EOF\n${body.repeat(Math.ceil(size / body.length))}EOF\n`;
  const line = '    && echo "a continued line" \\\n';
  const continuation = `FROM scratch\nRUN true \\\n${line.repeat(Math.ceil(size / line.length))}    && true\n`;
  return [['repeated corpus', repeated], ['one 10 MB heredoc', heredoc], ['one long continuation', continuation]];
}

function main(): void {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '2' } } });
  const seconds = Number(values.seconds);
  const dir = path.join(repoRoot(), 'bench', 'corpus');
  const names = readdirSync(dir).sort();
  const texts = names.map((n) => readFileSync(path.join(dir, n), 'utf8'));
  const bytes = texts.reduce((sum, t) => sum + Buffer.byteLength(t), 0);
  for (const [i, t] of texts.entries()) {
    const r = parse(t);
    if (r.errors.length > 0) throw new Error(`${names[i]} does not parse: ${r.errors[0]!.message}`);
  }

  console.log(`corpus: ${names.length} Dockerfiles, ${(bytes / 1024).toFixed(1)} KiB (bench/corpus)`);
  const [ours, theirs] = throughput([slipway, dockerfileAst], texts, bytes, seconds) as [number, number];
  const ratio = ours / theirs;
  console.log(`slipway         ${ours.toFixed(2).padStart(8)} MB/s`);
  console.log(`dockerfile-ast  ${theirs.toFixed(2).padStart(8)} MB/s`);
  console.log(`ratio           ${ratio.toFixed(1).padStart(8)}x   (target >= ${TARGET_RATIO}x: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'})`);

  console.log('\nlinear time, slipway (CPU time, best of 3):');
  console.log(`  ${'shape'.padEnd(24)}${'1 MB'.padStart(10)}${'10 MB'.padStart(11)}   10 MB / (10 x 1 MB)`);
  const small = shapes(texts, 1_000_000);
  const large = shapes(texts, 10_000_000);
  let linear = true;
  for (const [k, [label, text]] of small.entries()) {
    const big = large[k]![1];
    best(() => parse(text));
    const one = best(() => parse(text), 5);
    const ten = best(() => parse(big));
    const scale = (ten / one) * (text.length / big.length);
    if (scale > LINEAR_LIMIT) linear = false;
    console.log(`  ${label.padEnd(24)}${`${one.toFixed(1)} ms`.padStart(10)}${`${ten.toFixed(1)} ms`.padStart(11)}   ${scale.toFixed(2)}`);
  }
  console.log(`linear: ${linear ? 'yes' : 'NO'} (per-byte cost ratio within ${LINEAR_LIMIT}; quadratic growth would show about 10)`);
}

main();
