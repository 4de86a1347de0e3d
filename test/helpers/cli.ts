import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/types.js';

export interface CliResult { code: number; stdout: string; stderr: string }

/** Runs the CLI in-process with captured output. */
export async function runCli(argv: string[], options: { stdin?: string | Buffer; env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: { write: (c) => { stdout += typeof c === 'string' ? c : Buffer.from(c).toString(); return true; } },
    stderr: { write: (c) => { stderr += typeof c === 'string' ? c : Buffer.from(c).toString(); return true; } },
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    env: { ...process.env, ...options.env },
    cwd: options.cwd ?? process.cwd(),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
