import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineCounter, formatDiagnostic, type Diagnostic } from '../../src/syntax/index.js';

function diag(text: string, from: number, to: number, severity: Diagnostic['severity'] = 'error'): Diagnostic {
  const lines = new LineCounter(text);
  return { code: 'X', message: 'boom', range: { start: lines.position(from), end: lines.position(to) }, severity };
}

test('formatDiagnostic: file:line:col, the line, carets under the range', () => {
  const text = 'FROM a\nRUN  foo bar\n';
  assert.equal(formatDiagnostic(diag(text, 12, 15), text, 'Dockerfile'), 'Dockerfile:2:6: boom\n 2 | RUN  foo bar\n   |      ^^^\n');
});

test('formatDiagnostic: warnings say so; empty ranges get one caret', () => {
  const text = 'FROM a\n';
  assert.equal(formatDiagnostic(diag(text, 4, 4, 'warning'), text, 'f'), 'f:1:5: warning: boom\n 1 | FROM a\n   |     ^\n');
});

test('formatDiagnostic: tabs stay tabs so the caret lines up; CR is not shown', () => {
  const text = '\tRUN x\r\n';
  assert.equal(formatDiagnostic(diag(text, 5, 6), text, 'f'), 'f:1:6: boom\n 1 | \tRUN x\n   | \t    ^\n');
});

test('formatDiagnostic: multi-line ranges underline to the end of the first line', () => {
  const text = 'RUN a \\\n  b\n';
  assert.equal(formatDiagnostic(diag(text, 0, 11), text, 'f'), 'f:1:1: boom\n 1 | RUN a \\\n   | ^^^^^^^\n');
});

test('formatDiagnostic: long lines are clipped around the caret', () => {
  const text = `RUN ${'x'.repeat(300)} here ${'y'.repeat(300)}\n`;
  const at = text.indexOf('here');
  const out = formatDiagnostic(diag(text, at, at + 4), text, 'f');
  const [head, source, carets] = out.split('\n');
  assert.equal(head, `f:1:${at + 1}: boom`);
  assert.ok(source!.length < 140, source);
  assert.equal(source!.indexOf('here'), carets!.indexOf('^'));
});

test('LineCounter maps offsets to 1-based lines and UTF-16 columns', () => {
  const lines = new LineCounter('a\n\u{1F600}b\n');
  assert.deepEqual(lines.position(0), { line: 1, column: 1, offset: 0 });
  assert.deepEqual(lines.position(2), { line: 2, column: 1, offset: 2 });
  assert.deepEqual(lines.position(4), { line: 2, column: 3, offset: 4 });
  assert.deepEqual(lines.position(6), { line: 3, column: 1, offset: 6 });
});
