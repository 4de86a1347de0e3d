import { parseArgs } from 'node:util';
import { listTargets, type Target } from '../plan/index.js';
import { readDockerfile } from './input.js';
import { location, report, table } from './outline.js';
import { EXIT_USAGE, type Command, type Io } from './types.js';

/** The text form `docker buildx build --call=targets` prints. */
export function formatTargets(targets: readonly Target[]): string {
  const rows = targets.map((t) => {
    const name = t.default ? (t.name ? `${t.name} (default)` : '(default)') : t.name ?? '';
    return [name, t.description];
  });
  return table([['TARGET', 'DESCRIPTION'], ...rows], 3);
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { format: { type: 'string', default: 'text' } } });
  if (positionals.length > 1 || (values.format !== 'text' && values.format !== 'json')) {
    io.stderr.write(`slipway targets: usage: slipway ${targetsCommand.usage}\n`);
    return EXIT_USAGE;
  }
  const file = positionals[0] ?? 'Dockerfile';
  const text = await readDockerfile(file, io);
  const result = listTargets(text);
  if (!result.ok) {
    report(result.errors, text, file === '-' ? '<stdin>' : file, io);
    return 1;
  }
  if (values.format === 'json') {
    const targets = result.targets.map(({ range, ...t }) => ({ ...t, location: location(range) }));
    io.stdout.write(`${JSON.stringify({ targets }, null, 2)}\n`);
  } else {
    io.stdout.write(formatTargets(result.targets));
  }
  return 0;
}

export const targetsCommand: Command = {
  name: 'targets',
  summary: 'List the stages a Dockerfile can build, with descriptions (BuildKit\'s targets)',
  usage: 'targets [--format=text|json] [FILE|-]',
  run,
};
