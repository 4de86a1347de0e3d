import type { LintRule } from '../../src/lint/index.js';
import type { RuleFixture } from './fixtures.js';

const SOURCE = { buildkit: "BuildKit build check (`docker build --check`)", hadolint: 'hadolint rule' } as const;

/**
 * docs/rules/<name>.md, generated from the rule's data and its fixtures so the examples
 * are exactly what the tests prove: the bad one fires, the good one stays quiet.
 */
export function renderRuleDoc(f: RuleFixture): string {
  const r = f.rule;
  const facts = [
    `- Source: ${SOURCE[r.source]}; upstream documentation: <${r.url}>`,
    `- Default level: \`${r.level}\`${r.optIn ? ' (off unless enabled: `--enable ' + r.name + '` or `enable = ["' + r.name + '"]` in `[lint]`)' : ''}`,
    `- Autofix: ${r.fixable ? 'yes (`slipway lint --fix`, or `--fix=diff` to preview)' : 'no'}`,
    `- Silence it: \`--ignore ${r.name}\`, \`ignored = ["${r.name}"]\` in \`.slipway.toml\`, or \`# slipway ignore=${r.name}\` above the instruction${r.source === 'buildkit' ? ` (BuildKit's \`# check=skip=${r.name}\` works too)` : ` (\`# hadolint ignore=${r.name}\` works too)`}`,
  ];
  const toml = settingsToml(f);
  const options = toml || f.options.contextDir
    ? `\nThe examples are linted with${toml ? ` these settings in \`.slipway.toml\`:\n\n\`\`\`toml\n${toml}\`\`\`\n` : ''}${f.options.contextDir ? `${toml ? '\nand' : ''} a build context (\`--context\`) whose \`.dockerignore\` is in fixtures/lint/${r.name}/.\n` : ''}`
    : '';
  const fixed = f.fixed !== undefined ? `\n## After \`slipway lint --fix\`\n\n\`\`\`dockerfile\n${f.fixed}\`\`\`\n` : '';
  return `# ${r.name}\n\n${r.description}\n\n${facts.join('\n')}\n${options}\n## Bad\n\n\`\`\`dockerfile\n${f.bad}\`\`\`\n\nReported at (line:column): ${(f.expect ?? []).join(', ')}.\n${fixed}\n## Good\n\n\`\`\`dockerfile\n${f.good}\`\`\`\n`;
}

/** The fixture's settings as the `[lint]` table a user would write. */
function settingsToml(f: RuleFixture): string {
  const c = f.options.config ?? {};
  const list = (xs: readonly string[]): string => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;
  const lines: string[] = [];
  if (c.trustedRegistries) lines.push(`trusted-registries = ${list(c.trustedRegistries)}`);
  if (c.strictLabels) lines.push('strict-labels = true');
  const schema = Object.entries(c.labelSchema ?? {});
  if (lines.length === 0 && schema.length === 0) return '';
  const out = ['[lint]', ...lines];
  if (schema.length > 0) out.push('[lint.label-schema]', ...schema.map(([k, v]) => `${JSON.stringify(k)} = ${JSON.stringify(v)}`));
  return `${out.join('\n')}\n`;
}

export function renderIndex(rules: readonly LintRule[]): string {
  const row = (r: LintRule): string => `| [${r.name}](${r.name}.md) | ${r.level}${r.optIn ? ' (opt-in)' : ''} | ${r.fixable ? 'yes' : ''} | ${r.description.replace(/\|/g, '\\|')} |`;
  const table = (list: readonly LintRule[]): string => ['| Rule | Level | Fix | Description |', '| --- | --- | --- | --- |', ...list.map(row)].join('\n');
  return `# Lint rules\n\n\`slipway lint\` runs BuildKit's build checks under their names and hadolint's DL rules under their codes.\nEach page has a bad and a good example; both are fixtures the test suite lints.\n\n## BuildKit checks\n\n${table(rules.filter((r) => r.source === 'buildkit'))}\n\n## hadolint rules\n\n${table(rules.filter((r) => r.source === 'hadolint'))}\n`;
}
