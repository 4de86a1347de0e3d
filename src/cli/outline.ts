import { parseArgs } from 'node:util';
import { SlipwayError } from '../errors.js';
import { UNLOCATED_CODES, hostPlatform, outline, parsePlatform, planDockerfile, type Outline } from '../plan/index.js';
import { formatDiagnostic, type Diagnostic, type Range } from '../syntax/index.js';
import { readDockerfile } from './input.js';
import { EXIT_USAGE, type Command, type Io } from './types.js';

/** Prints problems as `file:line:col: message` with a caret excerpt; true if any is an error. */
export function report(problems: readonly Diagnostic[], text: string, file: string, io: Io): boolean {
  for (const p of problems) {
    if (UNLOCATED_CODES.has(p.code)) io.stderr.write(`${file}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}\n`);
    else io.stderr.write(formatDiagnostic(p, text, file));
  }
  return problems.some((p) => p.severity === 'error');
}

/** Go's text/tabwriter with padding `pad`: every column but the last padded to its widest cell. */
export function table(rows: readonly (readonly string[])[], pad: number): string {
  const widths: number[] = [];
  for (const row of rows) row.slice(0, -1).forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, [...cell].length); });
  return rows.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]! + pad + cell.length - [...cell].length) : cell)).join('') + '\n').join('');
}

export const location = (r: Range) => ({ start: { line: r.start.line, column: r.start.column }, end: { line: r.end.line, column: r.end.column } });

/** The text form `docker buildx build --call=outline` prints. */
export function formatOutline(o: Outline): string {
  let out = '';
  if (o.name || o.description) {
    const head: string[][] = [];
    if (o.name) head.push(['TARGET:', o.name]);
    if (o.description) head.push(['DESCRIPTION:', o.description]);
    out += table(head, 1) + '\n';
  }
  if (o.args.length > 0) out += table([['BUILD ARG', 'VALUE', 'DESCRIPTION'], ...o.args.map((a) => [a.name, a.value ?? '', a.description])], 3) + '\n';
  if (o.secrets.length > 0) out += table([['SECRET', 'REQUIRED', 'DESCRIPTION'], ...o.secrets.map((s) => [s.name, s.required ? 'true' : '', ''])], 3) + '\n';
  if (o.ssh.length > 0) out += table([['SSH', 'REQUIRED', 'DESCRIPTION'], ...o.ssh.map((s) => [s.name, s.required ? 'true' : '', ''])], 3) + '\n';
  return out;
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      format: { type: 'string', default: 'text' }, target: { type: 'string' },
      'build-arg': { type: 'string', multiple: true, default: [] }, platform: { type: 'string' },
    },
  });
  if (positionals.length > 1 || (values.format !== 'text' && values.format !== 'json')) {
    io.stderr.write(`slipway outline: usage: slipway ${outlineCommand.usage}\n`);
    return EXIT_USAGE;
  }
  const buildArgs: Record<string, string> = {};
  for (const kv of values['build-arg']) {
    const eq = kv.indexOf('=');
    // docker: a bare NAME takes its value from the environment, and is skipped if unset.
    if (eq >= 0) buildArgs[kv.slice(0, eq)] = kv.slice(eq + 1);
    else if (io.env[kv] !== undefined) buildArgs[kv] = io.env[kv]!;
  }
  const host = hostPlatform();
  let targetPlatform;
  if (values.platform !== undefined) {
    const p = parsePlatform(values.platform, host);
    if (typeof p === 'string') throw new SlipwayError('PLAN_INVALID_PLATFORM', p, { exitCode: EXIT_USAGE });
    targetPlatform = p;
  }
  const file = positionals[0] ?? 'Dockerfile';
  const text = await readDockerfile(file, io);
  const plan = planDockerfile(text, { buildArgs, target: values.target, buildPlatform: host, targetPlatform });
  const name = file === '-' ? '<stdin>' : file;
  if (report([...plan.warnings, ...plan.errors], text, name, io)) return 1;
  const o = outline(plan);
  if (values.format === 'json') {
    const loc = <T extends { range: Range }>({ range, ...rest }: T) => ({ ...rest, location: location(range) });
    io.stdout.write(`${JSON.stringify({ name: o.name, description: o.description, args: o.args.map(loc), secrets: o.secrets.map(loc), ssh: o.ssh.map(loc), cache: o.cache.map(loc) }, null, 2)}\n`);
  } else {
    io.stdout.write(formatOutline(o));
  }
  return 0;
}

export const outlineCommand: Command = {
  name: 'outline',
  summary: 'List the build arguments, secrets and SSH sockets a build takes (BuildKit\'s outline)',
  usage: 'outline [--target=STAGE] [--build-arg=NAME[=VALUE]]... [--platform=OS/ARCH] [--format=text|json] [FILE|-]',
  run,
};
