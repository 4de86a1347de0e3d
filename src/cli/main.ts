import { SlipwayError } from '../errors.js';
import { commands, type CommandEntry } from './commands.js';
import { EXIT_USAGE, type Command, type Io } from './types.js';

export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}

async function help(): Promise<string> {
  const all = await Promise.all(commands.map((c) => c.load()));
  const width = Math.max(...all.map((c) => c.name.length), 8);
  const lines = all.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: slipway COMMAND [OPTIONS]\n\nDaemonless Dockerfile parser, linter and OCI image builder.\n\nCommands:\n${lines.join('\n')}\n\nRun 'slipway COMMAND --help' for more information on a command.\n`;
}

/** Finds the subcommand named by the leading argv words (`image inspect` or `images`). */
export function findCommand(argv: string[]): { entry: CommandEntry; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const entry = commands.find((c) => c.name === name || c.aliases?.includes(name));
    if (entry && argv.length >= words) return { entry, rest: argv.slice(words) };
  }
  return undefined;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(await help());
    return argv.length === 0 ? EXIT_USAGE : 0;
  }
  if (argv[0] === '--version' || argv[0] === 'version') {
    io.stdout.write('slipway 0.1.0\n');
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    io.stderr.write(`slipway: unknown command '${argv[0]}'\nRun 'slipway --help' for a list of commands.\n`);
    return EXIT_USAGE;
  }
  const { entry, rest } = found;
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`Usage: slipway ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    return report(err, command, io);
  }
}

function report(err: unknown, command: Command, io: Io): number {
  if (err instanceof SlipwayError) {
    io.stderr.write(`slipway ${command.name}: ${err.message}\n`);
    return err.exitCode;
  }
  // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed flags.
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    io.stderr.write(`slipway ${command.name}: ${(err as Error).message}\nUsage: slipway ${command.usage}\n`);
    return EXIT_USAGE;
  }
  const detail = err instanceof Error ? err.stack ?? err.message : String(err);
  io.stderr.write(`slipway ${command.name}: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
  if (io.env.SLIPWAY_DEBUG) io.stderr.write(`${detail}\n`);
  return 70;
}

