import { parseArgs } from 'node:util';
import { listImageSummaries } from '../image/index.js';
import { Store } from '../store/index.js';
import { humanSize, shortId, since, table } from './store-format.js';
import { EXIT_USAGE, type Command, type Io } from './types.js';

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { format: { type: 'string' }, quiet: { type: 'boolean', short: 'q' }, 'no-trunc': { type: 'boolean' } } });
  if (positionals.length > 1 || (values.format !== undefined && values.format !== 'json' && values.format !== 'table')) {
    io.stderr.write(`slipway images: usage: slipway ${imagesCommand.usage}\n`);
    return EXIT_USAGE;
  }
  const store = await Store.open({ env: io.env });
  const rows = await listImageSummaries(store, positionals[0]);
  const id = (d: string) => (values['no-trunc'] ? d : shortId(d));
  if (values.quiet) {
    io.stdout.write([...new Set(rows.map((r) => id(r.id)))].map((l) => `${l}\n`).join(''));
  } else if (values.format === 'json') {
    for (const r of rows) {
      io.stdout.write(`${JSON.stringify({ Containers: 'N/A', CreatedAt: r.created, CreatedSince: since(r.created), Digest: r.digest, ID: id(r.id), Repository: r.repository, Size: humanSize(r.size), Tag: r.tag })}\n`);
    }
  } else {
    io.stdout.write(table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rows.map((r) => [r.repository, r.tag, id(r.id), since(r.created), humanSize(r.size)])));
  }
  return 0;
}

export const imagesCommand: Command = {
  name: 'images',
  aliases: ['image ls', 'image list'],
  summary: 'List images in the local store',
  usage: 'images [--format json|table] [-q] [--no-trunc] [REPOSITORY[:TAG]]',
  run,
};
