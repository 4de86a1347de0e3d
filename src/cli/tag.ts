import { parseArgs } from 'node:util';
import { Store } from '../store/index.js';
import { EXIT_USAGE, type Command, type Io } from './types.js';

async function run(argv: string[], io: Io): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  if (positionals.length !== 2) {
    io.stderr.write(`slipway tag: usage: slipway ${tagCommand.usage}\n`);
    return EXIT_USAGE;
  }
  const store = await Store.open({ env: io.env });
  await store.tag(positionals[0]!, positionals[1]!);
  return 0;
}

export const tagCommand: Command = {
  name: 'tag',
  aliases: ['image tag'],
  summary: 'Give an image another name',
  usage: 'tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  run,
};
