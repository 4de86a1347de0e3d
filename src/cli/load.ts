import { createReadStream } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadArchive } from '../image/index.js';
import { familiarReference, parseReference } from '../oci/index.js';
import { Store } from '../store/index.js';
import { type Command, type Io } from './types.js';

async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args: argv, allowPositionals: false, options: { input: { type: 'string', short: 'i' }, quiet: { type: 'boolean', short: 'q' } } });
  const store = await Store.open({ env: io.env });
  const source = values.input === undefined || values.input === '-' ? io.stdin : createReadStream(path.resolve(io.cwd, values.input));
  const images = await loadArchive(store, source);
  if (!values.quiet) {
    for (const img of images) {
      if (img.names.length === 0) io.stdout.write(`Loaded image ID: ${img.id}\n`);
      for (const n of img.names) io.stdout.write(`Loaded image: ${familiarReference(parseReference(n))}\n`);
    }
  }
  return 0;
}

export const loadCommand: Command = {
  name: 'load',
  aliases: ['image load'],
  summary: 'Load images from a tar archive (OCI layout, docker save, plain or gzipped)',
  usage: 'load [-i FILE] [-q]',
  run,
};
