import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeWord, expandWord, expandWords } from '../../src/shell/index.js';
import { isSlipwayError } from '../../src/errors.js';

const ok = (word: string, env: Record<string, string>) => {
  const r = analyzeWord(word, env);
  assert.ok(r.ok, `${word}: ${r.ok ? '' : r.error.message}`);
  return r;
};

test('patterns: prefix/suffix trimming, shortest and longest', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['${FOO#()[]{\\}^$.\\*\\?|\\\\}', { FOO: '()[]{}^$.*?|\\x' }, 'x'],
    ['${FOO%%\\**}', { FOO: 'xx**' }, 'xx'],
    ['${FOO#*x*y}', { FOO: 'xxyy' }, 'y'],
    ['${FOO#*}', { FOO: 'xxyy' }, 'xxyy'],
    ['${FOO#$BAR}', { FOO: 'xxyy', BAR: 'x' }, 'xyy'],
    ['${FOO##*x}', { FOO: 'xxyy' }, 'yy'],
    ['${FOO#?\\?}', { FOO: '???y' }, '?y'],
    ['${ABC:-.}${FOO%x}${ABC:-.}', { FOO: 'xxyy' }, '.xxyy.'],
    ['${FOO%%\\**\\*}', { FOO: 'a***yy*' }, 'a'],
    ['${FOO%y*}', { FOO: 'xyxy' }, 'xyx'],
    ['${FOO%%y*}', { FOO: 'xyxy' }, 'x'],
    ['${FOO%?}', { FOO: 'a👽' }, 'a'],
  ];
  for (const [word, env, want] of cases) assert.equal(ok(word, env).value, want, word);
});

test('patterns: replace first and all, escaped separators, Go template semantics', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}', { FOO: '/foo*/*/*.txt', NEEDLE: '\\*/' }, '/foo.*/*.txt - /foo..*.txt'],
    ['${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}', { FOO: '/tmp/tmp/bar.txt', NEEDLE: '/tmp' }, '/tmp/bar.txt - /bar.txt'],
    ['${FOO//\\//\\/}', { FOO: '/tmp/foo.txt' }, '\\/tmp\\/foo.txt'],
    ['${FOO/$BAR/ww}', { FOO: 'xxyy', BAR: '' }, 'wwxxyy'],
    ['${FOO///}', { FOO: 'xxyy' }, 'xxyy'],
    ['${FOO//x/[$R]}', { FOO: 'axbx', R: '$0' }, 'a[x]b[x]'],
    ['${FOO//*/-}', { FOO: 'abc' }, '-'],
    ['${FOO//b*/-}', { FOO: 'abc' }, 'a-'],
  ];
  for (const [word, env, want] of cases) assert.equal(ok(word, env).value, want, word);
});

test('referenced and unset names are reported', () => {
  const r = analyzeWord('${FOO-aaa} ${BAR-bbb} ${BAZ-ccc} $1', { FOO: 'xxx', BAR: '' });
  assert.ok(r.ok);
  assert.equal(r.value, 'xxx  ccc ');
  assert.deepEqual(r.referenced, ['FOO', 'BAR', 'BAZ', '1']);
  assert.deepEqual(r.unset, ['BAZ', '1']);
  const failed = analyzeWord('$A ${B?}', {});
  assert.equal(failed.ok, false);
  assert.deepEqual(failed.unset, ['A', 'B']);
  const referenced = new Set<string>();
  const unset = new Set<string>();
  assert.deepEqual(expandWords('$X "$Y z"', { X: 'a b' }, { referenced, unset }), ['a', 'b', ' z']);
  assert.deepEqual([...referenced], ['X', 'Y']);
  assert.deepEqual([...unset], ['Y']);
});

test('errors carry codes and the offset of the failing construct', () => {
  const cases: [string, Record<string, string>, string, number][] = [
    ['ab"cd', {}, 'SHELL_UNTERMINATED_QUOTE', 2],
    ["x'y", {}, 'SHELL_UNTERMINATED_QUOTE', 1],
    ['a${PWD', { PWD: '/' }, 'SHELL_MISSING_BRACE', 1],
    ['${', {}, 'SHELL_MISSING_BRACE', 0],
    ['x${}', {}, 'SHELL_BAD_SUBSTITUTION', 1],
    ['${:-a}', {}, 'SHELL_BAD_SUBSTITUTION', 0],
    ['${X:=a}', {}, 'SHELL_UNSUPPORTED_MODIFIER', 0],
    ['${X.}', {}, 'SHELL_UNSUPPORTED_MODIFIER', 0],
    ['${X?}', {}, 'SHELL_REQUIRED_VARIABLE', 0],
    ['${X:?msg}', { X: '' }, 'SHELL_REQUIRED_VARIABLE', 0],
    ['${X//ww}', { X: 'a' }, 'SHELL_MISSING_SLASH', 0],
    ['${X#\\x}', { X: 'a' }, 'SHELL_INVALID_PATTERN', 0],
  ];
  for (const [word, env, code, offset] of cases) {
    const r = analyzeWord(word, env);
    assert.equal(r.ok, false, word);
    if (!r.ok) {
      assert.equal(r.error.code, code, word);
      assert.equal(r.error.offset, offset, word);
      assert.ok(r.error.length >= 1, word);
    }
  }
  assert.throws(() => expandWord('${X:?need X}', {}), (e) => isSlipwayError(e) && e.code === 'SHELL_REQUIRED_VARIABLE' && /need X/.test(e.message));
});

test('backtick escape directive', () => {
  assert.equal(expandWord('a`$X`\\b', { X: 'v' }, { escape: '`' }), 'a$X\\b');
  assert.equal(expandWord('"a`"b"', {}, { escape: '`' }), 'a"b');
  assert.equal(expandWord('C:\\path\\$X', { X: 'v' }, { escape: '`' }), 'C:\\path\\v');
});

test('skipUnset, rawQuotes, skipQuotes, rawEscapes', () => {
  assert.equal(expandWord('$A ${B} ${C:-d} ${D/x/y} $E', { E: 'e' }, { skipUnset: true }), '$A ${B} ${C:-d} ${D/x/y} e');
  assert.equal(expandWord(`"$E" 'x'`, { E: 'e' }, { rawQuotes: true }), `"e" 'x'`);
  assert.equal(expandWord(`it's "$E"`, { E: 'e' }, { skipQuotes: true }), `it's "e"`);
  assert.equal(expandWord('a\\$E', { E: 'e' }, { rawEscapes: true }), 'a\\$E');
});

test('a Map env and an object env agree; names are case-sensitive', () => {
  assert.equal(expandWord('$pwd$PWD', new Map([['PWD', '/h']])), '/h');
  assert.equal(expandWord('$pwd$PWD', { PWD: '/h' }), '/h');
  assert.equal(expandWord('$toString', {}), '');
});
