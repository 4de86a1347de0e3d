import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SlipwayError } from '../errors.js';
import { dump, formatDiagnostic, parse } from '../syntax/index.js';
import { EXIT_USAGE, type Command, type Io } from './types.js';

async function readInput(file: string, io: Io): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(path.resolve(io.cwd, file), 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new SlipwayError('PARSE_READ_FAILED', `cannot read ${file}: ${reason}`);
  }
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { format: { type: 'string', default: 'dump' } } });
  const format = values.format;
  if (positionals.length !== 1 || (format !== 'dump' && format !== 'json')) {
    io.stderr.write(`slipway parse: usage: slipway ${parseCommand.usage}\n`);
    return EXIT_USAGE;
  }
  const file = positionals[0]!;
  const text = await readInput(file, io);
  const name = file === '-' ? '<stdin>' : file;
  const result = parse(text, { file: name });
  for (const w of result.warnings) io.stderr.write(formatDiagnostic(w, text, name));
  if (result.errors.length > 0) {
    for (const e of result.errors) io.stderr.write(formatDiagnostic(e, text, name));
    return 1;
  }
  if (format === 'dump') {
    io.stdout.write(dump(result.ast));
  } else {
    const { ast, directives, escapeToken, warnings } = result;
    io.stdout.write(`${JSON.stringify({ ast, directives, escapeToken, warnings }, null, 2)}\n`);
  }
  return 0;
}

export const parseCommand: Command = {
  name: 'parse',
  summary: 'Parse a Dockerfile and print its syntax tree (BuildKit dump or JSON with ranges)',
  usage: 'parse [--format=dump|json] FILE|-',
  run,
};
