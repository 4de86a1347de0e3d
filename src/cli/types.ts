import type { Readable } from 'node:stream';

/**
 * Everything a subcommand may touch of the outside world, injected so that tests
 * run the CLI in-process and read exactly what it printed.
 */
export interface Io {
  readonly stdout: { write(chunk: string | Uint8Array): unknown; isTTY?: boolean };
  readonly stderr: { write(chunk: string | Uint8Array): unknown; isTTY?: boolean };
  readonly stdin: Readable;
  readonly env: Record<string, string | undefined>;
  readonly cwd: string;
}

/**
 * One subcommand: one file under src/cli/ exports one of these. `run` parses its own
 * argv (node:util parseArgs), calls one library function, prints, and returns the exit
 * code. User errors are thrown as SlipwayError; main() maps them to messages and codes.
 */
export interface Command {
  readonly name: string;
  /** Extra names, e.g. `image ls` for `images`. */
  readonly aliases?: readonly string[];
  readonly summary: string;
  readonly usage: string;
  run(argv: string[], io: Io): Promise<number>;
}

/** Exit code for usage errors (bad flags, missing arguments), as docker and hadolint use. */
export const EXIT_USAGE = 2;
