import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HEREDOC_KEYWORDS, INSTRUCTIONS, KEYWORDS, flagSpec, instructionSpec } from '../../grammar/instructions.js';

test('the instruction table has the 18 keywords, each keyed by itself', () => {
  assert.equal(KEYWORDS.length, 18);
  assert.deepEqual(Object.keys(INSTRUCTIONS).sort(), [...KEYWORDS].sort());
  for (const k of KEYWORDS) assert.equal(INSTRUCTIONS[k].keyword, k);
});

test('flags are unique per instruction and enums list their values', () => {
  for (const k of KEYWORDS) {
    const names = INSTRUCTIONS[k].flags.map((f) => f.name);
    assert.equal(new Set(names).size, names.length, k);
    for (const f of INSTRUCTIONS[k].flags) assert.equal(f.type === 'enum', f.values !== undefined, `${k} --${f.name}`);
  }
});

test('the flags BuildKit declares are in the table with their types', () => {
  const expect: Array<[string, string, string, boolean]> = [
    ['FROM', 'platform', 'string', false], ['RUN', 'mount', 'string', true], ['RUN', 'network', 'enum', false],
    ['RUN', 'security', 'enum', false], ['COPY', 'from', 'string', false], ['COPY', 'chown', 'string', false],
    ['COPY', 'chmod', 'string', false], ['COPY', 'link', 'bool', false], ['COPY', 'parents', 'bool', false],
    ['COPY', 'exclude', 'string', true], ['ADD', 'checksum', 'string', false], ['ADD', 'keep-git-dir', 'bool', false],
    ['ADD', 'unpack', 'bool', false], ['ADD', 'exclude', 'string', true], ['HEALTHCHECK', 'interval', 'duration', false],
    ['HEALTHCHECK', 'start-interval', 'duration', false], ['HEALTHCHECK', 'retries', 'uint', false],
  ];
  for (const [k, name, type, repeatable] of expect) {
    const f = flagSpec(k, name);
    assert.ok(f, `${k} --${name}`);
    assert.equal(f.type, type, `${k} --${name}`);
    assert.equal(f.repeatable, repeatable, `${k} --${name}`);
  }
  assert.equal(flagSpec('RUN', 'network')?.default, 'default');
  assert.equal(flagSpec('EXPOSE', 'anything'), undefined);
});

test('heredocs are allowed exactly where BuildKit allows them; lookups ignore case', () => {
  assert.deepEqual([...HEREDOC_KEYWORDS].sort(), ['add', 'copy', 'run']);
  assert.equal(instructionSpec('HealthCheck')?.parser, 'healthcheck');
  assert.equal(instructionSpec('nope'), undefined);
});
