import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ALL_RULES, FORMATS, fix, formatReports, lint, type LintOptions } from '../../src/lint/index.js';
import { conformanceDir, repoRoot } from '../helpers/paths.js';
import { lintFixturesDir } from './fixtures.js';

/** Every Dockerfile of BuildKit's parser corpus, our real-world corpus and bench/corpus when present. */
function corpus(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const parser = path.join(conformanceDir, 'buildkit', 'parser');
  for (const group of ['testfiles', 'testfiles-negative']) {
    for (const c of readdirSync(path.join(parser, group)).sort()) out.push({ name: `${group}/${c}`, text: readFileSync(path.join(parser, group, c, 'Dockerfile'), 'utf8') });
  }
  out.push({ name: 'testfile-line', text: readFileSync(path.join(parser, 'testfile-line', 'Dockerfile'), 'utf8') });
  for (const dir of [path.join(lintFixturesDir, '_corpus'), path.join(repoRoot, 'bench', 'corpus')]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
      const full = path.join(dir, f);
      if (/Dockerfile/.test(f) && !readdirSafe(full)) out.push({ name: path.relative(repoRoot, full), text: readFileSync(full, 'utf8') });
    }
  }
  return out;
}

function readdirSafe(p: string): boolean {
  try { readdirSync(p); return true; } catch { return false; }
}

// Everything on, opt-in rules and label checks included, so every check runs on every file.
const everything: LintOptions = {
  config: {
    enable: ALL_RULES.filter((r) => r.optIn).map((r) => r.name),
    trustedRegistries: ['docker.io'],
    labelSchema: { maintainer: 'email', version: 'semver', url: 'url' },
    strictLabels: true,
  },
};

const files = corpus();

test('the corpus is there', () => {
  assert.ok(files.length >= 40, `only ${files.length} files`);
});

for (const { name, text } of files) {
  test(`corpus ${name}: lints, formats and fixes without an exception`, () => {
    const diagnostics = lint(text, everything);
    for (const d of diagnostics) {
      assert.ok(d.range.start.offset <= d.range.end.offset && d.range.end.offset <= text.length, `${d.code} has a bad range`);
      assert.ok(d.range.start.line >= 1 && d.range.start.column >= 1);
    }
    for (const format of FORMATS) formatReports(format, [{ file: name, text, diagnostics }]);
    const fixed = fix(text, everything);
    assert.equal(fix(fixed.text, everything).text, fixed.text, 'fixing must reach a fixed point');
    // Every prefix of the file (as an editor sees it while typing) lints too.
    const lines = text.split('\n');
    for (let i = 1; i < lines.length; i++) lint(lines.slice(0, i).join('\n'), everything);
  });
}

test('real-world corpus: findings match what each file gets wrong', () => {
  const codes = (f: string): string[] => [...new Set(lint(readFileSync(path.join(lintFixturesDir, '_corpus', f), 'utf8')).map((d) => d.code))].sort();
  assert.deepEqual(codes('node-app.Dockerfile'), []);
  assert.deepEqual(codes('go-multiarch.Dockerfile'), ['DL3029']);
  assert.deepEqual(codes('windows.Dockerfile'), []);
  assert.deepEqual(codes('legacy.Dockerfile'), [
    'DL3002', 'DL3003', 'DL3006', 'DL3008', 'DL3009', 'DL3011', 'DL3015', 'DL3020', 'DL3025', 'DL3059', 'DL4000', 'DL4003',
    'ExposeProtoCasing', 'JSONArgsRecommended', 'LegacyKeyValueFormat', 'MaintainerDeprecated', 'MultipleInstructionsDisallowed', 'SecretsUsedInArgOrEnv',
  ]);
});
