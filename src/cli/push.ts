import { parseArgs } from 'node:util';
import { SlipwayError } from '../errors.js';
import { closeIdleConnections, progressRenderer, push, pushAllTags } from '../registry/index.js';
import { Store } from '../store/index.js';
import { EXIT_USAGE, type Command, type Io } from './types.js';

const USAGE = 'push [-q] [--chunk-size BYTES] SOURCE [DEST] | push -a NAME';

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { quiet: { type: 'boolean', short: 'q' }, 'chunk-size': { type: 'string' }, 'all-tags': { type: 'boolean', short: 'a' } },
  });
  if (positionals.length < 1 || positionals.length > (values['all-tags'] ? 1 : 2)) {
    io.stderr.write(`slipway push: expected SOURCE and an optional DEST reference\nUsage: slipway ${USAGE}\n`);
    return EXIT_USAGE;
  }
  let chunkSize: number | undefined;
  if (values['chunk-size'] !== undefined) {
    chunkSize = Number(values['chunk-size']);
    if (!Number.isSafeInteger(chunkSize) || chunkSize < 1024) {
      throw new SlipwayError('REGISTRY_BAD_CHUNK_SIZE', `--chunk-size must be a whole number of bytes >= 1024, got ${values['chunk-size']}`, { exitCode: EXIT_USAGE });
    }
  }
  const store = await Store.open({ env: io.env });
  const render = values.quiet ? undefined : progressRenderer(io.stdout);
  try {
    const [source, dest] = positionals as [string, string | undefined];
    if (!values.quiet) io.stdout.write(`The push refers to ${dest ?? source}\n`);
    const options = { store, env: io.env, chunkSize, onProgress: render };
    const results = values['all-tags'] ? await pushAllTags(source, options) : [await push(source, dest, options)];
    render?.finish();
    for (const result of results) {
      const name = result.reference.replace(/@sha256:[a-f0-9]+$/, '');
      const tag = /:([\w][\w.-]*)$/.exec(name.slice(name.lastIndexOf('/')))?.[1];
      io.stdout.write(values.quiet ? `${result.reference}\n` : `${tag ?? result.digest}: digest: ${result.digest} size: ${result.size}\n`);
    }
    return 0;
  } finally {
    closeIdleConnections();
  }
}

export const pushCommand: Command = {
  name: 'push',
  aliases: ['image push'],
  summary: 'Push an image from the local store to a registry',
  usage: USAGE,
  run,
};
