import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chompHeredocContent, dump, parse, parseHeredocWord } from '../../src/syntax/index.js';

test("a physical line must fit BuildKit's 64 KiB scanner buffer", () => {
  const fits = `FROM a\nRUN ${'x'.repeat(65535 - 4)}\n`;
  assert.deepEqual(parse(fits).errors, []);
  const long = `FROM a\nRUN ${'x'.repeat(65536 - 4)}\n`;
  const r = parse(long);
  assert.deepEqual(r.errors.map((e) => [e.code, e.range.start.line]), [['PARSE_LINE_TOO_LONG', 2]]);
  // Bytes count, not characters: 'é' is two bytes in UTF-8.
  const wide = `FROM a\nRUN ${'é'.repeat(33000)}\n`;
  assert.deepEqual(parse(wide).errors.map((e) => e.code), ['PARSE_LINE_TOO_LONG']);
});

test('parse never throws and keeps what it read before a fatal error', () => {
  const r = parse('FROM a\nRUN ok\nCMD ["a", 1]\nRUN never\n');
  assert.deepEqual(r.errors.map((e) => [e.code, e.range.start.line, e.range.start.column]), [['PARSE_JSON_NOT_STRINGS', 3, 5]]);
  assert.equal(dump(r.ast), '(from "a")\n(run "ok")\n');
});

test('parseHeredocWord reads a marker the way the instruction checker needs it', () => {
  assert.deepEqual(parseHeredocWord('<<EOF'), { name: 'EOF', quoted: false, chomp: false, fd: 0 });
  assert.deepEqual(parseHeredocWord('2<<-"END"'), { name: 'END', quoted: true, chomp: true, fd: 2 });
  assert.deepEqual(parseHeredocWord("<<'a b'"), { name: 'a b', quoted: true, chomp: false, fd: 0 });
  assert.equal(parseHeredocWord('<<'), null);
  assert.equal(parseHeredocWord('x<<EOF'), null);
  assert.equal(parseHeredocWord('<<a b'), null);
});

test('chompHeredocContent strips leading tabs from each line only', () => {
  assert.equal(chompHeredocContent('\t\tone\n\ttwo \t\n  three\n\r\tfour\n'), 'one\ntwo \t\n  three\n\r\tfour\n');
});
