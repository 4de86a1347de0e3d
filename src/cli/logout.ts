import { parseArgs } from 'node:util';
import { logout } from '../registry/index.js';
import { EXIT_USAGE, type Command, type Io } from './types.js';

const USAGE = 'logout [REGISTRY]';

async function run(argv: string[], io: Io): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  if (positionals.length > 1) {
    io.stderr.write(`slipway logout: expected at most one REGISTRY\nUsage: slipway ${USAGE}\n`);
    return EXIT_USAGE;
  }
  const { registry, removed } = await logout(positionals[0], { env: io.env });
  io.stdout.write(removed ? `Removing login credentials for ${registry}\n` : `Not logged in to ${registry}\n`);
  return 0;
}

export const logoutCommand: Command = {
  name: 'logout',
  summary: 'Log out from a registry (forgets stored credentials)',
  usage: USAGE,
  run,
};
