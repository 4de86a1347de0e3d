// BuildKit's own expansion corpora, read in place from ../shared/conformance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { conformanceDir } from '../helpers/paths.js';
import { analyzeWord } from '../../src/shell/index.js';

const shellDir = path.join(conformanceDir, 'buildkit', 'shell');
const ENV = new Map([['PWD', '/home'], ['SHELL', 'bash'], ['KOREAN', '한국어'], ['NULL', '']]);

test('envVarTest: every A and U line', () => {
  const lines = readFileSync(path.join(shellDir, 'envVarTest'), 'utf8').split('\n');
  let checked = 0;
  const failures: string[] = [];
  lines.forEach((raw, i) => {
    if (raw.startsWith('#') || raw.trim() === '') return;
    const fields = raw.trim().split('|');
    assert.equal(fields.length, 3, `line ${i + 1} malformed`);
    const [platform, input, expected] = fields.map((f) => f.trim()) as [string, string, string];
    if (platform === 'W') return;
    assert.ok(platform === 'A' || platform === 'U', `line ${i + 1}: bad platform ${platform}`);
    checked++;
    const r = analyzeWord(input, ENV);
    const got = r.ok ? r.value : 'error';
    if (expected === 'error' ? r.ok : got !== expected) failures.push(`line ${i + 1}: ${input} -> ${JSON.stringify(got)}, want ${JSON.stringify(expected)}`);
  });
  assert.deepEqual(failures, []);
  assert.ok(checked >= 228, `only ${checked} cases found`);
});

test('wordsTest: every line', () => {
  const lines = readFileSync(path.join(shellDir, 'wordsTest'), 'utf8').split('\n');
  const env = new Map<string, string>();
  let checked = 0;
  const failures: string[] = [];
  lines.forEach((raw, i) => {
    if (raw.startsWith('#') || raw === '') return;
    if (raw.startsWith('ENV ')) {
      const kv = raw.slice(3).replace(/^ +/, '');
      const eq = kv.indexOf('=');
      env.set(kv.slice(0, eq), kv.slice(eq + 1));
      return;
    }
    const fields = raw.split('|');
    assert.equal(fields.length, 2, `line ${i + 1} malformed`);
    const input = fields[0]!.trim();
    const expected = fields[1]!.replace(/^ +/, '').split(',');
    checked++;
    const r = analyzeWord(input, env);
    const got = r.ok ? r.words : ['error'];
    if (JSON.stringify(got) !== JSON.stringify(expected)) failures.push(`line ${i + 1}: ${input} -> ${JSON.stringify(got)}, want ${JSON.stringify(expected)}`);
  });
  assert.deepEqual(failures, []);
  assert.ok(checked >= 24, `only ${checked} cases found`);
});
