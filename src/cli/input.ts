import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SlipwayError } from '../errors.js';
import type { Io } from './types.js';

/** Reads a Dockerfile named on the command line (relative to the working directory), or stdin for `-`. */
export async function readDockerfile(file: string, io: Io): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(path.resolve(io.cwd, file), 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new SlipwayError('CLI_READ_FAILED', `cannot read ${file}: ${reason}`);
  }
}
