import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findConfig, lint, loadConfig } from '../../src/lint/index.js';
import { tempDirSync } from '../helpers/tmp.js';

const codes = (text: string, config = {}): string[] => lint(text, { config }).map((d) => `${d.code}@${d.range.start.line}`);

test('.slipway.toml is found upward and its [lint] table read', () => {
  const root = tempDirSync('slipway-lint-');
  mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
  writeFileSync(path.join(root, '.slipway.toml'), '[lint]\nignored = ["DL3006"]\ntrusted-registries = ["docker.io"]\nfailure-threshold = "error"\nstrict-labels = true\n[lint.override]\nerror = ["DL3007"]\n[lint.label-schema]\nversion = "semver"\n[build]\nother = 1\n');
  const found = findConfig(path.join(root, 'a', 'b'));
  assert.equal(found, path.join(root, '.slipway.toml'));
  assert.deepEqual(loadConfig(found!), {
    ignored: ['DL3006'], trustedRegistries: ['docker.io'], failureThreshold: 'error', strictLabels: true,
    override: { error: ['DL3007'] }, labelSchema: { version: 'semver' },
  });
});

test('config errors are usage errors with the file named', () => {
  const dir = tempDirSync('slipway-lint-');
  const file = path.join(dir, 'bad.toml');
  for (const text of ['[lint]\nignored = 3\n', '[lint]\nunknown = 1\n', '[lint]\nfailure-threshold = "loud"\n', '[lint.label-schema]\nx = "colour"\n', 'x = = 1']) {
    writeFileSync(file, text);
    assert.throws(() => loadConfig(file), (err: { code?: string; exitCode?: number; message: string }) => err.exitCode === 2 && err.message.includes(file));
  }
});

test('ignored rules and severity overrides apply', () => {
  const text = 'FROM debian:latest\nMAINTAINER me\n';
  assert.deepEqual(codes(text), ['DL3007@1', 'DL4000@2', 'MaintainerDeprecated@2']);
  assert.deepEqual(codes(text, { ignored: ['DL4000', 'MaintainerDeprecated'] }), ['DL3007@1']);
  assert.equal(lint(text, { config: { override: { error: ['DL3007'] } } })[0]!.level, 'error');
});

test("BuildKit's check directive: skip, skip=all, error=true, experimental", () => {
  const body = 'FROM alpine:3.20 as Build\n# not a description\nARG X=1\n';
  assert.deepEqual(codes(`# check=skip=StageNameCasing\n${body}`), ['FromAsCasing@2']);
  assert.deepEqual(codes(`# check=skip=all\n${body}`), []);
  // A named skip works for hadolint's codes too; `skip=all` leaves them on.
  assert.deepEqual(codes('# check=skip=DL3007\nFROM debian:latest\n'), []);
  assert.deepEqual(codes('# check=skip=all\nFROM debian:latest\n'), ['DL3007@2']);
  const errors = lint(`# check=error=true\n${body}`);
  assert.deepEqual(errors.map((d) => `${d.code}:${d.level}`), ['FromAsCasing:error', 'StageNameCasing:error']);
  assert.deepEqual(codes(`# check=experimental=InvalidDefinitionDescription\n${body}`), ['FromAsCasing@2', 'StageNameCasing@2', 'InvalidDefinitionDescription@3']);
  assert.deepEqual(codes(body, { enable: ['InvalidDefinitionDescription'] }), ['FromAsCasing@1', 'StageNameCasing@1', 'InvalidDefinitionDescription@2']);
});

test('inline ignores: slipway and hadolint pragmas, next instruction only; global ignores', () => {
  const text = 'FROM debian:12\n# slipway ignore=DL3003\nRUN cd /tmp\n# hadolint ignore=DL3003,DL3001 # we know\nRUN cd /tmp && service x start\nRUN cd /tmp\n';
  assert.deepEqual(codes(text, { ignored: ['DL3059'] }), ['DL3003@6']);
  assert.deepEqual(codes('# hadolint global ignore=DL3003\nFROM debian:12\nRUN cd /a\nRUN cd /b\n', { ignored: ['DL3059'] }), []);
  assert.deepEqual(codes(text, { ignored: ['DL3059'], disableIgnorePragma: true }), ['DL3003@3', 'DL3001@5', 'DL3003@5', 'DL3003@6']);
});

test('parse errors are diagnostics with positions', () => {
  const d = lint('FROM alpine:3.20\nRUN <<EOF\necho never ends\n');
  assert.equal(d[0]!.code, 'PARSE_UNTERMINATED_HEREDOC');
  assert.equal(d[0]!.level, 'error');
  assert.equal(d[0]!.range.start.line, 2);
});

test('non-POSIX SHELL turns the shell-aware rules off', () => {
  assert.deepEqual(codes('FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL ["powershell", "-Command"]\nRUN cd C:\\ ; sudo x | y\n'), []);
  assert.deepEqual(codes('FROM debian:12\n# hadolint shell=powershell\nRUN cd /x\n'), []);
});
