import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadArchive, loadLayoutDir } from '../image/index.js';
import { familiarReference, parseReference } from '../oci/index.js';
import { Store } from '../store/index.js';
import { type Command, type Io } from './types.js';

async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args: argv, allowPositionals: false, options: { input: { type: 'string', short: 'i' }, quiet: { type: 'boolean', short: 'q' } } });
  const store = await Store.open({ env: io.env });
  const input = values.input === undefined || values.input === '-' ? undefined : path.resolve(io.cwd, values.input);
  const isDir = input !== undefined && (await fs.stat(input).catch(() => undefined))?.isDirectory();
  const images = isDir ? await loadLayoutDir(store, input!) : await loadArchive(store, input === undefined ? io.stdin : createReadStream(input));
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
  summary: 'Load images from a tar archive (OCI layout, docker save, plain or gzipped) or an OCI layout directory',
  usage: 'load [-i FILE|DIR] [-q]',
  run,
};
