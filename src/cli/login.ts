import { parseArgs } from 'node:util';
import { SlipwayError } from '../errors.js';
import { closeIdleConnections, login } from '../registry/index.js';
import { EXIT_USAGE, type Command, type Io } from './types.js';

const USAGE = 'login [-u USER] [-p PASSWORD | --password-stdin] [REGISTRY]';

async function readStdin(io: Io): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  // docker strips exactly the trailing line break `echo` adds.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      username: { type: 'string', short: 'u' },
      password: { type: 'string', short: 'p' },
      'password-stdin': { type: 'boolean' },
    },
  });
  if (positionals.length > 1) {
    io.stderr.write(`slipway login: expected at most one REGISTRY\nUsage: slipway ${USAGE}\n`);
    return EXIT_USAGE;
  }
  if (values.password !== undefined && values['password-stdin']) {
    throw new SlipwayError('REGISTRY_LOGIN_USAGE', '--password and --password-stdin are mutually exclusive', { exitCode: EXIT_USAGE });
  }
  if (!values.username) {
    throw new SlipwayError('REGISTRY_LOGIN_USAGE', 'a username is required: pass -u USER (with --password-stdin for the password)', { exitCode: EXIT_USAGE });
  }
  let password = values.password;
  if (password !== undefined) io.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  if (values['password-stdin']) password = await readStdin(io);
  if (!password) {
    throw new SlipwayError('REGISTRY_LOGIN_USAGE', 'a password is required: pipe it to --password-stdin', { exitCode: EXIT_USAGE });
  }
  try {
    await login(positionals[0], { username: values.username, password, env: io.env });
  } finally {
    closeIdleConnections();
  }
  io.stdout.write('Login Succeeded\n');
  return 0;
}

export const loginCommand: Command = {
  name: 'login',
  summary: 'Log in to a registry (stores credentials as docker does)',
  usage: USAGE,
  run,
};
