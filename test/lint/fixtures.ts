import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../helpers/paths.js';
import { findRule } from '../../src/lint/index.js';
import type { LintConfig, LintOptions, LintRule } from '../../src/lint/index.js';

/**
 * One folder per rule under fixtures/lint/<rule>/:
 * - `bad.Dockerfile` must make the rule fire; `bad.expect` lists where, one `line:column`
 *   a line, in order;
 * - `good.Dockerfile` must keep it quiet;
 * - `bad.fixed.Dockerfile` (fixable rules) is what fixing the bad file must produce;
 * - `options.json` (optional): `{"config": {...}, "contextDir": "rel/dir"}`.
 * Folders starting with `_` are not rules (`_corpus/` holds whole real-world Dockerfiles).
 */
export interface RuleFixture {
  readonly name: string;
  readonly dir: string;
  readonly rule: LintRule;
  readonly bad: string;
  readonly good: string;
  readonly expect: string[] | undefined;
  readonly fixed: string | undefined;
  readonly options: LintOptions;
}

export const lintFixturesDir = path.join(fixturesDir, 'lint');

const read = (file: string): string | undefined => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);

export function loadFixtures(): RuleFixture[] {
  return readdirSync(lintFixturesDir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('_')).map((e) => e.name).sort().map((name) => {
    const dir = path.join(lintFixturesDir, name);
    const rule = findRule(name);
    if (!rule) throw new Error(`fixtures/lint/${name}: no rule of that name`);
    const raw = JSON.parse(read(path.join(dir, 'options.json')) ?? '{}') as { config?: LintConfig; contextDir?: string };
    const options: LintOptions = {
      rules: [rule],
      config: { ...raw.config, enable: [name] },
      ...(raw.contextDir ? { contextDir: path.join(dir, raw.contextDir) } : {}),
    };
    const expect = read(path.join(dir, 'bad.expect'))?.split('\n').filter(Boolean);
    return { name, dir, rule, bad: read(path.join(dir, 'bad.Dockerfile'))!, good: read(path.join(dir, 'good.Dockerfile'))!, expect, fixed: read(path.join(dir, 'bad.fixed.Dockerfile')), options };
  });
}
