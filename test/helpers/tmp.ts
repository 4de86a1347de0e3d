/**
 * Temp dirs for tests that make many: each is removed when the test process exits (node
 * --test runs every test file in a process of its own), so a CI run leaves nothing in /tmp.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A new dir under the system temp dir, named `prefix` + random, removed at exit. */
export function tempDirSync(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
