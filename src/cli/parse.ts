import { parseArgs } from 'node:util';
import { dump, formatDiagnostic, parse } from '../syntax/index.js';
import { readDockerfile } from './input.js';
import { EXIT_USAGE, type Command, type Io } from './types.js';

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { format: { type: 'string', default: 'dump' } } });
  const format = values.format;
  if (positionals.length !== 1 || (format !== 'dump' && format !== 'json')) {
    io.stderr.write(`slipway parse: usage: slipway ${parseCommand.usage}\n`);
    return EXIT_USAGE;
  }
  const file = positionals[0]!;
  const text = await readDockerfile(file, io);
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
