import { parseArgs } from 'node:util';
import { familiarReference, parseReference } from '../oci/index.js';
import { Store } from '../store/index.js';
import { EXIT_USAGE, type Command, type Io } from './types.js';

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { force: { type: 'boolean', short: 'f' } } });
  if (positionals.length === 0) {
    io.stderr.write(`slipway rmi: usage: slipway ${rmiCommand.usage}\n`);
    return EXIT_USAGE;
  }
  const store = await Store.open({ env: io.env });
  for (const ref of positionals) {
    const r = await store.removeImage(ref, { force: values.force ?? false });
    for (const u of r.untagged) io.stdout.write(`Untagged: ${familiarReference(parseReference(u))}\n`);
    for (const d of r.deleted) io.stdout.write(`Deleted: ${d}\n`);
  }
  return 0;
}

export const rmiCommand: Command = {
  name: 'rmi',
  aliases: ['image rm'],
  summary: 'Remove images (blobs are freed by prune)',
  usage: 'rmi [-f] IMAGE...',
  run,
};
