import path from 'node:path';
import { parseArgs } from 'node:util';
import { SlipwayError } from '../errors.js';
import { saveImages, saveImagesToFile, type ArchiveFormat } from '../image/index.js';
import { Store } from '../store/index.js';
import { EXIT_USAGE, type Command, type Io } from './types.js';

const FORMATS: Record<string, ArchiveFormat> = { oci: 'oci', docker: 'docker', combined: 'combined' };

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { output: { type: 'string', short: 'o' }, format: { type: 'string' } } });
  const format = FORMATS[values.format ?? 'combined'];
  if (positionals.length === 0 || !format) {
    io.stderr.write(`slipway save: usage: slipway ${saveCommand.usage}\n`);
    return EXIT_USAGE;
  }
  const store = await Store.open({ env: io.env });
  if (values.output === undefined || values.output === '-') {
    if ((io.stdout as { isTTY?: boolean }).isTTY) throw new SlipwayError('SAVE_TTY', 'refusing to write an archive to a terminal; use -o FILE', { exitCode: 1 });
    await saveImages(store, positionals, io.stdout as unknown as NodeJS.WritableStream, format);
  } else {
    await saveImagesToFile(store, positionals, path.resolve(io.cwd, values.output), format);
  }
  return 0;
}

export const saveCommand: Command = {
  name: 'save',
  aliases: ['image save'],
  summary: 'Write images to a tar archive (OCI layout + docker manifest by default)',
  usage: 'save [-o FILE] [--format=oci|docker] IMAGE...',
  run,
};
