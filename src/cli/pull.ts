import { parseArgs } from 'node:util';
import { parseReference } from '../oci/index.js';
import { closeIdleConnections, progressRenderer, pull } from '../registry/index.js';
import { Store } from '../store/index.js';
import { EXIT_USAGE, type Command, type Io } from './types.js';

const USAGE = 'pull [--platform os/arch[/variant]] [-q] NAME[:TAG|@DIGEST]';

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { platform: { type: 'string' }, quiet: { type: 'boolean', short: 'q' } },
  });
  if (positionals.length !== 1) {
    io.stderr.write(`slipway pull: expected exactly one image reference\nUsage: slipway ${USAGE}\n`);
    return EXIT_USAGE;
  }
  const ref = parseReference(positionals[0]!);
  const store = await Store.open({ env: io.env });
  const render = values.quiet ? undefined : progressRenderer(io.stdout);
  if (!values.quiet) {
    if (!/[:@][^/]*$/.test(positionals[0]!)) io.stdout.write('Using default tag: latest\n');
    io.stdout.write(`${ref.digest ?? ref.tag}: Pulling from ${ref.path}\n`);
  }
  try {
    const result = await pull(positionals[0]!, { store, env: io.env, platform: values.platform ?? io.env.DOCKER_DEFAULT_PLATFORM, onProgress: render });
    render?.finish();
    if (!values.quiet) {
      io.stdout.write(`Digest: ${result.resolvedDigest}\n`);
      io.stdout.write(result.downloaded.blobs > 0 ? `Status: Downloaded newer image for ${result.reference}\n` : `Status: Image is up to date for ${result.reference}\n`);
    }
    io.stdout.write(`${result.reference}\n`);
    return 0;
  } finally {
    closeIdleConnections();
  }
}

export const pullCommand: Command = {
  name: 'pull',
  aliases: ['image pull'],
  summary: 'Pull an image from a registry into the local store',
  usage: USAGE,
  run,
};
