import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { formatReports, lint, type FileReport } from '../../src/lint/index.js';

const text = 'FROM debian:latest\nrun cd /tmp\nRUN <<EOF\n';
const reports: FileReport[] = [
  { file: 'app/Dockerfile', text: 'FROM debian:latest\nEXPOSE 80/TCP\n', diagnostics: lint('FROM debian:latest\nEXPOSE 80/TCP\n') },
  { file: 'broken.Dockerfile', text, diagnostics: lint(text) },
];

test('json is hadolint\'s flat array of {code, column, file, level, line, message}', () => {
  const rows = JSON.parse(formatReports('json', reports)) as Record<string, unknown>[];
  assert.equal(rows.length, reports[0]!.diagnostics.length + reports[1]!.diagnostics.length);
  for (const row of rows) assert.deepEqual(Object.keys(row).sort(), ['code', 'column', 'file', 'level', 'line', 'message']);
  assert.deepEqual(rows.map((r) => [r.code, r.file, r.line, r.column, r.level]), [
    ['DL3007', 'app/Dockerfile', 1, 6, 'warning'],
    ['ExposeProtoCasing', 'app/Dockerfile', 2, 8, 'warning'],
    ...reports[1]!.diagnostics.map((d) => [d.code, 'broken.Dockerfile', d.range.start.line, d.range.start.column, d.level]),
  ]);
  assert.ok(rows.some((r) => r.code === 'PARSE_UNTERMINATED_HEREDOC' && r.file === 'broken.Dockerfile' && r.line === 3));
  assert.deepEqual(formatReports('json', []), '[]\n');
});

test('sarif validates against the SARIF 2.1.0 JSON schema and carries rules with help URIs', () => {
  const require = createRequire(import.meta.url);
  const schemaPath = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
  // The schema is JSON Schema draft-04; its `language` pattern is not valid with the `u` flag.
  const Ajv04 = require('ajv-draft-04') as typeof import('ajv-draft-04').default;
  const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv as never);
  const validate = ajv.compile(schema);
  const log = JSON.parse(formatReports('sarif', reports)) as { version: string; runs: { tool: { driver: { rules: { id: string; helpUri?: string }[] } }; results: { ruleId: string; ruleIndex: number; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }[] }[] }[] };
  assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
  assert.equal(log.version, '2.1.0');
  const run = log.runs[0]!;
  const rules = run.tool.driver.rules;
  for (const r of run.results) assert.equal(rules[r.ruleIndex]!.id, r.ruleId);
  assert.equal(rules.find((r) => r.id === 'ExposeProtoCasing')!.helpUri, 'https://docs.docker.com/go/dockerfile/rule/expose-proto-casing/');
  assert.equal(rules.find((r) => r.id === 'DL3007')!.helpUri, 'https://github.com/hadolint/hadolint/wiki/DL3007');
  const first = run.results[0]!;
  assert.deepEqual([first.ruleId, first.level, first.locations[0]!.physicalLocation.artifactLocation.uri, first.locations[0]!.physicalLocation.region.startLine, first.locations[0]!.physicalLocation.region.startColumn], ['DL3007', 'warning', 'app/Dockerfile', 1, 6]);
  // An empty run is still a valid log.
  assert.ok(validate(JSON.parse(formatReports('sarif', []))));
});

test('github annotations escape properties and data', () => {
  const out = formatReports('github', [{ file: 'a,b:c%.Dockerfile', text: 'FROM debian\n', diagnostics: lint('FROM debian\n') }]);
  assert.equal(out, '::warning file=a%2Cb%3Ac%25.Dockerfile,line=1,col=6,endLine=1,endColumn=12,title=DL3006::DL3006: Always tag the version of an image explicitly\n');
  const info = formatReports('github', [{ file: 'D', text: 'FROM debian:12\nRUN a\nRUN b\n', diagnostics: lint('FROM debian:12\nRUN a\nRUN b\n') }]);
  assert.match(info, /^::notice file=D,line=3,col=1,/);
});

test('checkstyle XML escapes attributes', () => {
  const out = formatReports('checkstyle', [{ file: 'x&y/Dockerfile', text: '', diagnostics: [{ code: 'R', level: 'style', message: 'a "b" <c>', range: { start: { line: 2, column: 3, offset: 0 }, end: { line: 2, column: 4, offset: 1 } } }] }]);
  assert.equal(out, '<?xml version="1.0" encoding="UTF-8"?>\n<checkstyle version="4.3">\n  <file name="x&amp;y/Dockerfile">\n    <error line="2" column="3" severity="info" message="a &quot;b&quot; &lt;c&gt;" source="R"/>\n  </file>\n</checkstyle>\n');
});

test('tty groups by file with a code frame; colour only when asked', () => {
  const plain = formatReports('tty', [reports[0]!]);
  assert.equal(plain, [
    'app/Dockerfile',
    '  1:6  warning  Using latest is prone to errors if the image will ever update. Pin the version explicitly to a release tag  DL3007',
    '  1 | FROM debian:latest',
    '    |      ^^^^^^^^^^^^^',
    "  2:8  warning  Defined protocol '80/TCP' in EXPOSE instruction should be lowercase  ExposeProtoCasing",
    '  2 | EXPOSE 80/TCP',
    '    |        ^^^^^^',
    '',
    '2 problems (2 warning), 1 fixable with --fix',
    '',
  ].join('\n'));
  assert.doesNotMatch(plain, /\u001b\[/);
  assert.match(formatReports('tty', [reports[0]!], { color: true }), /\u001b\[33mwarning\u001b\[0m/);
  assert.equal(formatReports('tty', [{ file: 'ok', text: '', diagnostics: [] }]), '');
});
