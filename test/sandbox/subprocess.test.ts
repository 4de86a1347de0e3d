/**
 * Short commands during a build go through one helper process (src/subprocess.ts): they
 * must behave as if spawned here: same status, output, stdin, working dir and quoting,
 * concurrently, and a missing command is spawn's ENOENT.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { holdShortCommands, releaseShortCommands, runShort } from '../../src/subprocess.js';

const cases: [string, string[], { cwd?: string; input?: Buffer }][] = [
  ['sh', ['-c', 'printf "%s|" "$@"; echo; echo oops >&2; exit 3', 'x', "it's", '$HOME', 'a b', '`id`', '*', ''], {}],
  ['sh', ['-c', 'pwd'], { cwd: os.tmpdir() }],
  ['cat', [], { input: Buffer.from('line one\nline two\n\0binary\xff') }],
  ['sh', ['-c', 'kill -9 $$'], {}],
];

async function outcomes(): Promise<string[]> {
  return Promise.all(cases.map(async ([cmd, args, o]) => {
    const r = await runShort(cmd, args, o);
    return `${r.code} ${JSON.stringify(r.stdout.toString('latin1'))} ${JSON.stringify(r.stderr.toString())}`;
  }));
}

test('through the helper, commands give what spawning them here gives', async () => {
  const here = await outcomes();
  assert.equal(here[0], `3 ${JSON.stringify("it's|$HOME|a b|`id`|*||\n")} "oops\\n"`);
  assert.equal(here[3]!.split(' ')[0], '137');
  holdShortCommands();
  try {
    const helped = await outcomes();
    assert.deepEqual(helped, here);
    // Many at once: each gets its own answer.
    const many = await Promise.all(Array.from({ length: 40 }, (_, i) => runShort('sh', ['-c', `sleep 0.0$((${i} % 5)); echo ${i}`])));
    assert.deepEqual(many.map((r) => r.stdout.toString().trim()), Array.from({ length: 40 }, (_, i) => String(i)));
    await assert.rejects(runShort('no-such-command-here', []), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
    // The helper has a process group of its own: a terminal's Ctrl-C to this one leaves it to
    // run the commands that stop a build.
    const group = (await runShort('sh', ['-c', 'ps -o pgid= -p $$'])).stdout.toString().trim();
    const ours = (await runShort('ps', ['-o', 'pgid=', '-p', String(process.pid)])).stdout.toString().trim();
    assert.notEqual(group, ours);
    // An argument with a newline cannot go on the helper's line: it is run here, the same.
    const nl = await runShort('printf', ['%s', 'a\nb']);
    assert.equal(nl.stdout.toString(), 'a\nb');
  } finally {
    releaseShortCommands();
  }
});

test('the helper ends after its last user, once what it runs is over; the process is not held by it', async () => {
  holdShortCommands();
  const before = readdirSync(os.tmpdir()).filter((d) => d.startsWith('slipway-cmd-'));
  const slow = runShort('sh', ['-c', 'sleep 0.2; echo done']);
  releaseShortCommands();
  assert.equal((await slow).stdout.toString(), 'done\n');
  // Its dir goes with it, whether or not this process waits for it to exit.
  const left = readdirSync(os.tmpdir()).filter((d) => d.startsWith('slipway-cmd-') && !before.includes(d));
  assert.deepEqual(left, []);
  // Without a helper, commands are spawned here.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-sub-'));
  try {
    assert.equal((await runShort('pwd', [], { cwd: dir })).stdout.toString().trim(), dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without a usable TMPDIR the helper is not started: commands are spawned here and still work', async () => {
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = path.join(os.tmpdir(), 'slipway-no-such-dir', 'x');
  holdShortCommands();
  try {
    const r = await runShort('sh', ['-c', 'echo $$; exit 4']);
    assert.equal(r.code, 4);
    assert.match(r.stdout.toString(), /^\d+\n$/);
    await assert.rejects(runShort('no-such-command-here', []), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
  } finally {
    releaseShortCommands();
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
});
