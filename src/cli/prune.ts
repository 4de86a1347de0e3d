import { parseArgs } from 'node:util';
import { Store, pruneStore } from '../store/index.js';
import { humanSize } from './store-format.js';
import { type Command, type Io } from './types.js';

async function run(argv: string[], io: Io): Promise<number> {
  parseArgs({ args: argv, allowPositionals: false, options: { force: { type: 'boolean', short: 'f' }, all: { type: 'boolean', short: 'a' } } });
  const store = await Store.open({ env: io.env });
  const r = await pruneStore(store);
  for (const d of r.blobsRemoved) io.stdout.write(`deleted blob: ${d}\n`);
  for (const d of r.layerDirsRemoved) io.stdout.write(`deleted layer dir: ${d}\n`);
  io.stdout.write(`Total reclaimed space: ${humanSize(r.bytesFreed)}\n`);
  return 0;
}

export const pruneCommand: Command = {
  name: 'prune',
  aliases: ['image prune', 'system prune'],
  summary: 'Delete blobs and extracted layers no image references',
  usage: 'prune [-f]',
  run,
};
