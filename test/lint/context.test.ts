import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lint, type LintConfig, type LintRule, type RuleContext } from '../../src/lint/index.js';

/** A rule that hands its context to `inspect` and reports nothing. */
const probe = (inspect: (ctx: RuleContext) => void): LintRule => ({ name: 'Probe', source: 'hadolint', level: 'info', description: '', url: '', check: inspect });

test('a lazily computed fix is an own enumerable property of a plain object: JSON, spreads and keys see it', () => {
  const [d] = lint('FROM alpine:3.20\nMAINTAINER me@example.com\n').filter((x) => x.code === 'MaintainerDeprecated');
  assert.ok(d);
  const edits = [{ range: { start: { line: 2, column: 1, offset: 17 }, end: { line: 2, column: 26, offset: 42 } }, newText: 'LABEL org.opencontainers.image.authors=me@example.com' }];
  assert.equal(Object.getPrototypeOf(d), Object.prototype);
  assert.deepEqual(Object.keys(d), ['code', 'level', 'message', 'range', 'fix']);
  assert.deepEqual(JSON.parse(JSON.stringify(d)).fix, edits);
  assert.deepEqual({ ...d }.fix, edits);
  assert.deepEqual(d.fix, edits);
  assert.deepEqual(Object.getOwnPropertySymbols(d), []);
});

test('a finding whose fix computes to nothing has fix undefined', () => {
  // A multi-line MAINTAINER cannot be rewritten in place.
  const [d] = lint('FROM alpine:3.20\nMAINTAINER me \\\n  you\n').filter((x) => x.code === 'MaintainerDeprecated');
  assert.ok(d);
  assert.equal(d.fix, undefined);
  assert.ok('fix' in d);
});

test('one config object used with different check directives: each file gets its own rule selection', () => {
  const config: LintConfig = {};
  const codes = (text: string): string[] => lint(text, { config }).map((d) => d.code);
  assert.deepEqual(codes('# check=skip=DL3007\nFROM debian:latest\n'), []);
  assert.deepEqual(codes('FROM debian:latest\n'), ['DL3007']);
  // skip=all is BuildKit's switch for its own checks: hadolint's DL3007 still runs.
  assert.deepEqual(codes('# check=skip=all\nFROM debian:latest\n'), ['DL3007']);
  assert.deepEqual(codes('# check=skip=DL3007\nFROM debian:latest\n'), []);
});

test('commandNames lists the base names of the commands every RUN runs, ONBUILD RUN and substitutions included', () => {
  let names: string[] = [];
  lint('FROM alpine:3.20\nRUN apt-get update && /usr/bin/pip install x\nONBUILD RUN echo "$(curl -s y)"\nCMD wget z\n', { rules: [probe((ctx) => { names = [...ctx.commandNames()]; })] });
  assert.deepEqual(names, ['apt-get', 'pip', 'echo', 'curl']);
});

test('program rules run exactly for files whose RUNs run their programs', () => {
  const config: LintConfig = { enable: [] };
  assert.deepEqual(lint('FROM alpine:3.20\nRUN apk add curl\n', { config }).map((d) => d.code), ['DL3018', 'DL3019']);
  // The same words outside a command position, or in CMD, are not apk commands.
  assert.deepEqual(lint('FROM alpine:3.20\nRUN echo apk add curl\nCMD apk add curl\n', { config }).map((d) => d.code), ['DL3025', 'JSONArgsRecommended']);
});

test('stageOf: the stage an instruction is in, undefined before the first FROM', () => {
  const seen: (number | undefined)[] = [];
  lint('ARG V=1\nFROM alpine:3.20 AS a\nRUN true\nFROM a\nONBUILD RUN x\nENV A=1\n', {
    rules: [probe((ctx) => { for (const ins of ctx.model.ast.instructions) seen.push(ctx.model.stageOf(ins)?.index); })],
  });
  assert.deepEqual(seen, [undefined, 0, 0, 1, 1, 1]);
});

test('script(): the tokenized RUN of an instruction, ONBUILD RUN included; nothing for other instructions', () => {
  const found: (number | undefined)[] = [];
  lint('FROM alpine:3.20\nRUN a && b\nENV X=1\nONBUILD RUN c | d | e\nRUN ["f"]\n', {
    rules: [probe((ctx) => { for (const ins of ctx.model.ast.instructions) found.push(ctx.script(ins)?.commands.length); })],
  });
  assert.deepEqual(found, [undefined, 2, undefined, 3, 1]);
});

test('InvalidDefaultArgInFrom: a default that expands to a plain library image is valid, other invalid names are reported', () => {
  const codes = (text: string): string[] => lint(text).filter((d) => d.code === 'InvalidDefaultArgInFrom').map((d) => `${d.range.start.line}:${d.range.start.column}`);
  assert.deepEqual(codes('ARG IMG=alpine:3.20\nFROM $IMG\n'), []);
  assert.deepEqual(codes('ARG IMG=Alpine\nFROM ${IMG}\n'), ['2:6']);
  assert.deepEqual(codes('ARG IMG=alpine:-bad\nFROM ${IMG}\n'), ['2:6']);
  assert.deepEqual(codes('ARG IMG=gcr.io/distroless/static:nonroot\nFROM ${IMG}\n'), []);
  assert.deepEqual(codes('ARG IMG\nFROM ${IMG}\n'), ['2:6']);
});
