import { parseArgs } from 'node:util';
import { imageHistory } from '../image/index.js';
import { Store } from '../store/index.js';
import { humanSize, shortId, since, table } from './store-format.js';
import { EXIT_USAGE, type Command, type Io } from './types.js';

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { 'no-trunc': { type: 'boolean' }, format: { type: 'string' } } });
  if (positionals.length !== 1) {
    io.stderr.write(`slipway history: usage: slipway ${historyCommand.usage}\n`);
    return EXIT_USAGE;
  }
  const store = await Store.open({ env: io.env });
  const rows = await imageHistory(store, positionals[0]!);
  if (values.format === 'json') {
    for (const r of rows) io.stdout.write(`${JSON.stringify({ ID: r.id, CreatedAt: r.created, CreatedBy: r.createdBy, Size: humanSize(r.size), Comment: r.comment })}\n`);
    return 0;
  }
  const trunc = (s: string) => (values['no-trunc'] || s.length <= 45 ? s : `${s.slice(0, 44)}…`);
  io.stdout.write(table(['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'], rows.map((r) => [
    r.id === '<missing>' || values['no-trunc'] ? r.id : shortId(r.id), since(r.created), trunc(r.createdBy), humanSize(r.size), r.comment,
  ])));
  return 0;
}

export const historyCommand: Command = {
  name: 'history',
  aliases: ['image history'],
  summary: 'Show the build steps of an image',
  usage: 'history [--no-trunc] [--format json] IMAGE',
  run,
};
