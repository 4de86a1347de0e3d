import { parseArgs } from 'node:util';
import { inspectImage } from '../image/index.js';
import { Store } from '../store/index.js';
import { EXIT_USAGE, type Command, type Io } from './types.js';

async function run(argv: string[], io: Io): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: { format: { type: 'string', short: 'f' } } });
  if (positionals.length === 0) {
    io.stderr.write(`slipway image inspect: usage: slipway ${imageInspectCommand.usage}\n`);
    return EXIT_USAGE;
  }
  const store = await Store.open({ env: io.env });
  const out = [];
  for (const ref of positionals) out.push(await inspectImage(store, ref));
  io.stdout.write(`${JSON.stringify(out, null, 4)}\n`);
  return 0;
}

export const imageInspectCommand: Command = {
  name: 'image inspect',
  summary: 'Show the configuration and layers of images as JSON',
  usage: 'image inspect IMAGE...',
  run,
};
