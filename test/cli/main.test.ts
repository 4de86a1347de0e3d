import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';
import { commands } from '../../src/cli/commands.js';

test('no arguments prints usage and exits 2', async () => {
  const r = await runCli([]);
  assert.equal(r.code, 2);
  assert.match(r.stdout, /^Usage: slipway COMMAND/);
});

test('unknown command exits 2 with a message, no stack', async () => {
  const r = await runCli(['frobnicate']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.split('\n')[0], "slipway: unknown command 'frobnicate'");
  assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/);
});

test('--version prints the version', async () => {
  const r = await runCli(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'slipway 0.1.0\n');
});

test('every subcommand module loads on its own (no import cycle through the CLI table)', async () => {
  const { readdirSync } = await import('node:fs');
  const { execFileSync } = await import('node:child_process');
  const cliDir = new URL('../../src/cli/', import.meta.url);
  const modules = readdirSync(cliDir).filter((f) => f.endsWith('.js') && f !== 'main.js' && f !== 'bin.js' && f !== 'commands.js');
  assert.ok(modules.length >= 18, modules.join(' '));
  // A cycle only bites when the module is the first one loaded, hence one process each.
  for (const m of modules) {
    execFileSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(new URL(m, cliDir).href)});`], { stdio: 'pipe' });
  }
});

test('the lazy command table names each command as its module does', async () => {
  const names = new Set<string>();
  for (const entry of commands) {
    const command = await entry.load();
    assert.equal(command.name, entry.name);
    assert.deepEqual(command.aliases ?? [], entry.aliases ?? [], entry.name);
    for (const n of [entry.name, ...(entry.aliases ?? [])]) {
      assert.ok(!names.has(n), `${n} is listed twice`);
      names.add(n);
    }
  }
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  for (const entry of commands) assert.match(help.stdout, new RegExp(`^  ${entry.name} +\\S`, 'm'));
});
